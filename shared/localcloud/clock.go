package localcloud

import (
	"sync"
	"time"
)

// ClockKey is the Lambda client-context key carrying the local cloud's time to functions
// (read by platform/clock in HOLDFAST_MODE=local only).
const ClockKey = "holdfast-now"

// Clock is the local cloud's movable clock: real time plus an offset that tests and operators
// move with POST /__local/clock. It moves only the local cloud; a deployment has no such thing.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
}

// Now is real time plus the offset.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Set moves the clock so that Now is t (then it keeps running).
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset = time.Until(t)
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// Reset returns to real time.
func (c *Clock) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset = 0
}

// After waits in real time (the offset moves instants, not durations).
func (c *Clock) After(d time.Duration) <-chan time.Time { return time.After(d) }
