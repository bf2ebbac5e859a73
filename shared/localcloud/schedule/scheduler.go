package schedule

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/google/uuid"

	"holdfast/shared/localcloud/lambdaruntime"
)

// NowKey is the client-context key that carries the invocation's clock (RFC 3339 with
// nanoseconds); platform/clock honours it in HOLDFAST_MODE=local only.
const NowKey = "holdfast-now"

// Schedule is one scheduled target, as template.yaml declares it: an AWS::Events::Rule with a
// ScheduleExpression (SAM `Type: Schedule`) or an AWS::Scheduler::Schedule (SAM
// `Type: ScheduleV2`), targeting a function.
type Schedule struct {
	Name       string // the rule or schedule name (the template's logical ID locally)
	Function   string // the target function's logical ID
	Expression string // rate(…), cron(…) or at(…)
	// Input is the target's Input. EventBridge then delivers exactly this JSON to the function,
	// instead of the Scheduled Event; without it the function gets the Scheduled Event.
	Input json.RawMessage
	// ARN is the event's resources[0]; empty means the rule ARN
	// arn:aws:events:<region>:<account>:rule/<Name>.
	ARN string
	// Timezone is ScheduleExpressionTimezone (Scheduler only); empty means UTC.
	Timezone string
	// Disabled is State: DISABLED. A disabled schedule never fires on its own; Run still fires it.
	Disabled bool
}

// Clock is the time source a Scheduler waits on; tests inject a manual one.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Config is what a Scheduler is built from.
type Config struct {
	Schedules []Schedule
	Invoker   lambdaruntime.Invoker
	// Clock defaults to real time. The local cloud passes its own (real time + offset) so that a
	// moved clock moves the schedules too.
	Clock     Clock
	Region    string // default us-east-1
	AccountID string // default 123456789012
	Logger    *slog.Logger
	// MaxSleep bounds one wait, so that a clock moved forward is noticed; default 1 s.
	MaxSleep time.Duration
	// RetryDelays are the pauses before re-invoking after a function error: EventBridge invokes
	// asynchronously and Lambda retries an asynchronous event twice, after about one and two
	// minutes. nil means that; an empty, non-nil slice means no retries.
	RetryDelays []time.Duration
}

// Scheduler fires schedules on their expressions and on demand.
type Scheduler struct {
	entries map[string]*entry
	order   []string
	invoker lambdaruntime.Invoker
	clock   Clock
	region  string
	account string
	log     *slog.Logger
	sleep   time.Duration
	retries []time.Duration

	mu      sync.Mutex
	started bool
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	next    map[string]time.Time // next planned fire per schedule, for Next
}

type entry struct {
	Schedule
	expr Expression
}

