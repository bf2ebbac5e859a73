// Command ledger-digest-job records a ledger digest every 5 minutes.
package main

import "holdfast/shared/ledger/ledgerapi"

func main() { ledgerapi.StartJob((*ledgerapi.Jobs).Digest) }
