// Package retry spaces out the retries of a lost race, a throttled call or a failed poll: the one
// backoff formula of Holdfast, "full jitter" over an exponentially growing, bounded cap (Marc
// Brooker, "Exponential Backoff And Jitter", AWS Architecture Blog, 2015). Before retry n
// (n = 1 for the first retry) the wait is a uniformly random duration in
//
//	[0, Cap(n))  where  Cap(n) = min(Max, Base·2^(n-1))
//
// Spreading the wait over the whole range, rather than around the cap, is what keeps writers
// that lost a race together from colliding again in step; the bound keeps a long run of
// failures from waiting without end.
//
// It must never wait past its context's end, and never wait longer than Max.
package retry

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff is a backoff schedule. The zero value never waits.
type Backoff struct {
	// Base is the cap before the first retry; it doubles for each retry after it.
	Base time.Duration
	// Max bounds the cap; a Max below Base is taken as Base (the cap then never grows).
	Max time.Duration
	// Rand returns a uniformly random integer in [0, n) for n > 0; nil is math/rand/v2's
	// Int64N. Tests inject their own to see the schedule.
	Rand func(n int64) int64
}

// Cap is the ceiling of the wait before retry n: min(Max, Base·2^(n-1)), with n below 1 read as
// 1. A poller that waits the whole ceiling (no jitter) uses it directly.
func (b Backoff) Cap(n int) time.Duration {
	if b.Base <= 0 {
		return 0
	}
	limit := max(b.Max, b.Base)
	c := b.Base
	for i := 1; i < n && c < limit; i++ {
		if c > limit/2 { // doubling would pass the limit (or overflow)
			return limit
		}
		c *= 2
	}
	return min(c, limit)
}

// Delay is the wait before retry n: uniformly random in [0, Cap(n)).
func (b Backoff) Delay(n int) time.Duration {
	c := b.Cap(n)
	if c <= 0 {
		return 0
	}
	rnd := b.Rand
	if rnd == nil {
		rnd = rand.Int64N
	}
	return time.Duration(rnd(int64(c)))
}

// Wait sleeps Delay(n), or until ctx ends, when it returns ctx.Err().
func (b Backoff) Wait(ctx context.Context, n int) error {
	return Sleep(ctx, b.Delay(n))
}

// Sleep waits d, or until ctx ends, when it returns ctx.Err() (also when ctx had already ended
// and d is zero).
func Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
