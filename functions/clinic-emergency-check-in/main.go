// Command clinic-emergency-check-in serves POST /api/v1/appointments/{id}/emergency-check-in.
package main

import (
	"holdfast/shared/clinic/clinicapi"
	"holdfast/shared/platform/lambdahttp"
)

func main() {
	lambdahttp.Start("POST /api/v1/appointments/{id}/emergency-check-in", clinicapi.EmergencyCheckIn)
}
