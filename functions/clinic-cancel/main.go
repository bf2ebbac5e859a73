// Command clinic-cancel serves POST /api/v1/appointments/{id}/cancel.
package main

import (
	"holdfast/shared/clinic/clinicapi"
	"holdfast/shared/platform/lambdahttp"
)

func main() { lambdahttp.Start("POST /api/v1/appointments/{id}/cancel", clinicapi.Cancel) }
