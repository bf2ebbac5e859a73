package lambdaruntime

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// Runtime API wire names, as aws-lambda-go's runtime client (lambda/runtime_api_client.go) and
// the other AWS runtimes speak them.
const (
	apiPrefix = "/2018-06-01/runtime"

	headerRequestID     = "Lambda-Runtime-Aws-Request-Id"
	headerDeadlineMs    = "Lambda-Runtime-Deadline-Ms"
	headerFunctionARN   = "Lambda-Runtime-Invoked-Function-Arn"
	headerTraceID       = "Lambda-Runtime-Trace-Id"
	headerClientContext = "Lambda-Runtime-Client-Context"
	// Sent by runtimes on /error (and /init/error) when the body does not say the type.
	headerFunctionErrorType = "Lambda-Runtime-Function-Error-Type"
	// aws-lambda-go announces these trailers on every /response; they are set when the
	// handler's response reader failed mid-stream (Error-Body is base64 of the error JSON).
	trailerErrorType = "Lambda-Runtime-Function-Error-Type"
	trailerErrorBody = "Lambda-Runtime-Function-Error-Body"

	// maxResponseBytes is Lambda's synchronous response (and request) payload limit.
	maxResponseBytes = 6 * 1024 * 1024
	maxErrorBytes    = 1024 * 1024
)

// instance is one bootstrap process and the Runtime API endpoint only it talks to.
type instance struct {
	pool    *Pool
	id      string
	cmd     *exec.Cmd
	srv     *http.Server
	stdout  *lineWriter
	stderr  *lineWriter
	started time.Time // guarded by mu

	ready     chan struct{} // closed at the first GET /next
	readyOnce sync.Once
	initDur   time.Duration // written before ready is closed

	work chan *invocation // unbuffered: a GET /next takes the invocation handed to it

	stop     chan struct{} // closed by kill: unblocks a waiting GET /next
	stopOnce sync.Once
	dead     chan struct{} // closed once the process is reaped and the endpoint closed

	mu      sync.Mutex
	pid     int
	killed  bool
	current *invocation    // handed out, no response yet
	cause   *FunctionError // why the instance ended, when the runtime told us (init error/timeout)
	waitErr error          // cmd.Wait's error, valid once dead is closed

	gone bool // guarded by pool.mu: the process has ended, never pool it again
}

type invocation struct {
	id            string
	payload       []byte
	traceID       string
	clientContext string
	deadline      time.Time    // written before the invocation is handed out
	done          chan outcome // buffered 1
}

type outcome struct {
	payload []byte
	err     *FunctionError
	at      time.Time
}

// newInstance prepares an instance; start runs it.
func (p *Pool) newInstance(seq int) *instance {
	in := &instance{
		pool:  p,
		id:    fmt.Sprintf("%d-%s", seq, randomHex(4)),
		ready: make(chan struct{}),
		work:  make(chan *invocation),
		stop:  make(chan struct{}),
		dead:  make(chan struct{}),
	}
	in.stdout = &lineWriter{out: p.logs, function: p.fn.Name, stream: "stdout"}
	in.stderr = &lineWriter{out: p.logs, function: p.fn.Name, stream: "stderr"}
	return in
}

// start opens the instance's Runtime API endpoint and starts its process. The caller has
// already registered the instance in pool.all and counted it in pool.procs.
func (in *instance) start() error {
	fn := in.pool.fn
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("lambdaruntime: %s: runtime API listener: %w", fn.Name, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+apiPrefix+"/invocation/next", in.handleNext)
	mux.HandleFunc("POST "+apiPrefix+"/invocation/{id}/response", in.handleResponse)
	mux.HandleFunc("POST "+apiPrefix+"/invocation/{id}/error", in.handleError)
	mux.HandleFunc("POST "+apiPrefix+"/init/error", in.handleInitError)
	in.srv = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(slog.Default().Handler(), slog.LevelDebug),
	}
	go func() { _ = in.srv.Serve(ln) }()

	cmd := exec.Command(fn.Bootstrap)
	cmd.Dir = filepath.Dir(fn.Bootstrap)
	cmd.Env = processEnv(fn, ln.Addr().String(), in.id)
	cmd.Stdout = in.stdout
	cmd.Stderr = in.stderr
	cmd.WaitDelay = time.Second // a grandchild holding stdout open must not stall reaping
	setProcessGroup(cmd)
	in.cmd = cmd
	in.mu.Lock() // the Runtime API handlers read it; the race detector cannot see fork → HTTP
	in.started = time.Now()
	in.mu.Unlock()
	if err := startCmd(cmd); err != nil {
		_ = in.srv.Close()
		return fmt.Errorf("lambdaruntime: %s: start %s: %w", fn.Name, fn.Bootstrap, err)
	}
	in.mu.Lock()
	in.pid = cmd.Process.Pid
	killed := in.killed
	in.mu.Unlock()
	if killed { // Close ran while we were starting
		killGroup(in.pid)
	}
	go in.wait()
	go in.watchInit()
	return nil
}

