// Command lending-fraud is the fraud detector (ledger events).
package main

import "holdfast/shared/lending/lendingworker"

func main() { lendingworker.Start((*lendingworker.Worker).Fraud) }
