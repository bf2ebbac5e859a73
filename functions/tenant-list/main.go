// Command tenant-list serves GET /api/v1/tenants.
package main

import (
	"holdfast/shared/notify/notifyapi"
	"holdfast/shared/platform/lambdahttp"
)

func main() { lambdahttp.Start("GET /api/v1/tenants", notifyapi.ListTenants) }
