// Command clinic-slots serves GET /api/v1/doctors/{id}/slots.
package main

import (
	"holdfast/shared/clinic/clinicapi"
	"holdfast/shared/platform/lambdahttp"
)

func main() { lambdahttp.Start("GET /api/v1/doctors/{id}/slots", clinicapi.Slots) }
