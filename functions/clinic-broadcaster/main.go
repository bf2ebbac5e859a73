// Command clinic-broadcaster posts each changed queue's snapshot to every watching socket.
package main

import (
	"holdfast/shared/clinic/clinicworker"
	"holdfast/shared/platform/lambdastart"
)

func main() { lambdastart.Start(clinicworker.BuildBroadcaster) }
