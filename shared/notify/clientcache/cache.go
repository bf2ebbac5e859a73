// Package clientcache keeps one provider client per tenant in a worker process (the
// per-tenant Firebase client, whose OAuth token is worth reusing): at most Max tenants, each
// evicted after Idle without use, and built exactly once when many goroutines ask for a
// tenant at the same time. It must never hold a failed build (the next use retries) and never
// build a tenant's client twice concurrently.
package clientcache

import (
	"context"
	"sync"
	"time"
)

// Defaults from SPEC §3.
const (
	DefaultMax  = 200
	DefaultIdle = 60 * time.Minute
)

type entry[V any] struct {
	ready    chan struct{} // closed once value/err are set
	value    V
	err      error
	lastUsed time.Time
}

// Cache maps a tenant to its client.
type Cache[V any] struct {
	max  int
	idle time.Duration
	now  func() time.Time

	mu      sync.Mutex
	entries map[string]*entry[V]
	builds  int
	evicted int
}

// New returns a cache holding at most max clients (≤ 0: DefaultMax), each dropped after idle
// without use (≤ 0: DefaultIdle); now is the clock (nil: time.Now).
func New[V any](max int, idle time.Duration, now func() time.Time) *Cache[V] {
	if max <= 0 {
		max = DefaultMax
	}
	if idle <= 0 {
		idle = DefaultIdle
	}
	if now == nil {
		now = time.Now
	}
	return &Cache[V]{max: max, idle: idle, now: now, entries: map[string]*entry[V]{}}
}

// Get returns the tenant's client, building it with build on first use (or after eviction).
// Concurrent first uses wait for the one build; a failed build is not kept.
func (c *Cache[V]) Get(ctx context.Context, tenant string, build func(context.Context) (V, error)) (V, error) {
	c.mu.Lock()
	now := c.now()
	c.sweepLocked(now)
	e, ok := c.entries[tenant]
	if ok {
		e.lastUsed = now
		c.mu.Unlock()
		select {
		case <-e.ready:
			return e.value, e.err
		case <-ctx.Done():
			var zero V
			return zero, ctx.Err()
		}
	}
	e = &entry[V]{ready: make(chan struct{}), lastUsed: now}
	c.entries[tenant] = e
	c.builds++
	c.makeRoomLocked(tenant)
	c.mu.Unlock()

	v, err := build(context.WithoutCancel(ctx))
	c.mu.Lock()
	e.value, e.err = v, err
	if err != nil && c.entries[tenant] == e {
		delete(c.entries, tenant)
	}
	c.mu.Unlock()
	close(e.ready)
	return v, err
}

// sweepLocked drops every client idle for longer than the idle limit.
func (c *Cache[V]) sweepLocked(now time.Time) {
	for k, e := range c.entries {
		if now.Sub(e.lastUsed) > c.idle {
			delete(c.entries, k)
			c.evicted++
		}
	}
}

// makeRoomLocked evicts the least recently used clients (never the one being added) until
// at most max are held.
func (c *Cache[V]) makeRoomLocked(keep string) {
	for len(c.entries) > c.max {
		var oldestKey string
		var oldest time.Time
		for k, e := range c.entries {
			if k == keep {
				continue
			}
			if oldestKey == "" || e.lastUsed.Before(oldest) {
				oldestKey, oldest = k, e.lastUsed
			}
		}
		if oldestKey == "" {
			return
		}
		delete(c.entries, oldestKey)
		c.evicted++
	}
}

// Stats is what the cache holds and has done.
type Stats struct {
	Held    int // clients held now
	Builds  int // builds started
	Evicted int // clients dropped (idle or over the limit)
}

// Stats reports the cache's counters.
func (c *Cache[V]) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Stats{Held: len(c.entries), Builds: c.builds, Evicted: c.evicted}
}

// Contains reports whether tenant's client is held (without touching its use time).
func (c *Cache[V]) Contains(tenant string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.entries[tenant]
	return ok
}
