// Command clinic-skip serves POST /api/v1/appointments/{id}/skip.
package main

import (
	"holdfast/shared/clinic/clinicapi"
	"holdfast/shared/platform/lambdahttp"
)

func main() { lambdahttp.Start("POST /api/v1/appointments/{id}/skip", clinicapi.Skip) }
