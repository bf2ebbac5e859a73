// Command openapi serves GET /api/v1/openapi.yaml.
package main

import (
	"holdfast/shared/platform/apidoc"
	"holdfast/shared/platform/lambdahttp"
)

func main() { lambdahttp.Start("GET /api/v1/openapi.yaml", apidoc.Handler) }
