// Command notify-email delivers the Email channel queue.
package main

import (
	"holdfast/shared/notify"
	"holdfast/shared/notify/notifyworker"
	"holdfast/shared/platform/lambdastart"
)

func main() { lambdastart.Start(notifyworker.BuildChannel(notify.Email)) }
