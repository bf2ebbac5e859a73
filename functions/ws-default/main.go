// Command ws-default runs the WebSocket API's $default route.
package main

import (
	"holdfast/shared/platform/lambdastart"
	"holdfast/shared/platform/wsconn"
)

func main() { lambdastart.Start(wsconn.Build((*wsconn.Handlers).Message)) }
