// Command lending-credit-score is the credit-score updater (ledger events).
package main

import (
	"holdfast/shared/lending/lendingworker"
	"holdfast/shared/platform/lambdastart"
)

func main() { lambdastart.Start(lendingworker.Build((*lendingworker.Worker).CreditScore)) }
