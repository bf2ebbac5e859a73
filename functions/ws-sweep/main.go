// Command ws-sweep runs the scheduled sweep of expired WebSocket connections.
package main

import "holdfast/shared/platform/wsconn"

func main() { wsconn.Start(func(h *wsconn.Handlers) any { return h.SweepJob }) }
