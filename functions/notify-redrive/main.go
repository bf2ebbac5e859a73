// Command notify-redrive serves POST /api/v1/notifications/dead-letters/redrive.
package main

import (
	"holdfast/shared/notify/notifyapi"
	"holdfast/shared/platform/lambdahttp"
)

func main() { lambdahttp.Start("POST /api/v1/notifications/dead-letters/redrive", notifyapi.Redrive) }
