// Command notify-get serves GET /api/v1/notifications/{id}.
package main

import (
	"holdfast/shared/notify/notifyapi"
	"holdfast/shared/platform/lambdahttp"
)

func main() { lambdahttp.Start("GET /api/v1/notifications/{id}", notifyapi.Get) }
