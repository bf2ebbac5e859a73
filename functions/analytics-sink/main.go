// Command analytics-sink consumes the analytics queue.
package main

import "holdfast/shared/platform/analytics"

func main() { analytics.Start() }
