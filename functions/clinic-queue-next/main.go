// Command clinic-queue-next serves POST /api/v1/doctors/{id}/queue/next.
package main

import (
	"holdfast/shared/clinic/clinicapi"
	"holdfast/shared/platform/lambdahttp"
)

func main() { lambdahttp.Start("POST /api/v1/doctors/{id}/queue/next", clinicapi.QueueNext) }
