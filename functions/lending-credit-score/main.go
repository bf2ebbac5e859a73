// Command lending-credit-score is the credit-score updater (ledger events).
package main

import "holdfast/shared/lending/lendingworker"

func main() { lendingworker.Start((*lendingworker.Worker).CreditScore) }
