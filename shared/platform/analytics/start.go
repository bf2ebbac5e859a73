package analytics

import (
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"holdfast/shared/platform/config"
	"holdfast/shared/platform/logging"
	"holdfast/shared/platform/metrics"
)

// Start runs the sink as a Lambda function.
func Start() {
	cfg, err := config.FromOS()
	if err != nil {
		slog.Error("config", "error", err)
		os.Exit(1)
	}
	log := logging.New(os.Stdout, cfg.LogLevel, cfg.FunctionName)
	s := &Sink{Metrics: metrics.New(os.Stdout, metrics.Namespace, map[string]string{"function": cfg.FunctionName}), Log: log}
	lambda.Start(s.Handle)
}
