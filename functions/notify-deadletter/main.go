// Command notify-deadletter records DEAD_LETTERED for messages the channel queues gave up on.
package main

import (
	"holdfast/shared/notify/notifyworker"
	"holdfast/shared/platform/lambdastart"
)

func main() { lambdastart.Start(notifyworker.BuildDeadLetters) }
