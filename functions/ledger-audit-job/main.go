// Command ledger-audit-job runs the scheduled whole-ledger check.
package main

import "holdfast/shared/ledger/ledgerapi"

func main() { ledgerapi.StartJob((*ledgerapi.Jobs).Audit) }
