package schedule_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"holdfast/shared/localcloud/lambdaruntime"
	"holdfast/shared/localcloud/schedule"
)

// manualClock is a clock the test moves by hand.
type manualClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []waiter
}

type waiter struct {
	at time.Time
	ch chan time.Time
}

func newClock(now time.Time) *manualClock { return &manualClock{now: now} }

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, waiter{at: c.now.Add(d), ch: ch})
	return ch
}

// Advance moves the clock and wakes every waiter whose time has come.
func (c *manualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(c.now) {
			kept = append(kept, w)
			continue
		}
		w.ch <- c.now
	}
	c.waiters = kept
}

// waitForWaiters blocks until n goroutines wait on the clock: the scheduler is idle.
func (c *manualClock) waitForWaiters(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c.mu.Lock()
		got := len(c.waiters)
		c.mu.Unlock()
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d waiters on the clock, want %d", got, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// call is one invocation the in-test function received.
type call struct {
	function string
	payload  []byte
	now      string
}

// funcInvoker stands in for the Lambda process: it records the invocation and answers with err
// (as a function error) while failures remain.
type funcInvoker struct {
	mu       sync.Mutex
	calls    []call
	failures int
}

func (f *funcInvoker) Invoke(_ context.Context, function string, payload []byte, opts lambdaruntime.InvokeOptions) (lambdaruntime.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call{function: function, payload: payload, now: opts.ClientContextCustom[schedule.NowKey]})
	if f.failures > 0 {
		f.failures--
		return lambdaruntime.Result{RequestID: "r", Err: &lambdaruntime.FunctionError{ErrorType: "errorString", ErrorMessage: "job failed"}}, nil
	}
	return lambdaruntime.Result{RequestID: "r", Payload: []byte("null")}, nil
}

func (f *funcInvoker) snapshot() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

