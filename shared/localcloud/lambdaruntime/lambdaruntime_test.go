package lambdaruntime

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// echoBootstrap is the stripped testdata/echo function, built once by TestMain.
var echoBootstrap string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "lambdaruntime-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	echoBootstrap = filepath.Join(dir, "echo", "bootstrap")
	if err := buildFunction("./testdata/echo", echoBootstrap); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// buildFunction builds a Lambda bootstrap the way a deployment would (static, no RPC mode,
// stripped).
func buildFunction(pkg, out string) error {
	goBin, err := exec.LookPath("go") // go test puts $GOROOT/bin first on PATH
	if err != nil {
		return fmt.Errorf("go toolchain not found: %w", err)
	}
	cmd := exec.Command(goBin, "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags", "-s -w", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build %s: %v\n%s", pkg, err, b)
	}
	return nil
}

// syncBuffer is a log sink the test can read while pools write to it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type echoAnswer struct {
	Echo        json.RawMessage   `json:"echo"`
	PID         int               `json:"pid"`
	RequestID   string            `json:"requestId"`
	FunctionARN string            `json:"functionArn"`
	TraceID     string            `json:"traceId"`
	DeadlineMs  int64             `json:"deadlineMs"`
	Custom      map[string]string `json:"custom"`
	Env         map[string]string `json:"env"`
	ChildPID    int               `json:"childPid"`
	Invocations int               `json:"invocations"`
}

func echoFunction(name string) Function {
	return Function{
		Name:           name,
		Bootstrap:      echoBootstrap,
		Env:            map[string]string{"HOLDFAST_MODE": "local", "AWS_REGION": "ap-south-1"},
		Timeout:        5 * time.Second,
		MaxConcurrency: 2,
	}
}

func newTestPool(t *testing.T, fn Function) (*Pool, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	p := NewPool(fn, logs)
	t.Cleanup(func() { _ = p.Close() })
	return p, logs
}

// invoke runs one invocation that must not fail to run; it returns the result and, for a
// successful one, the decoded answer.
func invoke(t *testing.T, p *Pool, event string, opts InvokeOptions) (Result, echoAnswer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := p.Invoke(ctx, []byte(event), opts)
	if err != nil {
		t.Fatalf("Invoke(%s): %v", event, err)
	}
	var a echoAnswer
	if res.Err == nil {
		if err := json.Unmarshal(res.Payload, &a); err != nil {
			t.Fatalf("answer %q: %v", res.Payload, err)
		}
	}
	return res, a
}

// alive reports whether pid is a live (non-zombie) process.
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true // no /proc: trust the signal
	}
	// state follows "pid (comm) "; comm may contain spaces, so look after the last ')'.
	s := string(stat)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z'
	}
	return true
}

