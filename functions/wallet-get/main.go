// Command wallet-get serves GET /api/v1/wallet.
package main

import (
	"holdfast/shared/ledger/ledgerapi"
	"holdfast/shared/platform/lambdahttp"
)

func main() { lambdahttp.Start("GET /api/v1/wallet", ledgerapi.GetWallet) }
