// Command notify-intake accepts the platform's own notifications (lending, clinic).
package main

import (
	"holdfast/shared/notify/notifyworker"
	"holdfast/shared/platform/lambdastart"
)

func main() { lambdastart.Start(notifyworker.BuildIntake) }