// New parses every schedule's expression and builds a Scheduler.
func New(cfg Config) (*Scheduler, error) {
	if cfg.Invoker == nil {
		return nil, errors.New("schedule: New: nil invoker")
	}
	s := &Scheduler{entries: make(map[string]*entry), invoker: cfg.Invoker, clock: cfg.Clock,
		region: cfg.Region, account: cfg.AccountID, log: cfg.Logger, sleep: cfg.MaxSleep, retries: cfg.RetryDelays,
		next: make(map[string]time.Time)}
	if s.clock == nil {
		s.clock = realClock{}
	}
	if s.region == "" {
		s.region = "us-east-1"
	}
	if s.account == "" {
		s.account = "123456789012"
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.log = s.log.With("component", "scheduler")
	if s.sleep <= 0 {
		s.sleep = time.Second
	}
	if s.retries == nil {
		s.retries = []time.Duration{time.Minute, 2 * time.Minute}
	}
	var errs []error
	for _, sc := range cfg.Schedules {
		if sc.Name == "" || sc.Function == "" {
			errs = append(errs, fmt.Errorf("schedule %q: Name and Function are required", sc.Name))
			continue
		}
		if _, dup := s.entries[sc.Name]; dup {
			errs = append(errs, fmt.Errorf("schedule %q is declared twice", sc.Name))
			continue
		}
		loc := time.UTC
		if sc.Timezone != "" {
			l, err := time.LoadLocation(sc.Timezone)
			if err != nil {
				errs = append(errs, fmt.Errorf("schedule %q: timezone %q: %w", sc.Name, sc.Timezone, err))
				continue
			}
			loc = l
		}
		expr, err := ParseIn(sc.Expression, loc)
		if err != nil {
			errs = append(errs, fmt.Errorf("schedule %q: %w", sc.Name, err))
			continue
		}
		if len(sc.Input) > 0 && !json.Valid(sc.Input) {
			errs = append(errs, fmt.Errorf("schedule %q: Input is not valid JSON", sc.Name))
			continue
		}
		if sc.ARN == "" {
			sc.ARN = fmt.Sprintf("arn:aws:events:%s:%s:rule/%s", s.region, s.account, sc.Name)
		}
		s.entries[sc.Name] = &entry{Schedule: sc, expr: expr}
		s.order = append(s.order, sc.Name)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return s, nil
}

// Names lists the schedules in declaration order.
func (s *Scheduler) Names() []string { return slices.Clone(s.order) }

// Next is the next time name fires on its own (zero when it will not: disabled, a past at(…),
// or before Start for a rate).
func (s *Scheduler) Next(name string) (time.Time, error) {
	if _, ok := s.entries[name]; !ok {
		return time.Time{}, fmt.Errorf("schedule: no schedule %q", name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.next[name], nil
}

// Start fires every enabled schedule on its expression until Stop or until ctx ends. Rates count
// from now, as EventBridge counts from a rule's creation.
func (s *Scheduler) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return errors.New("schedule: scheduler already started")
	}
	start := s.clock.Now()
	for _, e := range s.entries {
		if r, ok := e.expr.(Rate); ok {
			r.Anchor = start
			e.expr = r
		}
	}
	runCtx, cancel := context.WithCancel(ctx)
	s.cancel, s.started = cancel, true
	s.plan(start)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.loop(runCtx, start)
	}()
	s.log.Info("scheduler started", "schedules", len(s.entries))
	return nil
}

// Stop ends firing and waits for invocations in flight (which are cancelled).
func (s *Scheduler) Stop() {
	s.mu.Lock()
	cancel := s.cancel
	s.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	s.wg.Wait()
}

// plan records every enabled schedule's next fire after t; the caller holds s.mu.
func (s *Scheduler) plan(t time.Time) {
	for name, e := range s.entries {
		if e.Disabled {
			s.next[name] = time.Time{}
			continue
		}
		s.next[name] = e.expr.Next(t)
	}
}

// loop fires, at each check, every schedule with a slot in (prev, now]: each slot fires once,
// and a clock that jumps forward fires the first slot it passed and skips the rest, as
// EventBridge does not catch up.
func (s *Scheduler) loop(ctx context.Context, prev time.Time) {
	for {
		now := s.clock.Now()
		if now.After(prev) {
			for _, name := range s.order {
				e := s.entries[name]
				if e.Disabled {
					continue
				}
				due := e.expr.Next(prev)
				if due.IsZero() || due.After(now) {
					continue
				}
				if missed := e.expr.Next(due); !missed.IsZero() && !missed.After(now) {
					s.log.Warn("clock moved past several slots; firing the first only", "schedule", name, "fireTime", due)
				}
				s.wg.Add(1)
				go func() {
					defer s.wg.Done()
					s.fire(ctx, e, due)
				}()
			}
			prev = now
			s.mu.Lock()
			s.plan(now)
			s.mu.Unlock()
		}
		wait := s.sleep
		s.mu.Lock()
		for _, next := range s.next {
			if !next.IsZero() {
				wait = min(wait, next.Sub(now))
			}
		}
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-s.clock.After(max(wait, time.Millisecond)):
		}
	}
}

