// Command clinic-relay turns committed clinic-table writes into EventBridge events.
package main

import (
	"holdfast/shared/clinic/clinicrelay"
	"holdfast/shared/platform/events"
	"holdfast/shared/platform/lambdastart"
)

func main() { lambdastart.Start(events.BuildRelay(clinicrelay.Map)) }
