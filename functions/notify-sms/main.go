// Command notify-sms delivers the SMS channel queue.
package main

import (
	"holdfast/shared/notify"
	"holdfast/shared/notify/notifyworker"
	"holdfast/shared/platform/lambdastart"
)

func main() { lambdastart.Start(notifyworker.BuildChannel(notify.SMS)) }
