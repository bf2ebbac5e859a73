// Command clinic-doctor-create serves POST /api/v1/doctors.
package main

import (
	"holdfast/shared/clinic/clinicapi"
	"holdfast/shared/platform/lambdahttp"
)

func main() { lambdahttp.Start("POST /api/v1/doctors", clinicapi.CreateDoctor) }
