package httpapi

import (
	"io"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/config"
	"holdfast/shared/platform/logging"
	"holdfast/shared/platform/metrics"
)

// Deps is what a route's build function gets: configuration, time, telemetry, the AWS config
// and the DynamoDB client every route uses (audit, idempotency). A route that needs another
// service builds that client from AWS itself, so only the routes that use a service link its
// SDK package (each costs megabytes in every binary that carries it).
type Deps struct {
	Config   config.Config
	AWS      aws.Config
	Clock    clock.Clock
	Calendar clock.Calendar
	Logger   *slog.Logger
	Metrics  *metrics.Emitter
	DynamoDB *dynamodb.Client
}

// NewDeps builds the dependencies from a loaded configuration; logs and metrics go to out
// (os.Stdout in a function, where Lambda collects them).
func NewDeps(cfg config.Config, awsCfg aws.Config, clk clock.Clock, out io.Writer) *Deps {
	dims := map[string]string{}
	if cfg.FunctionName != "" {
		dims["function"] = cfg.FunctionName
	}
	return &Deps{
		Config:   cfg,
		AWS:      awsCfg,
		Clock:    clk,
		Calendar: clock.NewCalendar(cfg.BusinessTimezone),
		Logger:   logging.New(out, cfg.LogLevel, cfg.FunctionName),
		Metrics:  metrics.New(out, metrics.Namespace, dims),
		DynamoDB: dynamodb.NewFromConfig(awsCfg),
	}
}
