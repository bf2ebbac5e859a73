// Command notify-intake accepts the platform's own notifications (lending, clinic).
package main

import "holdfast/shared/notify/notifyworker"

func main() { notifyworker.StartIntake() }
