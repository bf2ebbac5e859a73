// Package e2e drives the whole system through the local cloud over real HTTP and WebSocket,
// as a client would: real bootstraps, real emulator, no in-process shortcuts.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"holdfast/shared/localcloud"
	"holdfast/shared/platform/jwtauth"
)

var (
	cloud   *localcloud.Cloud
	awsCfg  aws.Config
	fnLogs  = &syncBuffer{}
	repoDir string
)

// syncBuffer collects every function's log output so tests can read what was logged.
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

func TestMain(m *testing.M) {
	_, file, _, _ := runtime.Caller(0)
	repoDir = filepath.Join(filepath.Dir(file), "..", "..")
	bins, _ := filepath.Glob(filepath.Join(repoDir, ".build", "host", "*", "bootstrap"))
	fns, _ := filepath.Glob(filepath.Join(repoDir, "functions", "*"))
	if len(bins) < len(fns) {
		fmt.Fprintf(os.Stderr, "FAIL: %d of %d function binaries are built; run `make build-host` (make test does it first)\n", len(bins), len(fns))
		os.Exit(1)
	}
	state, err := os.MkdirTemp("", "holdfast-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		os.Exit(1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	cloud, err = localcloud.Start(ctx, localcloud.Options{
		TemplatePath: filepath.Join(repoDir, "template.yaml"),
		BinDir:       filepath.Join(repoDir, ".build", "host"),
		StateDir:     state,
		HTTPAddr:     "127.0.0.1:0",
		WSAddr:       "127.0.0.1:0",
		Version:      "e2e",
		FunctionLogs: fnLogs,
		Log:          slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: start the local cloud:", err)
		os.Exit(1)
	}
	awsCfg, err = cloud.Emulator.AWSConfig(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		os.Exit(1)
	}
	code := m.Run()
	if code != 0 {
		reportFunctionLogs()
	}
	cloud.Close()
	os.RemoveAll(state)
	os.Exit(code)
}

func token(t testing.TB, sub string, roles ...string) string {
	t.Helper()
	return mint(t, cloud.Issuer, sub, roles...)
}

// localCall calls one of the local cloud's /__local/ endpoints as its admin.
func localCall(t testing.TB, method, path string, body any) response {
	t.Helper()
	return call(t, method, path, token(t, "local-admin", localcloud.LocalAdminRole), body)
}

// mint signs a token with a cloud's dev issuer.
func mint(t testing.TB, iss *jwtauth.DevIssuer, sub string, roles ...string) string {
	t.Helper()
	tok, err := iss.Mint(jwtauth.TokenSpec{Subject: sub, Roles: roles})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// response is what a call returned.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.Body)
	}
	return m
}

// call sends a request to the HTTP API. body may be nil, a string (sent as is) or a value
// (sent as JSON).
func call(t testing.TB, method, path, tok string, body any, headers ...string) response {
	t.Helper()
	return callAt(t, cloud.HTTPURL(), method, path, tok, body, headers...)
}

// callAt is call against the HTTP API at base (a cloud of a test's own).
func callAt(t testing.TB, base, method, path, tok string, body any, headers ...string) response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	out := response{Status: resp.StatusCode, Header: resp.Header, Body: b}
	if strings.HasPrefix(path, "/api/") && !strings.HasSuffix(path, "openapi.yaml") {
		checkAgainstSpec(t, req, out)
	}
	return out
}

func uniq(prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano())
}

func expiredToken(t testing.TB) string {
	t.Helper()
	tok, err := cloud.Issuer.Mint(jwtauth.TokenSpec{Subject: "x", Roles: []string{"customer"}, Now: time.Now().Add(-3 * time.Hour), TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// reportFunctionLogs runs after a failure: it keeps every function's log in a file and prints
// the last warnings and errors, so a failure seen only in CI can still be explained.
func reportFunctionLogs() {
	all := fnLogs.String()
	if os.Getenv("E2E_DUMP_LOGS") != "" {
		fmt.Fprintln(os.Stderr, all)
	}
	if f, err := os.CreateTemp("", "holdfast-e2e-functions-*.log"); err == nil {
		_, _ = f.WriteString(all)
		_ = f.Close()
		fmt.Fprintln(os.Stderr, "function logs kept in", f.Name())
	}
	var bad []string
	for _, line := range strings.Split(all, "\n") {
		if strings.Contains(line, `"level":"WARN"`) || strings.Contains(line, `"level":"ERROR"`) {
			bad = append(bad, line)
		}
	}
	const keep = 40
	if len(bad) > keep {
		fmt.Fprintf(os.Stderr, "(%d earlier warnings and errors omitted)\n", len(bad)-keep)
		bad = bad[len(bad)-keep:]
	}
	for _, line := range bad {
		if len(line) > 600 {
			line = line[:600] + "…"
		}
		fmt.Fprintln(os.Stderr, line)
	}
}
