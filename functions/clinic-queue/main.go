// Command clinic-queue serves GET /api/v1/doctors/{id}/queue.
package main

import (
	"holdfast/shared/clinic/clinicapi"
	"holdfast/shared/platform/lambdahttp"
)

func main() { lambdahttp.Start("GET /api/v1/doctors/{id}/queue", clinicapi.Queue) }
