// Command ws-disconnect runs the WebSocket API's $disconnect route.
package main

import (
	"holdfast/shared/platform/lambdastart"
	"holdfast/shared/platform/wsconn"
)

func main() { lambdastart.Start(wsconn.Build((*wsconn.Handlers).Disconnect)) }
