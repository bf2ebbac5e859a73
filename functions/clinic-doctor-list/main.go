// Command clinic-doctor-list serves GET /api/v1/doctors.
package main

import (
	"holdfast/shared/clinic/clinicapi"
	"holdfast/shared/platform/lambdahttp"
)

func main() { lambdahttp.Start("GET /api/v1/doctors", clinicapi.ListDoctors) }
