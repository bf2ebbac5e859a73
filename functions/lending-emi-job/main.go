// Command lending-emi-job is the daily EMI job.
package main

import (
	"holdfast/shared/lending/lendingworker"
	"holdfast/shared/platform/lambdastart"
)

func main() { lambdastart.Start(lendingworker.Build((*lendingworker.Worker).EMIJob)) }