func waitGone(pid int, within time.Duration) bool {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if !alive(pid) {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return !alive(pid)
}

func TestEchoRoundTrip(t *testing.T) {
	fn := echoFunction("Echo")
	p, _ := newTestPool(t, fn)
	event := `{"action":"echo","n":42,"s":"héllo"}`
	start := time.Now()
	res, a := invoke(t, p, event, InvokeOptions{TraceID: "Root=1-00000000-000000000000000000000001;Sampled=0"})
	if res.Err != nil {
		t.Fatalf("unexpected error %v", res.Err)
	}
	if string(a.Echo) != event {
		t.Errorf("echo = %s, want %s", a.Echo, event)
	}
	if !res.ColdStart || res.InitDuration <= 0 || res.Duration <= 0 {
		t.Errorf("cold=%v init=%v duration=%v, want a measured cold start", res.ColdStart, res.InitDuration, res.Duration)
	}
	if a.RequestID == "" || a.RequestID != res.RequestID {
		t.Errorf("request id: function saw %q, result has %q", a.RequestID, res.RequestID)
	}
	if want := "arn:aws:lambda:ap-south-1:123456789012:function:Echo"; a.FunctionARN != want {
		t.Errorf("arn = %q, want %q", a.FunctionARN, want)
	}
	if a.TraceID != "Root=1-00000000-000000000000000000000001;Sampled=0" {
		t.Errorf("trace id = %q", a.TraceID)
	}
	if want := start.Add(fn.Timeout).UnixMilli(); a.DeadlineMs < want-2000 || a.DeadlineMs > want+2000 {
		t.Errorf("deadline %d, want about %d (now + timeout)", a.DeadlineMs, want)
	}
	t.Logf("cold start: init %v, first invocation %v", res.InitDuration, res.Duration)
}

func TestClientContextCustomReachesHandler(t *testing.T) {
	p, _ := newTestPool(t, echoFunction("Ctx"))
	custom := map[string]string{"holdfast-now": "2030-01-02T03:04:05.123456789Z", "k": `{"nested":true}`}
	res, a := invoke(t, p, `{}`, InvokeOptions{ClientContextCustom: custom})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	for k, v := range custom {
		if a.Custom[k] != v {
			t.Errorf("custom[%q] = %q, want %q", k, a.Custom[k], v)
		}
	}
	// No client context: the handler sees none.
	_, a = invoke(t, p, `{}`, InvokeOptions{})
	if len(a.Custom) != 0 {
		t.Errorf("custom without client context = %v", a.Custom)
	}
	if a.TraceID == "" || !strings.HasPrefix(a.TraceID, "Root=1-") {
		t.Errorf("generated trace id = %q", a.TraceID)
	}
}

func TestFunctionErrorKeepsInstanceWarm(t *testing.T) {
	p, _ := newTestPool(t, echoFunction("Err"))
	_, first := invoke(t, p, `{}`, InvokeOptions{})
	res, _ := invoke(t, p, `{"action":"error","message":"amount must be positive"}`, InvokeOptions{})
	if res.Err == nil || res.Err.ErrorType != "ValidationError" || res.Err.ErrorMessage != "amount must be positive" {
		t.Fatalf("Err = %+v, want ValidationError: amount must be positive", res.Err)
	}
	var doc map[string]any
	if err := json.Unmarshal(res.Payload, &doc); err != nil || doc["errorType"] != "ValidationError" {
		t.Errorf("error payload = %s", res.Payload)
	}
	if res.ColdStart {
		t.Error("error invocation reported a cold start")
	}
	res, after := invoke(t, p, `{}`, InvokeOptions{})
	if res.Err != nil || res.ColdStart || after.PID != first.PID {
		t.Errorf("after a function error: err=%v cold=%v pid %d→%d, want the same warm instance", res.Err, res.ColdStart, first.PID, after.PID)
	}
	if s := p.Stats(); s.ColdStarts != 1 || s.Invocations != 3 {
		t.Errorf("stats = %+v", s)
	}
}

func TestBrokenResponseStreamIsAnError(t *testing.T) {
	p, _ := newTestPool(t, echoFunction("Stream"))
	_, first := invoke(t, p, `{}`, InvokeOptions{})
	// aws-lambda-go reports a response reader that fails mid-stream in HTTP trailers.
	res, _ := invoke(t, p, `{"action":"badreader"}`, InvokeOptions{})
	if res.Err == nil || res.Err.ErrorType != "StreamError" || res.Err.ErrorMessage != "response stream broke" {
		t.Fatalf("Err = %+v, want StreamError from the trailers", res.Err)
	}
	res, a := invoke(t, p, `{}`, InvokeOptions{})
	if res.Err != nil || res.ColdStart || a.PID != first.PID {
		t.Errorf("after a broken stream: err=%v cold=%v, want the same warm instance", res.Err, res.ColdStart)
	}
}

func TestContextCancelledMidInvocation(t *testing.T) {
	fn := echoFunction("Cancel")
	fn.MaxConcurrency = 1
	p, _ := newTestPool(t, fn)
	_, first := invoke(t, p, `{}`, InvokeOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	res, err := p.Invoke(ctx, []byte(`{"action":"sleep","ms":300}`), InvokeOptions{})
	if !errors.Is(err, context.DeadlineExceeded) || res.RequestID == "" {
		t.Fatalf("err = %v, request id %q; want deadline exceeded with the request id", err, res.RequestID)
	}
	if d := time.Since(start); d > 250*time.Millisecond {
		t.Errorf("cancelled invoke returned after %v", d)
	}
	// The invocation ran on, as on Lambda; the instance is reused once it is done.
	res2, a := invoke(t, p, `{}`, InvokeOptions{})
	if res2.Err != nil || res2.ColdStart || a.PID != first.PID || a.Invocations != 3 {
		t.Errorf("after cancel: err=%v cold=%v pid %d→%d invocations %d", res2.Err, res2.ColdStart, first.PID, a.PID, a.Invocations)
	}
}

func TestExitMidInvokeThenRecovery(t *testing.T) {
	p, _ := newTestPool(t, echoFunction("Exit"))
	_, first := invoke(t, p, `{}`, InvokeOptions{})
	res, _ := invoke(t, p, `{"action":"exit","code":3}`, InvokeOptions{})
	if res.Err == nil || res.Err.ErrorType != "Runtime.ExitError" || !strings.Contains(res.Err.ErrorMessage, "exit status 3") {
		t.Fatalf("Err = %+v, want Runtime.ExitError with exit status 3", res.Err)
	}
	if !waitGone(first.PID, 2*time.Second) {
		t.Errorf("pid %d still alive", first.PID)
	}
	res, a := invoke(t, p, `{}`, InvokeOptions{})
	if res.Err != nil || !res.ColdStart || a.PID == first.PID {
		t.Errorf("after exit: err=%v cold=%v pid=%d (old %d), want a new cold instance", res.Err, res.ColdStart, a.PID, first.PID)
	}
	if s := p.Stats(); s.ColdStarts != 2 || s.Instances != 1 {
		t.Errorf("stats = %+v", s)
	}
}

func TestPanicReportsErrorAndNextInvokeRecovers(t *testing.T) {
	p, _ := newTestPool(t, echoFunction("Panic"))
	res, _ := invoke(t, p, `{"action":"panic","message":"boom"}`, InvokeOptions{})
	if res.Err == nil || res.Err.ErrorMessage != "boom" {
		t.Fatalf("Err = %+v, want the panic reported", res.Err)
	}
	// aws-lambda-go exits after reporting a panic; the next invocation gets a fresh instance
	// without seeing the crash.
	res, _ = invoke(t, p, `{}`, InvokeOptions{})
	if res.Err != nil {
		t.Fatalf("after panic: %v", res.Err)
	}
}

func TestTimeoutKillsInstance(t *testing.T) {
	fn := echoFunction("Slow")
	fn.Timeout = 300 * time.Millisecond
	fn.MaxConcurrency = 1
	p, logs := newTestPool(t, fn)
	_, warm := invoke(t, p, `{}`, InvokeOptions{})
	start := time.Now()
	res, _ := invoke(t, p, `{"action":"sleep","ms":5000}`, InvokeOptions{})
	elapsed := time.Since(start)
	if res.Err == nil || res.Err.ErrorType != "Sandbox.Timedout" || !strings.Contains(res.Err.ErrorMessage, "Task timed out after 0.30 seconds") {
		t.Fatalf("Err = %+v, want Sandbox.Timedout", res.Err)
	}
	if elapsed > 3*time.Second {
		t.Errorf("timeout took %v", elapsed)
	}
	if alive(warm.PID) {
		t.Errorf("timed-out instance pid %d still alive", warm.PID)
	}
	if s := p.Stats(); s.Instances != 0 {
		t.Errorf("instances after timeout = %d", s.Instances)
	}
	res, a := invoke(t, p, `{}`, InvokeOptions{})
	if res.Err != nil || !res.ColdStart || a.PID == warm.PID {
		t.Errorf("after timeout: err=%v cold=%v", res.Err, res.ColdStart)
	}
	if !strings.Contains(logs.String(), `"status":"timeout"`) {
		t.Errorf("no timeout report in logs:\n%s", logs.String())
	}
}

func TestInitFailures(t *testing.T) {
	cases := []struct {
		init, errorType, message string
	}{
		{"exit", "Runtime.ExitError", "exit status 2"},
		{"initerror", "Runtime.ConfigError", "missing TABLE"},
		{"hang", "Sandbox.Timedout", "Init phase timed out"},
	}
	for _, c := range cases {
		t.Run(c.init, func(t *testing.T) {
			fn := echoFunction("Init" + c.init)
			fn.Env["ECHO_INIT"] = c.init
			fn.InitTimeout = 300 * time.Millisecond
			p, _ := newTestPool(t, fn)
			res, _ := invoke(t, p, `{}`, InvokeOptions{})
			if res.Err == nil || res.Err.ErrorType != c.errorType || !strings.Contains(res.Err.ErrorMessage, c.message) {
				t.Fatalf("Err = %+v, want %s containing %q", res.Err, c.errorType, c.message)
			}
			if !res.ColdStart {
				t.Error("an init failure is a cold start")
			}
			if s := p.Stats(); s.Instances != 0 {
				t.Errorf("instances after init failure = %d", s.Instances)
			}
		})
	}
}

func TestConcurrencyCap(t *testing.T) {
	fn := echoFunction("Busy")
	fn.MaxConcurrency = 3
	p, _ := newTestPool(t, fn)
	const n = 10
	var wg sync.WaitGroup
	pids := make([]int, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := p.Invoke(context.Background(), []byte(`{"action":"sleep","ms":150}`), InvokeOptions{})
			if err == nil && res.Err != nil {
				err = res.Err
			}
			if err != nil {
				errs[i] = err
				return
			}
			var a echoAnswer
			errs[i] = json.Unmarshal(res.Payload, &a)
			pids[i] = a.PID
		}()
	}
	wg.Wait()
	distinct := map[int]bool{}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("invocation %d: %v", i, errs[i])
		}
		distinct[pids[i]] = true
	}
	s := p.Stats()
	t.Logf("%d parallel invocations: %d processes, stats %+v", n, len(distinct), s)
	if len(distinct) > fn.MaxConcurrency || s.ColdStarts > int64(fn.MaxConcurrency) || s.Instances > fn.MaxConcurrency {
		t.Errorf("more than %d instances: %d pids, stats %+v", fn.MaxConcurrency, len(distinct), s)
	}
	if len(distinct) < 2 {
		t.Errorf("only %d instance served %d parallel invocations", len(distinct), n)
	}
	if s.Invocations != n || s.Busy != 0 {
		t.Errorf("stats = %+v", s)
	}

	// With every instance busy, a waiting invocation respects its context.
	one := echoFunction("One")
	one.MaxConcurrency = 1
	q, _ := newTestPool(t, one)
	go func() { _, _ = q.Invoke(context.Background(), []byte(`{"action":"sleep","ms":1000}`), InvokeOptions{}) }()
	for q.Stats().Busy == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := q.Invoke(ctx, []byte(`{}`), InvokeOptions{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting invoke: err = %v, want deadline exceeded", err)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("waiting invoke returned after %v", d)
	}
}

