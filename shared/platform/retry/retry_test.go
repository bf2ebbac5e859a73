package retry_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"holdfast/shared/platform/retry"
)

const ms = time.Millisecond

func TestCapDoublesFromBaseUpToMax(t *testing.T) {
	for _, c := range []struct {
		name string
		b    retry.Backoff
		n    int
		want time.Duration
	}{
		{"first retry", retry.Backoff{Base: 10 * ms, Max: time.Second}, 1, 10 * ms},
		{"second", retry.Backoff{Base: 10 * ms, Max: time.Second}, 2, 20 * ms},
		{"fifth", retry.Backoff{Base: 10 * ms, Max: time.Second}, 5, 160 * ms},
		{"capped", retry.Backoff{Base: 10 * ms, Max: time.Second}, 8, time.Second},
		{"capped between doublings", retry.Backoff{Base: 10 * ms, Max: 25 * ms}, 3, 25 * ms},
		{"far past the cap", retry.Backoff{Base: 10 * ms, Max: time.Second}, 1 << 30, time.Second},
		{"n below 1 is the first retry", retry.Backoff{Base: 10 * ms, Max: time.Second}, 0, 10 * ms},
		{"negative n", retry.Backoff{Base: 10 * ms, Max: time.Second}, -3, 10 * ms},
		{"Max below Base is Base", retry.Backoff{Base: 10 * ms, Max: ms}, 6, 10 * ms},
		{"no Max is Base", retry.Backoff{Base: 10 * ms}, 6, 10 * ms},
		{"no Base never waits", retry.Backoff{Max: time.Second}, 6, 0},
		{"a cap near the largest duration does not overflow", retry.Backoff{Base: time.Duration(math.MaxInt64/4 + 1), Max: math.MaxInt64}, 10, math.MaxInt64},
	} {
		if got := c.b.Cap(c.n); got != c.want {
			t.Errorf("%s: Cap(%d) = %v, want %v", c.name, c.n, got, c.want)
		}
	}
}

// Delay is full jitter: the injected source is asked for a number below the cap, and its answer
// is the wait, so the wait covers exactly [0, Cap(n)).
func TestDelayIsUniformBelowTheCap(t *testing.T) {
	for _, c := range []struct {
		n        int
		pick     func(n int64) int64
		wantAsk  int64
		wantWait time.Duration
	}{
		{1, func(n int64) int64 { return 0 }, int64(10 * ms), 0},
		{1, func(n int64) int64 { return n - 1 }, int64(10 * ms), 10*ms - 1},
		{3, func(n int64) int64 { return n / 2 }, int64(40 * ms), 20 * ms},
		{9, func(n int64) int64 { return n - 1 }, int64(500 * ms), 500*ms - 1},
	} {
		var asked int64
		b := retry.Backoff{Base: 10 * ms, Max: 500 * ms, Rand: func(n int64) int64 { asked = n; return c.pick(n) }}
		if got := b.Delay(c.n); got != c.wantWait || asked != c.wantAsk {
			t.Errorf("Delay(%d) = %v after asking for [0, %d), want %v after asking for [0, %d)", c.n, got, asked, c.wantWait, c.wantAsk)
		}
	}
	never := retry.Backoff{Rand: func(int64) int64 { t.Fatal("asked for a random wait with no cap"); return 0 }}
	if got := never.Delay(4); got != 0 {
		t.Errorf("zero Backoff waits %v", got)
	}
}

// Without an injected source the waits still stay below the cap, and are not all alike.
func TestDelayWithTheDefaultSource(t *testing.T) {
	b := retry.Backoff{Base: ms, Max: 8 * ms}
	seen := map[time.Duration]bool{}
	for i := 0; i < 200; i++ {
		d := b.Delay(4)
		if d < 0 || d >= 8*ms {
			t.Fatalf("Delay(4) = %v, outside [0, 8ms)", d)
		}
		seen[d] = true
	}
	if len(seen) < 100 {
		t.Fatalf("200 waits took only %d values: not jittered", len(seen))
	}
}

func TestWaitEndsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	hour := retry.Backoff{Base: time.Hour, Max: time.Hour, Rand: func(n int64) int64 { return n - 1 }}
	start := time.Now()
	if err := hour.Wait(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait on an ended context = %v", err)
	}
	if err := retry.Sleep(ctx, 0); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep(0) on an ended context = %v", err)
	}
	if time.Since(start) > time.Second {
		t.Fatal("Wait outlived its context")
	}
	short, stop := context.WithTimeout(context.Background(), 20*ms)
	defer stop()
	if err := hour.Wait(short, 1); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait past the deadline = %v", err)
	}
	if err := (retry.Backoff{Base: ms, Max: ms}).Wait(context.Background(), 1); err != nil {
		t.Fatalf("Wait of at most 1ms = %v", err)
	}
}