// wait reaps the process, then kills whatever is left of its process group, closes the
// endpoint and tells the pool.
func (in *instance) wait() {
	err := in.cmd.Wait()
	in.mu.Lock()
	pid := in.pid
	in.waitErr = err
	in.mu.Unlock()
	killGroup(pid)
	in.stopOnce.Do(func() { close(in.stop) })
	_ = in.srv.Close()
	in.stdout.flush()
	in.stderr.flush()
	in.pool.instanceGone(in)
	close(in.dead)
	in.pool.procs.Done()
}

// watchInit kills an instance whose runtime does not reach GET /next within the init timeout.
func (in *instance) watchInit() {
	t := time.NewTimer(in.pool.fn.InitTimeout)
	defer t.Stop()
	select {
	case <-in.ready:
	case <-in.dead:
	case <-t.C:
		in.setCause(&FunctionError{
			ErrorType:    "Sandbox.Timedout",
			ErrorMessage: fmt.Sprintf("Init phase timed out after %.2f seconds", in.pool.fn.InitTimeout.Seconds()),
		})
		in.kill()
	}
}

// kill sends SIGKILL to the instance's process group. Safe to call any number of times, and
// before the process has started (start then kills it at once).
func (in *instance) kill() {
	in.mu.Lock()
	in.killed = true
	pid := in.pid
	in.mu.Unlock()
	in.stopOnce.Do(func() { close(in.stop) })
	killGroup(pid)
}

func (in *instance) isReady() bool {
	select {
	case <-in.ready:
		return true
	default:
		return false
	}
}

func (in *instance) setCause(fe *FunctionError) {
	in.mu.Lock()
	if in.cause == nil {
		in.cause = fe
	}
	in.mu.Unlock()
}

// deathError explains, as Lambda would, why the instance ended. Only valid once dead is closed.
func (in *instance) deathError(requestID string) *FunctionError {
	in.mu.Lock()
	cause, err := in.cause, in.waitErr
	in.mu.Unlock()
	if cause != nil {
		c := *cause
		return &c
	}
	msg := "Runtime exited without providing a reason"
	if err != nil {
		msg = "Runtime exited with error: " + err.Error()
	}
	return &FunctionError{ErrorType: "Runtime.ExitError", ErrorMessage: "RequestId: " + requestID + " Error: " + msg}
}

// take ends the handed-out invocation id, or returns nil if id is not the current one.
func (in *instance) take(id string) *invocation {
	in.mu.Lock()
	defer in.mu.Unlock()
	inv := in.current
	if inv == nil || inv.id != id {
		return nil
	}
	in.current = nil
	return inv
}

// GET /runtime/invocation/next: the runtime is idle and long-polls for work.
func (in *instance) handleNext(w http.ResponseWriter, r *http.Request) {
	in.readyOnce.Do(func() {
		in.mu.Lock()
		in.initDur = time.Since(in.started)
		in.mu.Unlock()
		close(in.ready)
	})
	select {
	case inv := <-in.work:
		in.mu.Lock()
		in.current = inv
		in.mu.Unlock()
		h := w.Header()
		h.Set(headerRequestID, inv.id)
		h.Set(headerDeadlineMs, strconv.FormatInt(inv.deadline.UnixMilli(), 10))
		h.Set(headerFunctionARN, in.pool.arn)
		h.Set(headerTraceID, inv.traceID)
		if inv.clientContext != "" {
			h.Set(headerClientContext, inv.clientContext)
		}
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", strconv.Itoa(len(inv.payload)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(inv.payload)
	case <-in.stop:
		writeAPIError(w, http.StatusServiceUnavailable, "ServiceUnavailable", "the instance is shutting down")
	case <-r.Context().Done():
	}
}

