// Command user-notices sends users the notices lending and the clinic owe them through the
// notification platform.
package main

import (
	"holdfast/shared/platform/lambdastart"
	"holdfast/shared/usernotices"
)

func main() { lambdastart.Start(usernotices.Build) }