func TestWarmReuse(t *testing.T) {
	p, _ := newTestPool(t, echoFunction("Warm"))
	r1, a1 := invoke(t, p, `{}`, InvokeOptions{})
	r2, a2 := invoke(t, p, `{}`, InvokeOptions{})
	if !r1.ColdStart || r2.ColdStart {
		t.Errorf("cold starts: first %v, second %v; want true, false", r1.ColdStart, r2.ColdStart)
	}
	if r2.InitDuration != 0 {
		t.Errorf("warm invocation has init duration %v", r2.InitDuration)
	}
	if a1.PID != a2.PID || a2.Invocations != 2 {
		t.Errorf("pids %d, %d; invocations seen by the process %d", a1.PID, a2.PID, a2.Invocations)
	}
	if s := p.Stats(); s.ColdStarts != 1 || s.Instances != 1 || s.Busy != 0 {
		t.Errorf("stats = %+v", s)
	}
}

func TestCloseLeavesNoProcesses(t *testing.T) {
	fn := echoFunction("Close")
	fn.MaxConcurrency = 3
	p := NewPool(fn, nil)
	var pids []int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := p.Invoke(context.Background(), []byte(`{"action":"spawn"}`), InvokeOptions{})
			if err != nil || res.Err != nil {
				t.Errorf("spawn: %v %v", err, res.Err)
				return
			}
			var a echoAnswer
			_ = json.Unmarshal(res.Payload, &a)
			mu.Lock()
			pids = append(pids, a.PID, a.ChildPID)
			mu.Unlock()
		}()
	}
	wg.Wait()
	// One invocation still running when Close comes.
	inflight := make(chan error, 1)
	go func() {
		_, err := p.Invoke(context.Background(), []byte(`{"action":"sleep","ms":10000}`), InvokeOptions{})
		inflight <- err
	}()
	for p.Stats().Busy == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	for _, pid := range pids {
		if !alive(pid) {
			t.Fatalf("pid %d not alive before Close", pid)
		}
	}
	start := time.Now()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("Close took %v", time.Since(start))
	for i, pid := range pids {
		if i%2 == 0 { // the bootstraps: our children, reaped by Close
			if err := syscall.Kill(pid, 0); err == nil {
				t.Errorf("bootstrap pid %d still exists after Close", pid)
			}
		} else if !waitGone(pid, 2*time.Second) { // their children: killed with the group
			t.Errorf("grandchild pid %d still alive after Close", pid)
		}
	}
	select {
	case err := <-inflight:
		if !errors.Is(err, ErrClosed) {
			t.Errorf("in-flight invoke: %v, want ErrClosed", err)
		}
	case <-time.After(2 * time.Second):
		t.Error("in-flight invoke did not return after Close")
	}
	if _, err := p.Invoke(context.Background(), []byte(`{}`), InvokeOptions{}); !errors.Is(err, ErrClosed) {
		t.Errorf("invoke after Close: %v", err)
	}
	if s := p.Stats(); s.Instances != 0 {
		t.Errorf("stats after Close = %+v", s)
	}
}

