package lambdaruntime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

var (
	// ErrClosed is returned by Invoke on a pool or manager that is closed or closing.
	ErrClosed = errors.New("lambdaruntime: closed")
	// ErrUnknownFunction is returned (wrapped, with the name) for a function never added.
	ErrUnknownFunction = errors.New("lambdaruntime: unknown function")
	// ErrPayloadTooLarge is returned for a request payload over Lambda's 6 MB limit, which
	// Lambda rejects before any function runs.
	ErrPayloadTooLarge = errors.New("lambdaruntime: request payload exceeds 6291456 bytes")
)

// Pool runs the instances of one function. Invoke hands each invocation to an idle warm
// instance, or starts a new one when all are busy, up to MaxConcurrency; beyond that
// invocations wait for an instance to come free. Instances live until they fail, time out or
// the pool is closed.
//
// Invoke returns an error only when the invocation could not be run (ctx done before it was
// handed to a process, pool closed, bootstrap could not be started, payload too large).
// Everything that happened to a running invocation — a function error, a timeout, a crash — is
// a Result with Err set, as Lambda's Invoke API reports it.
type Pool struct {
	fn    Function
	arn   string
	logs  *lockedWriter
	slots chan struct{} // one per running invocation; capacity MaxConcurrency

	closing chan struct{}
	procs   sync.WaitGroup // one per instance whose process may be running

	mu          sync.Mutex
	closed      bool
	all         map[*instance]struct{}
	idle        []*instance // warm, waiting in GET /next (or about to be)
	seq         int
	coldStarts  int64
	invocations int64
}

// Stats is a snapshot of a pool.
type Stats struct {
	Instances   int   // processes alive now (starting, idle or busy)
	Busy        int   // of those, instances serving or starting for an invocation
	ColdStarts  int64 // processes started since NewPool
	Invocations int64 // invocations handed to a process since NewPool
}

// NewPool prepares a pool for fn; no process starts until the first Invoke. Zero values in fn
// take the defaults documented on Function. Process output goes to logs as JSON lines (see
// logs.go); logs may be nil. If several pools share one writer, either give them a writer that
// is safe for concurrent use or use a Manager, which serialises for them.
func NewPool(fn Function, logs io.Writer) *Pool {
	fn = withDefaults(fn)
	return &Pool{
		fn:      fn,
		arn:     functionARN(fn),
		logs:    newLockedWriter(logs),
		slots:   make(chan struct{}, fn.MaxConcurrency),
		closing: make(chan struct{}),
		all:     make(map[*instance]struct{}),
	}
}

// Function returns the function the pool runs, with defaults applied.
func (p *Pool) Function() Function { return p.fn }

// Stats returns a snapshot of the pool's instances and counters.
func (p *Pool) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return Stats{
		Instances:   len(p.all),
		Busy:        len(p.all) - len(p.idle),
		ColdStarts:  p.coldStarts,
		Invocations: p.invocations,
	}
}

// Invoke runs one invocation of the function with payload as its event.
//
// If ctx ends while waiting for an instance, the invocation is not run and ctx's error is
// returned. If ctx ends after the invocation was handed to a process, Invoke returns ctx's error
// at once but the invocation runs to completion (or to its timeout) in the background, as on
// Lambda, and its instance is reused afterwards.
func (p *Pool) Invoke(ctx context.Context, payload []byte, opts InvokeOptions) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	if len(payload) > maxResponseBytes {
		return Result{}, ErrPayloadTooLarge
	}
	inv, err := newInvocation(payload, opts)
	if err != nil {
		return Result{}, err
	}
	select {
	case <-p.closing:
		return Result{}, ErrClosed
	default:
	}
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return Result{}, ctx.Err()
	case <-p.closing:
		return Result{}, ErrClosed
	}

	type answer struct {
		res Result
		err error
	}
	ch := make(chan answer, 1)
	go func() {
		defer func() { <-p.slots }()
		res, err := p.run(ctx, inv)
		ch <- answer{res, err}
	}()
	select {
	case a := <-ch:
		return a.res, a.err
	case <-ctx.Done():
		select {
		case a := <-ch:
			return a.res, a.err
		default:
			return Result{RequestID: inv.id}, ctx.Err()
		}
	}
}

func newInvocation(payload []byte, opts InvokeOptions) (*invocation, error) {
	inv := &invocation{
		id:      newRequestID(),
		payload: append([]byte(nil), payload...),
		traceID: opts.TraceID,
		done:    make(chan outcome, 1),
	}
	if inv.traceID == "" {
		inv.traceID = newTraceID(time.Now())
	}
	if opts.ClientContextCustom != nil {
		// The shape Lambda passes on (and aws-lambda-go decodes into
		// lambdacontext.ClientContext): {"client":{…},"env":{…},"custom":{…}}.
		cc := struct {
			Client struct{}          `json:"client"`
			Env    map[string]string `json:"env"`
			Custom map[string]string `json:"custom"`
		}{Env: map[string]string{}, Custom: opts.ClientContextCustom}
		b, err := json.Marshal(cc)
		if err != nil {
			return nil, fmt.Errorf("lambdaruntime: client context: %w", err)
		}
		inv.clientContext = string(b)
	}
	return inv, nil
}

