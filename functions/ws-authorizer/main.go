// Command ws-authorizer authorizes WebSocket $connect requests by their token.
package main

import (
	"holdfast/shared/platform/lambdastart"
	"holdfast/shared/platform/wsconn"
)

func main() { lambdastart.Start(wsconn.BuildAuthorizer) }