func TestEnvIsolation(t *testing.T) {
	t.Setenv("HOLDFAST_PARENT_ONLY", "must-not-leak")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "parent-secret")
	fn := echoFunction("EnvFn")
	fn.Env["TABLE_NAME"] = "t1"
	fn.Env["AWS_LAMBDA_FUNCTION_NAME"] = "spoofed" // reserved: the runtime's value wins
	fn.MemoryMB = 256
	p, _ := newTestPool(t, fn)
	res, a := invoke(t, p, `{"action":"env"}`, InvokeOptions{})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	for _, k := range []string{"HOLDFAST_PARENT_ONLY", "AWS_SECRET_ACCESS_KEY"} {
		if v, ok := a.Env[k]; ok {
			t.Errorf("parent variable %s=%q visible to the function", k, v)
		}
	}
	want := map[string]string{
		"TABLE_NAME":                      "t1",
		"HOLDFAST_MODE":                   "local",
		"AWS_LAMBDA_FUNCTION_NAME":        "EnvFn",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_REGION":                      "ap-south-1",
		"AWS_DEFAULT_REGION":              "ap-south-1",
		"_HANDLER":                        "bootstrap",
		"AWS_LAMBDA_LOG_FORMAT":           "JSON",
		"TZ":                              "UTC",
		"LAMBDA_TASK_ROOT":                filepath.Dir(echoBootstrap),
		"PATH":                            os.Getenv("PATH"),
	}
	for k, v := range want {
		if a.Env[k] != v {
			t.Errorf("%s = %q, want %q", k, a.Env[k], v)
		}
	}
	if !strings.HasPrefix(a.Env["AWS_LAMBDA_RUNTIME_API"], "127.0.0.1:") {
		t.Errorf("AWS_LAMBDA_RUNTIME_API = %q", a.Env["AWS_LAMBDA_RUNTIME_API"])
	}
	t.Logf("function environment has %d variables", len(a.Env))
}

