package events

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"holdfast/shared/platform/awsconfig"
	"holdfast/shared/platform/config"
	"holdfast/shared/platform/logging"
)

// StartRelay is a relay function's whole main:
//
//	func main() { events.StartRelay(lendingrelay.Map) }
//
// It reads the environment (EVENT_BUS_NAME, IDEMPOTENCY_TABLE, LOG_LEVEL), builds the Relay and
// serves stream batches; a misconfigured function logs why and exits before taking a batch.
func StartRelay(mapper Mapper) {
	relay, err := relayFromOS(context.Background(), mapper)
	if err != nil {
		logging.New(os.Stderr, slog.LevelInfo, os.Getenv("AWS_LAMBDA_FUNCTION_NAME")).
			Error("relay cannot start", "err", err)
		os.Exit(1)
	}
	lambda.Start(relay.Handle)
}

func relayFromOS(ctx context.Context, mapper Mapper) (*Relay, error) {
	cfg, err := config.FromOS()
	if err != nil {
		return nil, fmt.Errorf("relay config: %w", err)
	}
	awsCfg, err := awsconfig.Load(ctx)
	if err != nil {
		return nil, err
	}
	return RelayFromEnv(awsCfg, mapper, logging.New(os.Stdout, cfg.LogLevel, cfg.FunctionName))
}
