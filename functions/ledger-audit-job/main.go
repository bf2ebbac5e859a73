// Command ledger-audit-job runs the scheduled whole-ledger check.
package main

import (
	"holdfast/shared/ledger/ledgerapi"
	"holdfast/shared/platform/lambdastart"
)

func main() { lambdastart.Start(ledgerapi.BuildJob((*ledgerapi.Jobs).Audit)) }
