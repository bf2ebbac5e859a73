// Command loan-approve serves POST /api/v1/loans/{id}/approve.
package main

import (
	"holdfast/shared/lending/lendingapi"
	"holdfast/shared/platform/lambdahttp"
)

func main() { lambdahttp.Start("POST /api/v1/loans/{id}/approve", lendingapi.Approve) }
