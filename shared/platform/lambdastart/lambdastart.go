// Package lambdastart starts every function that is not an HTTP route: SQS workers, stream
// relays, scheduled jobs, EventBridge consumers, WebSocket routes and the $connect authorizer.
// A main is one call, and its product package supplies only "given Deps, build the handler":
//
//	func main() { lambdastart.Start(clinicworker.BuildNoShow) }
//
// Start reads the configuration once (package config), loads the AWS config once, builds the
// one JSON logger and metrics emitter, and hands the typed handler to lambda.Start. Boot is the
// part lambdahttp.Start shares, so a function of either kind that cannot start says so in the
// same JSON line ("function cannot start", the reason under "error") and exits 1 before it
// takes an event. It must never read the environment itself (config does), hold business
// logic, or let a misconfigured function take traffic.
package lambdastart

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"

	"holdfast/shared/platform/awsconfig"
	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/config"
	"holdfast/shared/platform/logging"
	"holdfast/shared/platform/metrics"
)

// Deps is what a function's build gets: configuration, time, telemetry and the AWS config it
// builds its own clients from (only the functions that use a service link its SDK package).
type Deps struct {
	Config   config.Config
	AWS      aws.Config
	Clock    clock.Clock
	Calendar clock.Calendar
	Logger   *slog.Logger
	Metrics  *metrics.Emitter
}

// NewDeps builds the dependencies from a loaded configuration; logs and metrics go to out
// (os.Stdout in a function, where Lambda collects them).
func NewDeps(cfg config.Config, awsCfg aws.Config, out io.Writer) *Deps {
	dims := map[string]string{}
	if cfg.FunctionName != "" {
		dims["function"] = cfg.FunctionName
	}
	return &Deps{
		Config:   cfg,
		AWS:      awsCfg,
		Clock:    clock.ForMode(cfg.Mode),
		Calendar: clock.NewCalendar(cfg.BusinessTimezone),
		Logger:   logging.New(out, cfg.LogLevel, cfg.FunctionName),
		Metrics:  metrics.New(out, metrics.Namespace, dims),
	}
}

// Handler is a typed Lambda handler: one event in, one response out.
type Handler[In, Out any] = func(context.Context, In) (Out, error)

// Build makes a function's handler from its dependencies; it runs once per cold start, and an
// error (a required variable unset, say) stops the function before it takes an event.
type Build[In, Out any] func(ctx context.Context, d *Deps) (Handler[In, Out], error)

// Start is a non-HTTP function's whole main.
func Start[In, Out any](build Build[In, Out]) {
	Boot(func(ctx context.Context, cfg config.Config, awsCfg aws.Config) (Handler[In, Out], error) {
		return build(ctx, NewDeps(cfg, awsCfg, os.Stdout))
	})
}

// Method is the Build of a handler that is a method of a value built once per cold start, for
// packages whose functions share one set of dependencies:
//
//	func Build[E, R any](pick func(*Worker, context.Context, E) (R, error)) lambdastart.Build[E, R] {
//		return lambdastart.Method(FromDeps, pick)
//	}
func Method[T, In, Out any](build func(context.Context, *Deps) (*T, error), method func(*T, context.Context, In) (Out, error)) Build[In, Out] {
	return func(ctx context.Context, d *Deps) (Handler[In, Out], error) {
		v, err := build(ctx, d)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context, ev In) (Out, error) { return method(v, ctx, ev) }, nil
	}
}

// Boot is the start-up both function kinds share (Start here, lambdahttp.Start for routes); a
// main calls one of those, never Boot. It reads the configuration and the AWS config once,
// lets assemble build the handler, and serves it; if any step fails it logs the one start-up
// failure line (with attrs, e.g. the route) and exits 1.
func Boot[In, Out any](assemble func(ctx context.Context, cfg config.Config, awsCfg aws.Config) (Handler[In, Out], error), attrs ...any) {
	h, cfg, err := boot(context.Background(), assemble)
	if err != nil {
		fail(os.Stderr, cfg.FunctionName, err, attrs...)
		os.Exit(1)
	}
	lambda.StartHandlerFunc(h)
}

// boot is Boot up to the point of serving. The Config is returned even on failure: after a
// failed load it still names the function.
func boot[In, Out any](ctx context.Context, assemble func(context.Context, config.Config, aws.Config) (Handler[In, Out], error)) (Handler[In, Out], config.Config, error) {
	cfg, err := config.FromOS()
	if err != nil {
		return nil, cfg, err
	}
	awsCfg, err := awsconfig.Load(ctx)
	if err != nil {
		return nil, cfg, err
	}
	h, err := assemble(ctx, cfg, awsCfg)
	if err != nil {
		return nil, cfg, err
	}
	if h == nil {
		return nil, cfg, errNoHandler
	}
	return h, cfg, nil
}

var errNoHandler = errors.New("the build returned no handler")

// fail writes the start-up failure line: JSON, level ERROR, message "function cannot start",
// the function's name, attrs, and the reason under "error".
func fail(w io.Writer, function string, err error, attrs ...any) {
	logging.New(w, slog.LevelInfo, function).Error("function cannot start", append(attrs, "error", err)...)
}
