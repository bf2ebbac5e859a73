// Command me-patch serves PATCH /api/v1/me.
package main

import (
	"holdfast/shared/lending/lendingapi"
	"holdfast/shared/platform/lambdahttp"
)

func main() { lambdahttp.Start("PATCH /api/v1/me", lendingapi.PatchMe) }
