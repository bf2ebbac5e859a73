// Command loan-list serves GET /api/v1/loans.
package main

import (
	"holdfast/shared/lending/lendingapi"
	"holdfast/shared/platform/lambdahttp"
)

func main() { lambdahttp.Start("GET /api/v1/loans", lendingapi.ListLoans) }
