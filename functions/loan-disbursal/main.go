// Command loan-disbursal is the disbursal.fifo consumer.
package main

import (
	"holdfast/shared/lending/lendingworker"
	"holdfast/shared/platform/lambdastart"
)

func main() { lambdastart.Start(lendingworker.Build((*lendingworker.Worker).Disburse)) }
