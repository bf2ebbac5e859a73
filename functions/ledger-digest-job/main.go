// Command ledger-digest-job records a ledger digest every 5 minutes.
package main

import (
	"holdfast/shared/ledger/ledgerapi"
	"holdfast/shared/platform/lambdastart"
)

func main() { lambdastart.Start(ledgerapi.BuildJob((*ledgerapi.Jobs).Digest)) }
