// Command ws-disconnect runs the WebSocket API's $disconnect route.
package main

import "holdfast/shared/platform/wsconn"

func main() { wsconn.Start(func(h *wsconn.Handlers) any { return h.Disconnect }) }