func TestLogsAreTaggedJSONLines(t *testing.T) {
	p, logs := newTestPool(t, echoFunction("Logger"))
	res, _ := invoke(t, p, `{"action":"log","message":"hello from the handler"}`, InvokeOptions{})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if err := p.Close(); err != nil { // flushes the unterminated last line
		t.Fatal(err)
	}
	var sawSlog, sawStderr, sawPartial, sawReport bool
	sc := bufio.NewScanner(strings.NewReader(logs.String()))
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Errorf("log line is not JSON: %q", sc.Text())
			continue
		}
		if rec["function"] != "Logger" {
			t.Errorf("log line without function tag: %q", sc.Text())
		}
		switch {
		case rec["msg"] == "hello from the handler" && rec["level"] == "INFO" && rec["requestId"] == res.RequestID:
			sawSlog = true
		case rec["stream"] == "stderr" && strings.Contains(fmt.Sprint(rec["msg"]), "plain text on stderr"):
			sawStderr = true
		case rec["stream"] == "stdout" && rec["msg"] == "partial line without newline":
			sawPartial = true
		case rec["type"] == "platform.report":
			sawReport = true
		}
	}
	if !sawSlog || !sawStderr || !sawPartial || !sawReport {
		t.Errorf("slog %v, stderr %v, partial %v, report %v; logs:\n%s", sawSlog, sawStderr, sawPartial, sawReport, logs.String())
	}
}

