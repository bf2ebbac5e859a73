// Command loan-disbursal is the disbursal.fifo consumer.
package main

import "holdfast/shared/lending/lendingworker"

func main() { lendingworker.Start((*lendingworker.Worker).Disburse) }
