// Command clinic-board-snapshot serves GET /api/v1/doctors/{id}/board.
package main

import (
	"holdfast/shared/clinic/clinicapi"
	"holdfast/shared/platform/lambdahttp"
)

func main() { lambdahttp.Start("GET /api/v1/doctors/{id}/board", clinicapi.BoardSnapshot) }
