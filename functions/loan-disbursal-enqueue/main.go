// Command loan-disbursal-enqueue is the disbursal enqueuer (LoanApproved events to disbursal.fifo).
package main

import (
	"holdfast/shared/lending/lendingworker"
	"holdfast/shared/platform/lambdastart"
)

func main() { lambdastart.Start(lendingworker.Build((*lendingworker.Worker).EnqueueDisbursal)) }
