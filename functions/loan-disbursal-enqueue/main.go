// Command loan-disbursal-enqueue is the disbursal enqueuer (LoanApproved events to disbursal.fifo).
package main

import "holdfast/shared/lending/lendingworker"

func main() { lendingworker.Start((*lendingworker.Worker).EnqueueDisbursal) }
