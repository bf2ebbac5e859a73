// Command ws-connect runs the WebSocket API's $connect route.
package main

import "holdfast/shared/platform/wsconn"

func main() { wsconn.Start(func(h *wsconn.Handlers) any { return h.Connect }) }
