// Command ws-sweep runs the scheduled sweep of expired WebSocket connections.
package main

import (
	"holdfast/shared/platform/lambdastart"
	"holdfast/shared/platform/wsconn"
)

func main() { lambdastart.Start(wsconn.Build((*wsconn.Handlers).SweepJob)) }
