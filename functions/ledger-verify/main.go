// Command ledger-verify serves GET /api/v1/ledger/accounts/{id}/verify.
package main

import (
	"holdfast/shared/ledger/ledgerapi"
	"holdfast/shared/platform/lambdahttp"
)

func main() { lambdahttp.Start("GET /api/v1/ledger/accounts/{id}/verify", ledgerapi.VerifyAccount) }
