// Command clinic-relay turns committed clinic-table writes into EventBridge events.
package main

import (
	"holdfast/shared/clinic/clinicrelay"
	"holdfast/shared/platform/events"
)

func main() { events.StartRelay(clinicrelay.Map) }
