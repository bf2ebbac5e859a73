// Command me-get serves GET /api/v1/me.
package main

import (
	"holdfast/shared/lending/lendingapi"
	"holdfast/shared/platform/lambdahttp"
)

func main() { lambdahttp.Start("GET /api/v1/me", lendingapi.GetMe) }
