// Package dynamo is Holdfast's embedded DynamoDB: an engine written in Go that speaks
// DynamoDB's JSON 1.0 protocol (DynamoDB_20120810 and DynamoDBStreams_20120810) on a loopback
// port, so functions, tests and the aws CLI use the real SDK clients unchanged. It follows the
// DynamoDB Developer Guide and API Reference; conformance_test.go cites the section each case
// follows and lists where it differs from moto.
//
// Concurrency: one engine-wide read/write lock. Requests are decoded, validated and their
// expressions parsed outside it; inside it a request only looks items up in B-trees, evaluates
// and swaps immutable item maps, so critical sections are microseconds. Each request is
// therefore atomic and isolated, and a transaction is all-or-nothing.
package dynamo

import (
	"encoding/hex"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"holdfast/shared/localcloud/dynamo/attr"
)

// Region and AccountID are what ARNs name (the local cloud's region and moto's account).
const (
	Region    = "us-east-1"
	AccountID = "123456789012"
)

// Options configure an engine.
type Options struct {
	// Now is the engine's clock (TTL, stream retention, iterator expiry, token windows);
	// default time.Now.
	Now func() time.Time
	// TTLNow is the time TTL expiry is judged by; default Now. The local cloud passes its
	// movable clock, so an item a function stamped with a moved clock expires by that clock.
	// Stream retention and iterator expiry stay on Now: moving the clock must not trim records
	// nobody has read.
	TTLNow func() time.Time
	// Dir, when set, keeps the data across restarts: a snapshot plus an append-only log of
	// committed changes (see persist.go). Empty keeps everything in memory.
	Dir string
	// TTLInterval is how often expired items are swept; default 1 s. Negative disables the
	// sweeper (tests call SweepTTL).
	TTLInterval time.Duration
}

// Engine is one embedded DynamoDB.
type Engine struct {
	mu      sync.RWMutex
	tables  map[string]*table
	streams map[string]*stream // by ARN, kept after their table is deleted (24 h)
	tokens  map[string]txToken // TransactWriteItems ClientRequestToken → first request
	seq     uint64             // last stream sequence number
	now     func() time.Time
	ttlNow  func() time.Time

	stats    *counters
	faults   *faultInjector
	wal      *wal
	recorder atomic.Pointer[recorder]

	stop      chan struct{}
	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

// New starts an engine (and its TTL sweeper); Close stops it.
func New(opts Options) (*Engine, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.TTLNow == nil {
		opts.TTLNow = opts.Now
	}
	e := &Engine{now: opts.Now, ttlNow: opts.TTLNow, stats: newCounters(), faults: newFaultInjector(), stop: make(chan struct{})}
	e.resetState()
	if opts.Dir != "" {
		w, err := openWAL(opts.Dir, e)
		if err != nil {
			return nil, err
		}
		e.wal = w
	}
	interval := opts.TTLInterval
	if interval == 0 {
		interval = time.Second
	}
	if interval > 0 {
		e.wg.Add(1)
		go e.ttlLoop(interval)
	}
	return e, nil
}

func (e *Engine) resetState() {
	e.tables = map[string]*table{}
	e.streams = map[string]*stream{}
	e.tokens = map[string]txToken{}
}

// Reset drops every table, stream, token, counter and fault rule: a test's fresh start.
func (e *Engine) Reset() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, s := range e.streams {
		s.wake()
	}
	e.resetState()
	e.stats.reset()
	e.faults.set(FaultRule{})
	if e.wal != nil {
		e.wal.reset()
	}
}

// Close stops the sweeper and, with a data directory, writes a snapshot. Safe to call more
// than once; later writes fail (the data log is closed).
func (e *Engine) Close() error {
	e.closeOnce.Do(func() {
		close(e.stop)
		e.wg.Wait()
		if e.wal != nil {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.closeErr = e.wal.close(e)
		}
	})
	return e.closeErr
}

func (e *Engine) table(name string) (*table, *APIError) {
	if name == "" {
		return nil, validationf("1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null")
	}
	t := e.tables[name]
	if t == nil {
		return nil, notFoundf("Requested resource not found")
	}
	return t, nil
}

// commit applies the changes of one request, all or nothing having been decided already: it
// writes the items, appends stream records, logs to disk and wakes stream readers. The caller
// holds the write lock.
func (e *Engine) commit(changes []change) error {
	if err := e.walError(); err != nil {
		return err
	}
	now := e.now()
	var lines []logLine
	for _, c := range changes {
		if !changed(c.old, c.new) {
			continue
		}
		c.t.apply(c)
		var rec *streamRecord
		if s := c.t.Stream; s != nil && s.enabled {
			e.seq++
			s.append(e.seq, now, c)
			rec = &s.records[len(s.records)-1]
		}
		if e.wal != nil {
			lines = append(lines, lineFor(c, rec)...)
		}
	}
	if len(lines) > 0 {
		if err := e.wal.write(logLine{Op: "commit", Batch: lines}); err != nil {
			return walFailed(err)
		}
	}
	return nil
}

// walError refuses a write once the data log has failed: what it would acknowledge could not
// be kept (the caller holds the write lock).
func (e *Engine) walError() error {
	if e.wal != nil && e.wal.err != nil {
		return walFailed(e.wal.err)
	}
	return nil
}

func walFailed(err error) error {
	return &APIError{Type: errInternal, Status: 500, Message: "the engine's data log cannot be written (" + err.Error() + "); restart the local cloud"}
}

// changed reports whether a write really changes the item (a no-op writes no stream record).
func changed(old *entry, new attr.Item) bool {
	switch {
	case old == nil:
		return new != nil
	case new == nil:
		return true
	default:
		return !attr.ItemsEqual(old.item, new)
	}
}

// TableNames lists the tables, sorted.
func (e *Engine) TableNames() []string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return slices.Sorted(maps.Keys(e.tables))
}

// randomID is n random bytes in hex: request, event and table IDs, which need to be unique,
// not secret (math/rand/v2's generator, with no system call per request).
func randomID(n int) string {
	b := make([]byte, n)
	for i := 0; i < n; i += 8 {
		v := rand.Uint64()
		for j := i; j < n && j < i+8; j++ {
			b[j] = byte(v)
			v >>= 8
		}
	}
	return hex.EncodeToString(b)
}

func uuid() string {
	h := randomID(16)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
