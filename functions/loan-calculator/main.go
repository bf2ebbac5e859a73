// Command loan-calculator serves GET /api/v1/loan-calculator.
package main

import (
	"holdfast/shared/lending/lendingapi"
	"holdfast/shared/platform/lambdahttp"
)

func main() { lambdahttp.Start("GET /api/v1/loan-calculator", lendingapi.Calculator) }
