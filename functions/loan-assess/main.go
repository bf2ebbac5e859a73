// Command loan-assess is the risk-assessment worker (LoanSubmitted events).
package main

import "holdfast/shared/lending/lendingworker"

func main() { lendingworker.Start((*lendingworker.Worker).Assess) }
