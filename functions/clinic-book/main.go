// Command clinic-book serves POST /api/v1/appointments.
package main

import (
	"holdfast/shared/clinic/clinicapi"
	"holdfast/shared/platform/lambdahttp"
)

func main() { lambdahttp.Start("POST /api/v1/appointments", clinicapi.Book) }
