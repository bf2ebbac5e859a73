// Command clinic-stats serves GET /api/v1/doctors/{id}/stats.
package main

import (
	"holdfast/shared/clinic/clinicapi"
	"holdfast/shared/platform/lambdahttp"
)

func main() { lambdahttp.Start("GET /api/v1/doctors/{id}/stats", clinicapi.Stats) }
