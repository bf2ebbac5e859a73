// Command loan-review-queue serves GET /api/v1/approvals: the approvers' work queue.
package main

import (
	"holdfast/shared/lending/lendingapi"
	"holdfast/shared/platform/lambdahttp"
)

func main() { lambdahttp.Start("GET /api/v1/approvals", lendingapi.ReviewQueue) }
