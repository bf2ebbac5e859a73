// Command lending-relay turns committed lending-table writes into EventBridge events.
package main

import (
	"holdfast/shared/lending/lendingrelay"
	"holdfast/shared/platform/events"
)

func main() { events.StartRelay(lendingrelay.Map) }
