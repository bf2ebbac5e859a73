// Command analytics-sink consumes the analytics queue.
package main

import (
	"holdfast/shared/platform/analytics"
	"holdfast/shared/platform/lambdastart"
)

func main() { lambdastart.Start(analytics.BuildSink) }
