// Command notify-sms delivers the SMS channel queue.
package main

import (
	"holdfast/shared/notify"
	"holdfast/shared/notify/notifyworker"
)

func main() { notifyworker.StartChannel(notify.SMS) }
