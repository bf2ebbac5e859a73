package httpapi

import (
	"io"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/config"
	"holdfast/shared/platform/logging"
	"holdfast/shared/platform/metrics"
)

// Deps is what a route's build function gets: configuration, time, telemetry and AWS clients.
// Stores are built from these by the route's own package.
type Deps struct {
	Config      config.Config
	AWS         aws.Config
	Clock       clock.Clock
	Calendar    clock.Calendar
	Logger      *slog.Logger
	Metrics     *metrics.Emitter
	DynamoDB    *dynamodb.Client
	EventBridge *eventbridge.Client
	SQS         *sqs.Client
}

// NewDeps builds the dependencies from a loaded configuration; logs and metrics go to out
// (os.Stdout in a function, where Lambda collects them).
func NewDeps(cfg config.Config, awsCfg aws.Config, clk clock.Clock, out io.Writer) *Deps {
	dims := map[string]string{}
	if cfg.FunctionName != "" {
		dims["function"] = cfg.FunctionName
	}
	return &Deps{
		Config:      cfg,
		AWS:         awsCfg,
		Clock:       clk,
		Calendar:    clock.NewCalendar(cfg.BusinessTimezone),
		Logger:      logging.New(out, cfg.LogLevel, cfg.FunctionName),
		Metrics:     metrics.New(out, metrics.Namespace, dims),
		DynamoDB:    dynamodb.NewFromConfig(awsCfg),
		EventBridge: eventbridge.NewFromConfig(awsCfg),
		SQS:         sqs.NewFromConfig(awsCfg),
	}
}
