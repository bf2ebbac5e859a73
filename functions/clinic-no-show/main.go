// Command clinic-no-show marks the day's unchecked bookings NO_SHOW at the end of the day.
package main

import (
	"holdfast/shared/clinic/clinicworker"
	"holdfast/shared/platform/lambdastart"
)

func main() { lambdastart.Start(clinicworker.BuildNoShow) }
