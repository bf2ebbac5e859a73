// Command wallet-statement serves GET /api/v1/wallet/statement.
package main

import (
	"holdfast/shared/ledger/ledgerapi"
	"holdfast/shared/platform/lambdahttp"
)

func main() { lambdahttp.Start("GET /api/v1/wallet/statement", ledgerapi.Statement) }
