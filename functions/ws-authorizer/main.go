// Command ws-authorizer authorizes WebSocket $connect requests by their token.
package main

import "holdfast/shared/platform/wsconn"

func main() { wsconn.StartAuthorizer() }
