// Command loan-foreclosure-quote serves GET /api/v1/loans/{id}/foreclosure-quote.
package main

import (
	"holdfast/shared/lending/lendingapi"
	"holdfast/shared/platform/lambdahttp"
)

func main() {
	lambdahttp.Start("GET /api/v1/loans/{id}/foreclosure-quote", lendingapi.ForeclosureQuote)
}
