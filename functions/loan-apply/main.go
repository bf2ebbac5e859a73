// Command loan-apply serves POST /api/v1/loans.
package main

import (
	"holdfast/shared/lending/lendingapi"
	"holdfast/shared/platform/lambdahttp"
)

func main() { lambdahttp.Start("POST /api/v1/loans", lendingapi.Apply) }
