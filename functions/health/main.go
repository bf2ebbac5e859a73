// Command health serves GET /api/v1/health.
package main

import (
	"holdfast/shared/platform/health"
	"holdfast/shared/platform/lambdahttp"
)

func main() { lambdahttp.Start("GET /api/v1/health", health.Handler) }