// run executes inv on a warm or new instance. A warm instance found dead before it took the
// invocation (it crashed while idle) is not the invocation's fault: run retries on another.
func (p *Pool) run(ctx context.Context, inv *invocation) (Result, error) {
	for attempt := 0; ; attempt++ {
		in, started, err := p.acquire()
		if err != nil {
			return Result{RequestID: inv.id}, err
		}
		res, retry, err := p.runOn(ctx, in, started, inv, attempt < 3)
		if retry {
			continue
		}
		return res, err
	}
}

// acquire pops an idle instance or starts a new one (started is then true). The caller holds a
// slot, which bounds the number of instances by MaxConcurrency.
func (p *Pool) acquire() (in *instance, started bool, err error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, false, ErrClosed
	}
	if n := len(p.idle); n > 0 {
		in = p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return in, false, nil
	}
	p.seq++
	in = p.newInstance(p.seq)
	p.all[in] = struct{}{}
	p.procs.Add(1)
	p.mu.Unlock()

	if err := in.start(); err != nil {
		p.mu.Lock()
		delete(p.all, in)
		p.mu.Unlock()
		p.procs.Done()
		return nil, false, err
	}
	p.mu.Lock()
	p.coldStarts++
	p.mu.Unlock()
	return in, true, nil
}

// release returns a healthy instance to the idle list.
func (p *Pool) release(in *instance) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if in.gone || p.closed {
		return
	}
	p.idle = append(p.idle, in)
}

// instanceGone forgets an instance whose process has ended.
func (p *Pool) instanceGone(in *instance) {
	p.mu.Lock()
	defer p.mu.Unlock()
	in.gone = true
	delete(p.all, in)
	for i, x := range p.idle {
		if x == in {
			p.idle = append(p.idle[:i], p.idle[i+1:]...)
			break
		}
	}
}

// runOn runs inv on in. retry reports that in, a warm instance, died before taking inv and
// mayRetry allowed another attempt.
func (p *Pool) runOn(ctx context.Context, in *instance, started bool, inv *invocation, mayRetry bool) (res Result, retry bool, err error) {
	res = Result{RequestID: inv.id}
	// An instance this invocation had to wait for is a cold start, whoever started it.
	cold := started || !in.isReady()
	res.ColdStart = cold
	retryable := !cold && mayRetry

	select {
	case <-in.ready:
	case <-in.dead:
		return p.died(in, inv, res, retryable)
	case <-ctx.Done():
		p.release(in) // it finishes initialising and serves someone else
		return res, false, ctx.Err()
	}
	if cold {
		res.InitDuration = in.initDur
	}
	if err := ctx.Err(); err != nil {
		p.release(in)
		return res, false, err
	}

	timeout := p.fn.Timeout
	inv.deadline = time.Now().Add(timeout)
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case in.work <- inv:
	case <-in.dead:
		return p.died(in, inv, res, retryable)
	case <-timer.C: // the runtime never came back to GET /next
		return p.timedOut(in, inv, res, timeout)
	case <-ctx.Done():
		p.release(in)
		return res, false, ctx.Err()
	}
	sent := time.Now()
	p.mu.Lock()
	p.invocations++
	p.mu.Unlock()

	var out outcome
	select {
	case out = <-inv.done:
	case <-in.dead:
		select {
		case out = <-inv.done: // answered, then exited (e.g. after a panic): the answer stands
		default:
			res.Duration = time.Since(sent)
			return p.died(in, inv, res, false)
		}
	case <-timer.C:
		select {
		case out = <-inv.done:
		default:
			return p.timedOut(in, inv, res, timeout)
		}
	}
	res.Duration = out.at.Sub(sent)
	res.Payload = out.payload
	res.Err = out.err
	p.release(in)
	status := "success"
	if res.Err != nil {
		status = "error"
	}
	p.writeReport(res, status)
	return res, false, nil
}

// died reports an instance that ended before answering inv.
func (p *Pool) died(in *instance, inv *invocation, res Result, retryable bool) (Result, bool, error) {
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if closed {
		return res, false, ErrClosed
	}
	if retryable {
		return res, true, nil
	}
	res.Err = in.deathError(inv.id)
	res.Payload = errorDocument(res.Err)
	status := "failure"
	if res.Err.ErrorType == "Sandbox.Timedout" {
		status = "timeout"
	}
	p.writeReport(res, status)
	return res, false, nil
}

// timedOut kills an instance that overran the function timeout, as Lambda does.
func (p *Pool) timedOut(in *instance, inv *invocation, res Result, timeout time.Duration) (Result, bool, error) {
	in.kill()
	<-in.dead // reaped before the slot is freed: never more than MaxConcurrency processes
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if closed {
		return res, false, ErrClosed
	}
	res.Duration = timeout
	res.Err = &FunctionError{
		ErrorType:    "Sandbox.Timedout",
		ErrorMessage: fmt.Sprintf("RequestId: %s Error: Task timed out after %.2f seconds", inv.id, timeout.Seconds()),
	}
	res.Payload = errorDocument(res.Err)
	p.writeReport(res, "timeout")
	return res, false, nil
}

// Close kills every process the pool started (their whole process groups), waits until they
// are reaped and their Runtime API endpoints closed, and fails waiting and later invocations
// with ErrClosed. Invocations in flight end with ErrClosed. Close is idempotent.
func (p *Pool) Close() error {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.closing)
	}
	list := make([]*instance, 0, len(p.all))
	for in := range p.all {
		list = append(list, in)
	}
	p.idle = nil
	p.mu.Unlock()
	for _, in := range list {
		in.kill()
	}
	p.procs.Wait()
	return nil
}
