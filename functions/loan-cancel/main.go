// Command loan-cancel serves POST /api/v1/loans/{id}/cancel.
package main

import (
	"holdfast/shared/lending/lendingapi"
	"holdfast/shared/platform/lambdahttp"
)

func main() { lambdahttp.Start("POST /api/v1/loans/{id}/cancel", lendingapi.Cancel) }
