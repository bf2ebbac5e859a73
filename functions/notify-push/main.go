// Command notify-push delivers the Push channel queue.
package main

import (
	"holdfast/shared/notify"
	"holdfast/shared/notify/notifyworker"
)

func main() { notifyworker.StartChannel(notify.Push) }
