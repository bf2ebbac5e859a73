// Package clock is the only source of "now" and of the business day. Production reads real
// time; a function in HOLDFAST_MODE=local also honours a time carried in the Lambda client
// context (custom["holdfast-now"]), which is how the local cloud and scheduled-job runs move
// time. It must never let a production (aws mode) deployment be moved, and nothing else in
// the code base may call time.Now for business decisions.
package clock

import (
	"context"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"holdfast/shared/platform/config"
)

// ClientContextKey is the Lambda client-context custom key carrying an RFC 3339 (nano) time.
const ClientContextKey = "holdfast-now"

// Clock answers the current time for a request. The context matters: in local mode the
// invocation's client context may carry the time.
type Clock interface {
	Now(ctx context.Context) time.Time
}

// System is real time, in UTC.
type System struct{}

// Now returns the wall-clock time in UTC.
func (System) Now(context.Context) time.Time { return time.Now().UTC() }

// movable is System unless the invocation carries ClientContextKey. A malformed value is
// ignored (real time is used) rather than failing the request: the local cloud sets it, and a
// bad value there is its bug, visible in the times it observes.
type movable struct{ base Clock }

func (m movable) Now(ctx context.Context) time.Time {
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc != nil {
		if s := lc.ClientContext.Custom[ClientContextKey]; s != "" {
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
				return t.UTC()
			}
		}
	}
	return m.base.Now(ctx)
}

// ForMode returns the clock a function in that mode must use: movable only in local mode.
func ForMode(mode config.Mode) Clock {
	if mode == config.ModeLocal {
		return movable{base: System{}}
	}
	return System{}
}

// Fixed is a test clock: it says the time it was given until told otherwise. Safe for
// concurrent use.
type Fixed struct {
	mu sync.Mutex
	t  time.Time
}

// NewFixed returns a clock stopped at t.
func NewFixed(t time.Time) *Fixed { return &Fixed{t: t.UTC()} }

// Now returns the fixed time.
func (f *Fixed) Now(context.Context) time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

// Set moves the clock to t.
func (f *Fixed) Set(t time.Time) {
	f.mu.Lock()
	f.t = t.UTC()
	f.mu.Unlock()
}

// Advance moves the clock by d.
func (f *Fixed) Advance(d time.Duration) {
	f.mu.Lock()
	f.t = f.t.Add(d)
	f.mu.Unlock()
}
