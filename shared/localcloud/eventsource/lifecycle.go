package eventsource

import (
	"context"
	"sync"
)

// lifecycle is the start-once, stop-and-wait state every mapping shares: Start sets cancel and
// started under mu and adds its goroutines to wg.
type lifecycle struct {
	mu      sync.Mutex
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	started bool
}

// stop cancels the mapping's goroutines and waits for them.
func (l *lifecycle) stop() {
	l.mu.Lock()
	cancel := l.cancel
	l.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	l.wg.Wait()
}
