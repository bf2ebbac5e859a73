// Command ws-sweep removes expired WebSocket connection records on a schedule.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"holdfast/shared/platform/wsconn"
)

func main() {
	h, err := wsconn.HandlersFromEnv(context.Background())
	if err != nil {
		slog.Error("init", "error", err)
		os.Exit(1)
	}
	lambda.Start(h.SweepJob)
}
