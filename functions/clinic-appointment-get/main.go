// Command clinic-appointment-get serves GET /api/v1/appointments/{id}.
package main

import (
	"holdfast/shared/clinic/clinicapi"
	"holdfast/shared/platform/lambdahttp"
)

func main() { lambdahttp.Start("GET /api/v1/appointments/{id}", clinicapi.GetAppointment) }
