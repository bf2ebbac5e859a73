package lambdaruntime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
)

// Manager holds one Pool per function, keyed by function name, and implements Invoker.
// All pools write to the same logs writer; the Manager serialises their lines.
type Manager struct {
	logs *lockedWriter

	mu     sync.RWMutex
	closed bool
	pools  map[string]*Pool
}

var _ Invoker = (*Manager)(nil)

// NewManager returns an empty manager whose functions log to logs (may be nil).
func NewManager(logs io.Writer) *Manager {
	return &Manager{logs: newLockedWriter(logs), pools: make(map[string]*Pool)}
}

// Add registers fn. No process starts until fn is invoked. It fails for an empty name or
// bootstrap path, a name already added, or a closed manager.
func (m *Manager) Add(fn Function) error {
	if fn.Name == "" {
		return errors.New("lambdaruntime: function without a name")
	}
	if fn.Bootstrap == "" {
		return fmt.Errorf("lambdaruntime: function %q has no bootstrap path", fn.Name)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	if _, ok := m.pools[fn.Name]; ok {
		return fmt.Errorf("lambdaruntime: function %q added twice", fn.Name)
	}
	m.pools[fn.Name] = NewPool(fn, m.logs)
	return nil
}

// Invoke runs function with payload; see Pool.Invoke. An unknown function is an error wrapping
// ErrUnknownFunction.
func (m *Manager) Invoke(ctx context.Context, function string, payload []byte, opts InvokeOptions) (Result, error) {
	p, ok := m.Pool(function)
	if !ok {
		m.mu.RLock()
		closed := m.closed
		m.mu.RUnlock()
		if closed {
			return Result{}, ErrClosed
		}
		return Result{}, fmt.Errorf("%w %q (known: %v)", ErrUnknownFunction, function, m.Functions())
	}
	return p.Invoke(ctx, payload, opts)
}

// Pool returns the pool of the named function.
func (m *Manager) Pool(function string) (*Pool, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	p, ok := m.pools[function]
	return p, ok
}

// Functions lists the added function names, sorted.
func (m *Manager) Functions() []string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	names := make([]string, 0, len(m.pools))
	for n := range m.pools {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Stats returns every pool's stats by function name.
func (m *Manager) Stats() map[string]Stats {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make(map[string]Stats, len(m.pools))
	for n, p := range m.pools {
		out[n] = p.Stats()
	}
	return out
}

// Close closes every pool (concurrently) and waits until all their processes are gone.
func (m *Manager) Close() error {
	m.mu.Lock()
	m.closed = true
	pools := make([]*Pool, 0, len(m.pools))
	for _, p := range m.pools {
		pools = append(pools, p)
	}
	m.pools = map[string]*Pool{}
	m.mu.Unlock()

	var wg sync.WaitGroup
	errs := make([]error, len(pools))
	for i, p := range pools {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = p.Close()
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
