// Command clinic-doctor-set-user serves PUT /api/v1/doctors/{id}/user.
package main

import (
	"holdfast/shared/clinic/clinicapi"
	"holdfast/shared/platform/lambdahttp"
)

func main() { lambdahttp.Start("PUT /api/v1/doctors/{id}/user", clinicapi.SetDoctorUser) }
