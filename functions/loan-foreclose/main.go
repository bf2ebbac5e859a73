// Command loan-foreclose serves POST /api/v1/loans/{id}/foreclosure.
package main

import (
	"holdfast/shared/lending/lendingapi"
	"holdfast/shared/platform/lambdahttp"
)

func main() { lambdahttp.Start("POST /api/v1/loans/{id}/foreclosure", lendingapi.Foreclose) }
