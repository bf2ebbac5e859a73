// Command notify-send serves POST /api/v1/notify.
package main

import (
	"holdfast/shared/notify/notifyapi"
	"holdfast/shared/platform/lambdahttp"
)

func main() { lambdahttp.Start("POST /api/v1/notify", notifyapi.Send) }
