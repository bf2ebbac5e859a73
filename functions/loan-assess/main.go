// Command loan-assess is the risk-assessment worker (LoanSubmitted events).
package main

import (
	"holdfast/shared/lending/lendingworker"
	"holdfast/shared/platform/lambdastart"
)

func main() { lambdastart.Start(lendingworker.Build((*lendingworker.Worker).Assess)) }
