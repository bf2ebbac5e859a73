// Command loan-get serves GET /api/v1/loans/{id}.
package main

import (
	"holdfast/shared/lending/lendingapi"
	"holdfast/shared/platform/lambdahttp"
)

func main() { lambdahttp.Start("GET /api/v1/loans/{id}", lendingapi.GetLoan) }