func (f *funcInvoker) waitFor(t *testing.T, n int) []call {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		calls := f.snapshot()
		if len(calls) >= n {
			return calls
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d invocations, want %d", len(calls), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newScheduler(t *testing.T, clock schedule.Clock, inv lambdaruntime.Invoker, retries []time.Duration, schedules ...schedule.Schedule) *schedule.Scheduler {
	t.Helper()
	s, err := schedule.New(schedule.Config{Schedules: schedules, Invoker: inv, Clock: clock, Logger: quiet(), RetryDelays: retries})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func decodeEvent(t *testing.T, payload []byte) lambdaevents.CloudWatchEvent {
	t.Helper()
	var ev lambdaevents.CloudWatchEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		t.Fatalf("payload %s: %v", payload, err)
	}
	return ev
}

func TestSchedulerFiresOnTheExpression(t *testing.T) {
	clock := newClock(utc("2026-01-31T23:53:30Z"))
	inv := &funcInvoker{}
	s := newScheduler(t, clock, inv, []time.Duration{},
		schedule.Schedule{Name: "Digest", Function: "LedgerDigest", Expression: "cron(0/5 * * * ? *)"})
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	if next, _ := s.Next("Digest"); !next.Equal(utc("2026-01-31T23:55:00Z")) {
		t.Fatalf("Next = %v", next)
	}
	clock.waitForWaiters(t, 1)
	clock.Advance(time.Minute) // 23:54:30: nothing due
	clock.waitForWaiters(t, 1)
	if n := len(inv.snapshot()); n != 0 {
		t.Fatalf("%d invocations before the slot", n)
	}
	clock.Advance(30 * time.Second) // 23:55:00 exactly
	calls := inv.waitFor(t, 1)
	clock.waitForWaiters(t, 1)
	clock.Advance(5 * time.Minute) // 00:00 on 1 February
	calls = inv.waitFor(t, 2)
	s.Stop()

	for i, want := range []string{"2026-01-31T23:55:00Z", "2026-02-01T00:00:00Z"} {
		c := calls[i]
		ev := decodeEvent(t, c.payload)
		if c.function != "LedgerDigest" || c.now != want {
			t.Errorf("call %d: function %s holdfast-now %s, want %s", i, c.function, c.now, want)
		}
		if ev.Version != "0" || ev.ID == "" || ev.DetailType != "Scheduled Event" || ev.Source != "aws.events" ||
			ev.AccountID != "123456789012" || ev.Region != "us-east-1" || !ev.Time.Equal(utc(want)) ||
			!slices.Equal(ev.Resources, []string{"arn:aws:events:us-east-1:123456789012:rule/Digest"}) || string(ev.Detail) != "{}" {
			t.Errorf("call %d event %+v", i, ev)
		}
	}
	if len(inv.snapshot()) != 2 {
		t.Fatalf("%d invocations, want 2", len(inv.snapshot()))
	}
	// The wire form: the keys EventBridge uses.
	var raw map[string]any
	if err := json.Unmarshal(calls[0].payload, &raw); err != nil {
		t.Fatal(err)
	}
	if raw["detail-type"] != "Scheduled Event" || raw["time"] != "2026-01-31T23:55:00Z" || raw["account"] != "123456789012" {
		t.Errorf("raw event %v", raw)
	}
}

func TestRateCountsFromStartAndAJumpFiresOnce(t *testing.T) {
	clock := newClock(utc("2026-03-01T10:00:20Z"))
	inv := &funcInvoker{}
	s := newScheduler(t, clock, inv, []time.Duration{},
		schedule.Schedule{Name: "Tick", Function: "F", Expression: "rate(1 minute)"})
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	clock.waitForWaiters(t, 1)
	clock.Advance(time.Minute)
	calls := inv.waitFor(t, 1)
	if calls[0].now != "2026-03-01T10:01:20Z" {
		t.Fatalf("first rate fire at %s, want a minute after start", calls[0].now)
	}
	clock.waitForWaiters(t, 1)
	clock.Advance(time.Hour) // the local clock moved forward an hour: one fire, not sixty
	inv.waitFor(t, 2)
	clock.waitForWaiters(t, 1)
	if got := inv.snapshot(); len(got) != 2 || got[1].now != "2026-03-01T10:02:20Z" {
		t.Fatalf("calls after the jump %v", got)
	}
	if next, _ := s.Next("Tick"); !next.Equal(utc("2026-03-01T11:02:20Z")) {
		t.Fatalf("Next after the jump = %v", next)
	}
}

func TestRunDeliversTheAsOfTime(t *testing.T) {
	clock := newClock(utc("2026-03-01T10:00:00Z"))
	inv := &funcInvoker{}
	s := newScheduler(t, clock, inv, nil,
		schedule.Schedule{Name: "DailyEmi", Function: "EmiJob", Expression: "cron(30 0 * * ? *)", Disabled: true},
		schedule.Schedule{Name: "WithInput", Function: "Other", Expression: "rate(1 day)", Input: json.RawMessage(`{"job":"x"}`),
			ARN: "arn:aws:scheduler:us-east-1:123456789012:schedule/default/WithInput"})
	asOf := time.Date(2026, 4, 30, 18, 45, 12, 345678900, time.FixedZone("IST", 19800))
	res, err := s.Run(context.Background(), "DailyEmi", asOf)
	if err != nil || res.Err != nil {
		t.Fatalf("Run: %v %v", err, res.Err)
	}
	calls := inv.snapshot()
	if len(calls) != 1 || calls[0].function != "EmiJob" || calls[0].now != "2026-04-30T13:15:12.3456789Z" {
		t.Fatalf("calls %+v", calls)
	}
	ev := decodeEvent(t, calls[0].payload)
	if !ev.Time.Equal(utc("2026-04-30T13:15:12Z")) || ev.DetailType != "Scheduled Event" {
		t.Fatalf("event %+v", ev)
	}

	// A target with Input gets exactly the Input, as EventBridge delivers it.
	if _, err := s.Run(context.Background(), "WithInput", asOf); err != nil {
		t.Fatal(err)
	}
	if got := inv.snapshot()[1]; string(got.payload) != `{"job":"x"}` || got.now != "2026-04-30T13:15:12.3456789Z" {
		t.Fatalf("with input: %s %s", got.payload, got.now)
	}

	// A zero asOf means the scheduler's now.
	if _, err := s.Run(context.Background(), "DailyEmi", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if got := inv.snapshot()[2].now; got != "2026-03-01T10:00:00Z" {
		t.Fatalf("zero asOf fired at %s", got)
	}

	if _, err := s.Run(context.Background(), "Nope", asOf); err == nil || !strings.Contains(err.Error(), "DailyEmi") {
		t.Fatalf("unknown schedule: %v", err)
	}
	inv.failures = 1
	res, err = s.Run(context.Background(), "DailyEmi", asOf)
	if err != nil || res.Err == nil {
		t.Fatalf("a function error should come back in the result: %v %+v", err, res)
	}
	if len(inv.snapshot()) != 4 {
		t.Fatalf("Run retried: %d calls", len(inv.snapshot()))
	}
}

func TestDisabledScheduleDoesNotFire(t *testing.T) {
	clock := newClock(utc("2026-03-01T10:00:00Z"))
	inv := &funcInvoker{}
	s := newScheduler(t, clock, inv, []time.Duration{},
		schedule.Schedule{Name: "Off", Function: "F", Expression: "rate(1 minute)", Disabled: true})
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	clock.waitForWaiters(t, 1)
	clock.Advance(10 * time.Minute)
	clock.waitForWaiters(t, 1)
	if n := len(inv.snapshot()); n != 0 {
		t.Fatalf("disabled schedule fired %d times", n)
	}
	if next, _ := s.Next("Off"); !next.IsZero() {
		t.Fatalf("Next of a disabled schedule = %v", next)
	}
}

func TestFunctionErrorsAreRetriedLikeAsyncInvocations(t *testing.T) {
	clock := newClock(utc("2026-03-01T10:00:00Z"))
	inv := &funcInvoker{failures: 2}
	s := newScheduler(t, clock, inv, nil, // Lambda's defaults: after 1 and 2 minutes
		schedule.Schedule{Name: "Job", Function: "F", Expression: "cron(1 10 * * ? *)"})
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	clock.waitForWaiters(t, 1)
	clock.Advance(time.Minute) // 10:01: fires, fails
	inv.waitFor(t, 1)
	clock.waitForWaiters(t, 2) // the loop and the retry wait
	clock.Advance(time.Minute) // first retry, fails
	inv.waitFor(t, 2)
	clock.waitForWaiters(t, 2)
	clock.Advance(2 * time.Minute) // second retry, succeeds
	calls := inv.waitFor(t, 3)
	clock.waitForWaiters(t, 1)
	s.Stop()
	ids := map[string]bool{}
	for _, c := range calls {
		ids[decodeEvent(t, c.payload).ID] = true
		if c.now != "2026-03-01T10:01:00Z" {
			t.Errorf("retry carries %s, want the original fire time", c.now)
		}
	}
	if len(calls) != 3 || len(ids) != 1 {
		t.Fatalf("%d calls with %d event ids, want 3 deliveries of one event", len(calls), len(ids))
	}
}

func TestSchedulerInATimeZone(t *testing.T) {
	clock := newClock(utc("2026-03-01T03:59:00Z"))
	inv := &funcInvoker{}
	s := newScheduler(t, clock, inv, []time.Duration{},
		schedule.Schedule{Name: "Emi", Function: "F", Expression: "cron(30 9 * * ? *)", Timezone: "Asia/Kolkata"})
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	clock.waitForWaiters(t, 1)
	clock.Advance(time.Minute)
	if calls := inv.waitFor(t, 1); calls[0].now != "2026-03-01T04:00:00Z" {
		t.Fatalf("fired at %s, want 09:30 IST = 04:00Z", calls[0].now)
	}
}

func TestNewReportsEveryBadSchedule(t *testing.T) {
	_, err := schedule.New(schedule.Config{Invoker: &funcInvoker{}, Schedules: []schedule.Schedule{
		{Name: "A", Function: "F", Expression: "rate(1 minute)"},
		{Name: "A", Function: "F", Expression: "rate(1 minute)"},
		{Name: "B", Function: "F", Expression: "cron(* * * * * *)"},
		{Name: "C", Expression: "rate(1 minute)"},
		{Name: "D", Function: "F", Expression: "rate(1 minute)", Timezone: "Mars/Olympus"},
		{Name: "E", Function: "F", Expression: "rate(1 minute)", Input: json.RawMessage(`{`)},
	}})
	for _, want := range []string{`"A" is declared twice`, `schedule "B"`, `schedule "C": Name and Function`, `"D": timezone`, `"E": Input`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not mention %s", err, want)
		}
	}
	if _, err := schedule.New(schedule.Config{}); err == nil {
		t.Error("New without an invoker succeeded")
	}
}

func TestStopEndsEverything(t *testing.T) {
	clock := newClock(utc("2026-03-01T10:00:00Z"))
	inv := &funcInvoker{failures: 100}
	s := newScheduler(t, clock, inv, nil, schedule.Schedule{Name: "Job", Function: "F", Expression: "rate(1 minute)"})
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err == nil {
		t.Fatal("started twice")
	}
	clock.waitForWaiters(t, 1)
	clock.Advance(time.Minute)
	inv.waitFor(t, 1)
	clock.waitForWaiters(t, 2) // a retry is waiting
	s.Stop()
	deadline := time.Now().Add(3 * time.Second)
	for {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		if !bytes.Contains(buf, []byte("holdfast/shared/localcloud/schedule.(*Scheduler)")) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("scheduler goroutines still running:\n%s", buf)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestScheduledEventShape(t *testing.T) {
	ev := schedule.ScheduledEvent("arn:aws:events:us-east-1:123456789012:rule/R", "123456789012", "us-east-1",
		time.Date(2026, 1, 1, 0, 0, 0, 999, time.UTC))
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{"version": "0", "detail-type": "Scheduled Event", "source": "aws.events",
		"account": "123456789012", "time": "2026-01-01T00:00:00Z", "region": "us-east-1"} {
		if raw[k] != want {
			t.Errorf("%s = %v, want %v", k, raw[k], want)
		}
	}
	if d, ok := raw["detail"].(map[string]any); !ok || len(d) != 0 {
		t.Errorf("detail = %v", raw["detail"])
	}
}
