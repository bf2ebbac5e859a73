// Command ws-connect runs the WebSocket API's $connect route.
package main

import (
	"holdfast/shared/platform/lambdastart"
	"holdfast/shared/platform/wsconn"
)

func main() { lambdastart.Start(wsconn.Build((*wsconn.Handlers).Connect)) }
