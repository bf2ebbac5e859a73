// Command wallet-withdraw serves POST /api/v1/wallet/withdrawals.
package main

import (
	"holdfast/shared/ledger/ledgerapi"
	"holdfast/shared/platform/lambdahttp"
)

func main() { lambdahttp.Start("POST /api/v1/wallet/withdrawals", ledgerapi.Withdraw) }