// fire invokes e for fireTime, retrying function errors as Lambda retries an asynchronous event.
func (s *Scheduler) fire(ctx context.Context, e *entry, fireTime time.Time) {
	payload, opts, err := s.invocation(e, fireTime)
	if err != nil {
		s.log.Error("cannot build the scheduled event", "schedule", e.Name, "error", err)
		return
	}
	log := s.log.With("schedule", e.Name, "function", e.Function, "fireTime", fireTime.UTC().Format(time.RFC3339Nano))
	for attempt := 0; ; attempt++ {
		res, err := s.invoker.Invoke(ctx, e.Function, payload, opts)
		switch {
		case err != nil && ctx.Err() != nil:
			return
		case err != nil:
			log.Error("invoke failed", "error", err, "attempt", attempt+1)
		case res.Err != nil:
			log.Warn("function error", "requestId", res.RequestID, "errorType", res.Err.ErrorType,
				"errorMessage", res.Err.ErrorMessage, "attempt", attempt+1)
		default:
			log.Info("schedule fired", "requestId", res.RequestID, "durationMs", res.Duration.Milliseconds())
			return
		}
		if attempt >= len(s.retries) {
			log.Error("giving up on this fire after retries", "attempts", attempt+1)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-s.clock.After(s.retries[attempt]):
		}
	}
}

// Run fires schedule name once now, as if its slot were asOf: the event's time and the function's
// clock are asOf. It works whether or not the scheduler is started, and for disabled schedules.
// A function error is in the Result; err is for an unknown name or a failed invocation.
func (s *Scheduler) Run(ctx context.Context, name string, asOf time.Time) (lambdaruntime.Result, error) {
	e, ok := s.entries[name]
	if !ok {
		return lambdaruntime.Result{}, fmt.Errorf("schedule: no schedule %q (have %v)", name, s.order)
	}
	if asOf.IsZero() {
		asOf = s.clock.Now()
	}
	payload, opts, err := s.invocation(e, asOf)
	if err != nil {
		return lambdaruntime.Result{}, err
	}
	res, err := s.invoker.Invoke(ctx, e.Function, payload, opts)
	if err != nil {
		return res, fmt.Errorf("schedule %s: invoke %s: %w", name, e.Function, err)
	}
	s.log.Info("schedule run on demand", "schedule", name, "function", e.Function,
		"asOf", asOf.UTC().Format(time.RFC3339Nano), "requestId", res.RequestID, "functionError", res.Err != nil)
	return res, nil
}

// invocation is the payload and options EventBridge would deliver for a fire at t: the target's
// Input verbatim when it has one, else the Scheduled Event (time in whole seconds, as EventBridge
// writes it). The fire time itself, to the nanosecond, is the function's clock.
func (s *Scheduler) invocation(e *entry, t time.Time) ([]byte, lambdaruntime.InvokeOptions, error) {
	opts := lambdaruntime.InvokeOptions{ClientContextCustom: map[string]string{NowKey: t.UTC().Format(time.RFC3339Nano)}}
	if len(e.Input) > 0 {
		return slices.Clone([]byte(e.Input)), opts, nil
	}
	payload, err := json.Marshal(ScheduledEvent(e.ARN, s.account, s.region, t))
	if err != nil {
		return nil, opts, fmt.Errorf("encode scheduled event for %s: %w", e.Name, err)
	}
	return payload, opts, nil
}

// ScheduledEvent is the event EventBridge delivers for a scheduled rule firing at t.
func ScheduledEvent(ruleARN, account, region string, t time.Time) lambdaevents.CloudWatchEvent {
	return lambdaevents.CloudWatchEvent{
		Version:    "0",
		ID:         uuid.NewString(),
		DetailType: "Scheduled Event",
		Source:     "aws.events",
		AccountID:  account,
		Time:       t.UTC().Truncate(time.Second),
		Region:     region,
		Resources:  []string{ruleARN},
		Detail:     json.RawMessage(`{}`),
	}
}
