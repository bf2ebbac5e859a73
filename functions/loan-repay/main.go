// Command loan-repay serves POST /api/v1/loans/{id}/repayments.
package main

import (
	"holdfast/shared/lending/lendingapi"
	"holdfast/shared/platform/lambdahttp"
)

func main() { lambdahttp.Start("POST /api/v1/loans/{id}/repayments", lendingapi.Repay) }
