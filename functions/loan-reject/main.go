// Command loan-reject serves POST /api/v1/loans/{id}/reject.
package main

import (
	"holdfast/shared/lending/lendingapi"
	"holdfast/shared/platform/lambdahttp"
)

func main() { lambdahttp.Start("POST /api/v1/loans/{id}/reject", lendingapi.Reject) }