// POST /runtime/invocation/{id}/response
func (in *instance) handleResponse(w http.ResponseWriter, r *http.Request) {
	inv := in.take(r.PathValue("id"))
	if inv == nil {
		writeAPIError(w, http.StatusBadRequest, "InvalidRequestID", "Invalid request ID")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxResponseBytes+1))
	at := time.Now()
	switch {
	case err != nil:
		fe := &FunctionError{ErrorType: "Runtime.InvalidResponse", ErrorMessage: "reading the response: " + err.Error()}
		inv.done <- outcome{payload: errorDocument(fe), err: fe, at: at}
		writeAPIError(w, http.StatusBadRequest, "InvalidResponse", err.Error())
		return
	case len(body) > maxResponseBytes:
		fe := &FunctionError{
			ErrorType:    "Function.ResponseSizeTooLarge",
			ErrorMessage: fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes).", maxResponseBytes),
		}
		inv.done <- outcome{payload: errorDocument(fe), err: fe, at: at}
		writeAPIError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", fe.ErrorMessage)
		return
	}
	if t := r.Trailer.Get(trailerErrorType); t != "" {
		// The handler's response stream failed after it started: an error, as Lambda reports it.
		doc, _ := base64.StdEncoding.DecodeString(r.Trailer.Get(trailerErrorBody))
		fe, payload := parseFunctionError(doc, t)
		inv.done <- outcome{payload: payload, err: fe, at: at}
	} else {
		inv.done <- outcome{payload: body, at: at}
	}
	writeAccepted(w)
}

// POST /runtime/invocation/{id}/error: the function failed; the instance stays warm.
func (in *instance) handleError(w http.ResponseWriter, r *http.Request) {
	inv := in.take(r.PathValue("id"))
	if inv == nil {
		writeAPIError(w, http.StatusBadRequest, "InvalidRequestID", "Invalid request ID")
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxErrorBytes))
	fe, payload := parseFunctionError(body, r.Header.Get(headerFunctionErrorType))
	inv.done <- outcome{payload: payload, err: fe, at: time.Now()}
	writeAccepted(w)
}

// POST /runtime/init/error: the runtime could not initialise; the instance is discarded and the
// invocation waiting for it gets the reported error.
func (in *instance) handleInitError(w http.ResponseWriter, r *http.Request) {
	if in.isReady() {
		writeAPIError(w, http.StatusForbidden, "InvalidStateTransition", "init/error after the first /next")
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxErrorBytes))
	t := r.Header.Get(headerFunctionErrorType)
	if t == "" {
		t = "Runtime.InitError"
	}
	fe, _ := parseFunctionError(body, t)
	in.setCause(fe)
	writeAccepted(w)
	go in.kill()
}

// parseFunctionError reads an error document ({"errorType","errorMessage",...}). It returns the
// error and the document to hand back as the result payload.
func parseFunctionError(body []byte, fallbackType string) (*FunctionError, []byte) {
	var fe FunctionError
	isDoc := json.Unmarshal(body, &fe) == nil && len(body) > 0 && body[0] == '{'
	if fe.ErrorType == "" {
		fe.ErrorType = fallbackType
	}
	if fe.ErrorType == "" {
		fe.ErrorType = "Unhandled"
	}
	if !isDoc {
		fe.ErrorMessage = string(body)
	}
	if isDoc {
		return &fe, body
	}
	return &fe, errorDocument(&fe)
}

func errorDocument(fe *FunctionError) []byte {
	b, err := json.Marshal(fe)
	if err != nil {
		return nil
	}
	return b
}

func writeAccepted(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_, _ = io.WriteString(w, `{"status":"OK"}`)
}

func writeAPIError(w http.ResponseWriter, status int, errorType, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(errorDocument(&FunctionError{ErrorType: errorType, ErrorMessage: msg}))
}
