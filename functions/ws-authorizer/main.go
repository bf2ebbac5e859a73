// Command ws-authorizer authorizes WebSocket $connect requests by their token.
package main

import (
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"holdfast/shared/platform/wsconn"
)

func main() {
	a, err := wsconn.AuthorizerFromEnv()
	if err != nil {
		slog.Error("init", "error", err)
		os.Exit(1)
	}
	lambda.Start(a.Handle)
}
