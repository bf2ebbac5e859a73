// Command audit-list serves GET /api/v1/audit.
package main

import (
	"holdfast/shared/platform/audit"
	"holdfast/shared/platform/lambdahttp"
)

func main() { lambdahttp.Start("GET /api/v1/audit", audit.ListHandler) }
