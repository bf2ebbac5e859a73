// Command user-notices sends users the notices lending and the clinic owe them through the
// notification platform.
package main

import (
	"holdfast/shared/notices"
	"holdfast/shared/platform/lambdastart"
)

func main() { lambdastart.Start(notices.Build) }
