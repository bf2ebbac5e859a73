// Command clinic-check-in serves POST /api/v1/appointments/{id}/check-in.
package main

import (
	"holdfast/shared/clinic/clinicapi"
	"holdfast/shared/platform/lambdahttp"
)

func main() { lambdahttp.Start("POST /api/v1/appointments/{id}/check-in", clinicapi.CheckIn) }
