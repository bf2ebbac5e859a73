package clientcache_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"holdfast/shared/notify/clientcache"
)

type movedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (m *movedClock) now() time.Time { m.mu.Lock(); defer m.mu.Unlock(); return m.t }
func (m *movedClock) advance(d time.Duration) {
	m.mu.Lock()
	m.t = m.t.Add(d)
	m.mu.Unlock()
}

func build(n *atomic.Int64, v string) func(context.Context) (string, error) {
	return func(context.Context) (string, error) { n.Add(1); return v, nil }
}

func TestAtMost200TenantsAreHeld(t *testing.T) {
	clk := &movedClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	c := clientcache.New[string](clientcache.DefaultMax, clientcache.DefaultIdle, clk.now)
	var n atomic.Int64
	for i := range 250 {
		clk.advance(time.Millisecond)
		v, err := c.Get(context.Background(), fmt.Sprintf("t%03d", i), build(&n, fmt.Sprint(i)))
		if err != nil || v != fmt.Sprint(i) {
			t.Fatal(v, err)
		}
		if s := c.Stats(); s.Held > 200 {
			t.Fatalf("after %d tenants the cache holds %d", i+1, s.Held)
		}
	}
	s := c.Stats()
	if s.Held != 200 || s.Builds != 250 || s.Evicted != 50 || n.Load() != 250 {
		t.Fatalf("%+v builds=%d", s, n.Load())
	}
	// The least recently used went first: t000..t049 are gone, t050..t249 remain.
	if c.Contains("t049") || !c.Contains("t050") || !c.Contains("t249") {
		t.Fatal("eviction was not least-recently-used")
	}
	// Using an old tenant keeps it: touch t050, add one more, t051 goes instead.
	clk.advance(time.Millisecond)
	if _, err := c.Get(context.Background(), "t050", build(&n, "x")); err != nil {
		t.Fatal(err)
	}
	clk.advance(time.Millisecond)
	if _, err := c.Get(context.Background(), "t999", build(&n, "x")); err != nil {
		t.Fatal(err)
	}
	if !c.Contains("t050") || c.Contains("t051") {
		t.Fatal("a recently used tenant was evicted")
	}
}

func TestIdleClientsAreEvictedAfter60Minutes(t *testing.T) {
	clk := &movedClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	c := clientcache.New[string](0, 0, clk.now)
	var n atomic.Int64
	ctx := context.Background()
	_, _ = c.Get(ctx, "a", build(&n, "a"))
	_, _ = c.Get(ctx, "b", build(&n, "b"))
	clk.advance(59 * time.Minute)
	_, _ = c.Get(ctx, "b", build(&n, "b")) // b used again; a idle 59 min
	if n.Load() != 2 || !c.Contains("a") {
		t.Fatal("evicted too early")
	}
	clk.advance(61 * time.Minute / 60 * 2) // a now idle a little over 61 min, b 2 min
	_, _ = c.Get(ctx, "c", build(&n, "c"))
	if c.Contains("a") || !c.Contains("b") || !c.Contains("c") {
		t.Fatalf("a should be evicted after 60 idle minutes, b kept: %+v", c.Stats())
	}
	_, _ = c.Get(ctx, "a", build(&n, "a"))
	if n.Load() != 4 {
		t.Fatalf("a was not rebuilt after eviction: %d builds", n.Load())
	}
}

func TestConcurrentFirstUseBuildsOnce(t *testing.T) {
	// Get reads its clock once, under the cache's lock, before it looks the tenant up: when all
	// 50 have read it, all 50 are committed to the one build in progress.
	const callers = 50
	var entered atomic.Int64
	allIn := make(chan struct{})
	clk := func() time.Time {
		if entered.Add(1) == callers {
			close(allIn)
		}
		return time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	c := clientcache.New[string](0, 0, clk)
	var n atomic.Int64
	release := make(chan struct{})
	slow := func(context.Context) (string, error) {
		n.Add(1)
		<-release
		return "client", nil
	}
	var wg sync.WaitGroup
	results := make(chan string, callers)
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := c.Get(context.Background(), "tenant-a", slow)
			if err != nil {
				t.Error(err)
			}
			results <- v
		}()
	}
	select {
	case <-allIn:
	case <-time.After(10 * time.Second): // only turns a hang into a failure
		t.Fatalf("%d of %d callers reached the cache", entered.Load(), callers)
	}
	close(release)
	wg.Wait()
	close(results)
	for v := range results {
		if v != "client" {
			t.Fatal(v)
		}
	}
	if n.Load() != 1 {
		t.Fatalf("%d concurrent first uses built %d clients, want 1", callers, n.Load())
	}
}

func TestAFailedBuildIsNotKept(t *testing.T) {
	c := clientcache.New[string](0, 0, nil)
	boom := errors.New("secret unavailable")
	if _, err := c.Get(context.Background(), "a", func(context.Context) (string, error) { return "", boom }); !errors.Is(err, boom) {
		t.Fatal(err)
	}
	v, err := c.Get(context.Background(), "a", func(context.Context) (string, error) { return "ok", nil })
	if err != nil || v != "ok" {
		t.Fatal(v, err)
	}
}
