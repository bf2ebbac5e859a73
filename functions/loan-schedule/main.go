// Command loan-schedule serves GET /api/v1/loans/{id}/schedule.
package main

import (
	"holdfast/shared/lending/lendingapi"
	"holdfast/shared/platform/lambdahttp"
)

func main() { lambdahttp.Start("GET /api/v1/loans/{id}/schedule", lendingapi.Schedule) }