func TestFormatLine(t *testing.T) {
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := map[string]string{
		`{"level":"INFO","msg":"x"}`:   `{"function":"F","level":"INFO","msg":"x"}`,
		`{}`:                           `{"function":"F"}`,
		`{"function":"G","msg":"x"}`:   `{"function":"G","msg":"x"}`,
		`2030/01/02 {"errorType":"x"}`: `{"time":"2030-01-02T03:04:05Z","function":"F","stream":"stderr","msg":"2030/01/02 {\"errorType\":\"x\"}"}`,
		`{not json`:                    `{"time":"2030-01-02T03:04:05Z","function":"F","stream":"stderr","msg":"{not json"}`,
	}
	for in, want := range cases {
		if got := strings.TrimSuffix(string(formatLine("F", "stderr", []byte(in), now)), "\n"); got != want {
			t.Errorf("formatLine(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestManager(t *testing.T) {
	logs := &syncBuffer{}
	m := NewManager(logs)
	defer m.Close()
	for _, name := range []string{"A", "B"} {
		if err := m.Add(echoFunction(name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Add(echoFunction("A")); err == nil {
		t.Error("adding a function twice succeeded")
	}
	var inv Invoker = m
	for _, name := range []string{"A", "B"} {
		res, err := inv.Invoke(context.Background(), name, []byte(`{}`), InvokeOptions{})
		if err != nil || res.Err != nil {
			t.Fatalf("%s: %v %v", name, err, res.Err)
		}
		var a echoAnswer
		_ = json.Unmarshal(res.Payload, &a)
		if !strings.HasSuffix(a.FunctionARN, ":function:"+name) {
			t.Errorf("%s answered as %s", name, a.FunctionARN)
		}
	}
	_, err := inv.Invoke(context.Background(), "Nope", []byte(`{}`), InvokeOptions{})
	if !errors.Is(err, ErrUnknownFunction) || !strings.Contains(err.Error(), `"Nope"`) {
		t.Errorf("unknown function: %v", err)
	}
	if st := m.Stats(); st["A"].ColdStarts != 1 || st["B"].ColdStarts != 1 {
		t.Errorf("stats = %+v", st)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := inv.Invoke(context.Background(), "A", []byte(`{}`), InvokeOptions{}); !errors.Is(err, ErrClosed) {
		t.Errorf("invoke after Close: %v", err)
	}
}

func TestBootstrapMissing(t *testing.T) {
	fn := echoFunction("Missing")
	fn.Bootstrap = filepath.Join(t.TempDir(), "bootstrap")
	p, _ := newTestPool(t, fn)
	if _, err := p.Invoke(context.Background(), []byte(`{}`), InvokeOptions{}); err == nil || !strings.Contains(err.Error(), "Missing") {
		t.Errorf("err = %v, want a start error naming the function", err)
	}
	if s := p.Stats(); s.Instances != 0 || s.ColdStarts != 0 {
		t.Errorf("stats = %+v", s)
	}
}

func TestPayloadTooLarge(t *testing.T) {
	p, _ := newTestPool(t, echoFunction("Big"))
	if _, err := p.Invoke(context.Background(), make([]byte, maxResponseBytes+1), InvokeOptions{}); !errors.Is(err, ErrPayloadTooLarge) {
		t.Errorf("err = %v", err)
	}
}
