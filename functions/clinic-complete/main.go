// Command clinic-complete serves POST /api/v1/appointments/{id}/complete.
package main

import (
	"holdfast/shared/clinic/clinicapi"
	"holdfast/shared/platform/lambdahttp"
)

func main() { lambdahttp.Start("POST /api/v1/appointments/{id}/complete", clinicapi.Complete) }
