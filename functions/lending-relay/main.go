// Command lending-relay turns committed lending-table writes into EventBridge events.
package main

import (
	"holdfast/shared/lending/lendingrelay"
	"holdfast/shared/platform/events"
	"holdfast/shared/platform/lambdastart"
)

func main() { lambdastart.Start(events.BuildRelay(lendingrelay.Map)) }
