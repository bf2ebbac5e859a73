// Command notify-email delivers the Email channel queue.
package main

import (
	"holdfast/shared/notify"
	"holdfast/shared/notify/notifyworker"
)

func main() { notifyworker.StartChannel(notify.Email) }
