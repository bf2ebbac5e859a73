// Command loan-timeline serves GET /api/v1/loans/{id}/timeline.
package main

import (
	"holdfast/shared/lending/lendingapi"
	"holdfast/shared/platform/lambdahttp"
)

func main() { lambdahttp.Start("GET /api/v1/loans/{id}/timeline", lendingapi.Timeline) }
