// Command wallet-deposit serves POST /api/v1/wallet/deposits.
package main

import (
	"holdfast/shared/ledger/ledgerapi"
	"holdfast/shared/platform/lambdahttp"
)

func main() { lambdahttp.Start("POST /api/v1/wallet/deposits", ledgerapi.Deposit) }
