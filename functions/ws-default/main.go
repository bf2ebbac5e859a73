// Command ws-default runs the WebSocket API's $default route.
package main

import "holdfast/shared/platform/wsconn"

func main() { wsconn.Start(func(h *wsconn.Handlers) any { return h.Message }) }
