// Command clinic-display-token serves POST /api/v1/doctors/{id}/display-tokens.
package main

import (
	"holdfast/shared/clinic/clinicapi"
	"holdfast/shared/platform/lambdahttp"
)

func main() {
	lambdahttp.Start("POST /api/v1/doctors/{id}/display-tokens", clinicapi.IssueDisplayToken)
}
