package localcloud

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"holdfast/shared/localcloud/emulator"
	"holdfast/shared/localcloud/eventsource"
	"holdfast/shared/localcloud/lambdaruntime"
	"holdfast/shared/localcloud/schedule"
)

var errUnknownSchedule = errors.New("unknown schedule")

// clockInvoker stamps the local cloud's time on every invocation that has none yet, so queue
// workers, stream consumers and schedules see the same movable clock as HTTP handlers.
type clockInvoker struct {
	next  lambdaruntime.Invoker
	clock *Clock
}

func (c clockInvoker) Invoke(ctx context.Context, fn string, payload []byte, opts lambdaruntime.InvokeOptions) (lambdaruntime.Result, error) {
	if opts.ClientContextCustom[ClockKey] == "" {
		custom := map[string]string{ClockKey: c.clock.Now().Format(time.RFC3339Nano)}
		for k, v := range opts.ClientContextCustom {
			if v != "" {
				custom[k] = v
			}
		}
		opts.ClientContextCustom = custom
	}
	return c.next.Invoke(ctx, fn, payload, opts)
}

// asyncSources are the SQS and stream event source mappings and the schedules.
type asyncSources struct {
	sqs       []*eventsource.SQSMapping
	streams   []*eventsource.StreamMapping
	scheduler *schedule.Scheduler
}

func startAsync(ctx context.Context, c *Cloud, cfg aws.Config) (_ *asyncSources, err error) {
	a := &asyncSources{}
	defer func() {
		if err != nil {
			a.stop()
		}
	}()
	inv := clockInvoker{next: c.Runtime, clock: c.Clock}
	d := c.Deployment
	sqsClient := sqs.NewFromConfig(cfg)
	for _, m := range d.SQS {
		mapping, err := eventsource.NewSQSMapping(sqsClient, inv, eventsource.SQSConfig{
			Function: m.Function, QueueURL: m.QueueURL, BatchSize: m.BatchSize,
			MaximumBatchingWindow: m.Window, ReportBatchItemFailures: m.ReportBatchItemFailures,
			WaitTime: 20 * time.Second, // Lambda's long poll; Stop cancels an in-flight poll at once
		}, c.log)
		if err != nil {
			return nil, fmt.Errorf("SQS mapping %s: %w", m.Function, err)
		}
		if err := mapping.Start(context.WithoutCancel(ctx)); err != nil {
			return nil, fmt.Errorf("SQS mapping %s: %w", m.Function, err)
		}
		a.sqs = append(a.sqs, mapping)
	}
	streamsClient := dynamodbstreams.NewFromConfig(cfg)
	for _, m := range d.Streams {
		sc := eventsource.StreamConfig{Function: m.Function, StreamARN: m.StreamARN, StartingPosition: m.StartingPosition,
			BatchSize: m.BatchSize, ReportBatchItemFailures: m.ReportBatchItemFailures}
		if eng := c.Emulator.Engine; eng != nil {
			sc.Wake = eng.Signal
		}
		if m.MaximumRetryAttempts >= 0 {
			sc.MaximumRetryAttempts = aws.Int(m.MaximumRetryAttempts)
		}
		mapping, err := eventsource.NewStreamMapping(streamsClient, inv, sc, c.log)
		if err != nil {
			return nil, fmt.Errorf("stream mapping %s: %w", m.Function, err)
		}
		if err := mapping.Start(context.WithoutCancel(ctx)); err != nil {
			return nil, fmt.Errorf("stream mapping %s: %w", m.Function, err)
		}
		a.streams = append(a.streams, mapping)
	}
	var scheds []schedule.Schedule
	for _, s := range d.Schedules {
		sc := schedule.Schedule{Name: s.Name, Function: s.Function, Expression: s.Expression, Disabled: !s.Enabled}
		if strings.TrimSpace(s.Input) != "" {
			if !json.Valid([]byte(s.Input)) {
				return nil, fmt.Errorf("schedule %s: Input is not JSON", s.Name)
			}
			sc.Input = json.RawMessage(s.Input)
		}
		scheds = append(scheds, sc)
	}
	a.scheduler, err = schedule.New(schedule.Config{Schedules: scheds, Invoker: inv, Clock: c.Clock,
		Region: emulator.Region, AccountID: emulator.AccountID, Logger: c.log})
	if err != nil {
		return nil, err
	}
	if err := a.scheduler.Start(context.WithoutCancel(ctx)); err != nil {
		return nil, err
	}
	return a, nil
}

func (a *asyncSources) stop() {
	if a.scheduler != nil {
		a.scheduler.Stop()
	}
	for _, m := range a.sqs {
		m.Stop()
	}
	for _, m := range a.streams {
		m.Stop()
	}
}

// runSchedule fires one schedule now with the chosen time (holdfast schedule run --as-of).
func (a *asyncSources) runSchedule(ctx context.Context, name string, asOf time.Time) (lambdaruntime.Result, error) {
	known := false
	for _, n := range a.scheduler.Names() {
		known = known || n == name
	}
	if !known {
		return lambdaruntime.Result{}, fmt.Errorf("%w %q (have %v)", errUnknownSchedule, name, a.scheduler.Names())
	}
	return a.scheduler.Run(ctx, name, asOf)
}
