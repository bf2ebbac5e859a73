// Command tenant-create serves POST /api/v1/tenants.
package main

import (
	"holdfast/shared/notify/notifyapi"
	"holdfast/shared/platform/lambdahttp"
)

func main() { lambdahttp.Start("POST /api/v1/tenants", notifyapi.CreateTenant) }
