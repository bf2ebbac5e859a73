// Command ledger-digests serves GET /api/v1/ledger/digests.
package main

import (
	"holdfast/shared/ledger/ledgerapi"
	"holdfast/shared/platform/lambdahttp"
)

func main() { lambdahttp.Start("GET /api/v1/ledger/digests", ledgerapi.Digests) }
