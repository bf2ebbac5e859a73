// Command lending-fraud-alerts serves GET /api/v1/fraud/alerts.
package main

import (
	"holdfast/shared/lending/lendingapi"
	"holdfast/shared/platform/lambdahttp"
)

func main() { lambdahttp.Start("GET /api/v1/fraud/alerts", lendingapi.FraudAlerts) }
