package localcloud

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"holdfast/shared/localcloud/lambdaruntime"
	"holdfast/shared/localcloud/stack"
	"holdfast/shared/platform/jwtauth"
)

func TestRouteMatchingPrefersSpecificRoutes(t *testing.T) {
	routes := compileRoutes([]stack.HTTPRoute{
		{Method: "GET", Path: "/api/v1/loans/{id}", Function: "Get"},
		{Method: "GET", Path: "/api/v1/loans/calculator", Function: "Calc"},
		{Method: "POST", Path: "/api/v1/loans/{id}/approve", Function: "Approve"},
		{Method: "GET", Path: "/board/{proxy+}", Function: "Board"},
		{Method: "ANY", Path: "/api/v1/any", Function: "Any"},
	})
	cases := []struct {
		method, path, fn string
		params           map[string]string
	}{
		{"GET", "/api/v1/loans/calculator", "Calc", map[string]string{}},
		{"GET", "/api/v1/loans/L1", "Get", map[string]string{"id": "L1"}},
		{"GET", "/api/v1/loans/a%20b", "Get", map[string]string{"id": "a b"}},
		{"POST", "/api/v1/loans/L1/approve", "Approve", map[string]string{"id": "L1"}},
		{"GET", "/board/D1/extra", "Board", map[string]string{"proxy": "D1/extra"}},
		{"DELETE", "/api/v1/any", "Any", map[string]string{}},
		{"POST", "/api/v1/loans/L1", "", nil},
		{"GET", "/api/v1/loans/L1/approve", "", nil},
		{"GET", "/api/v1/loans/", "", nil},
		{"GET", "/nope", "", nil},
	}
	for _, c := range cases {
		got, params := "", map[string]string(nil)
		for _, r := range routes {
			if p, ok := r.match(c.method, c.path); ok {
				got, params = r.Function, p
				break
			}
		}
		if got != c.fn || (c.fn != "" && fmt.Sprint(params) != fmt.Sprint(c.params)) {
			t.Errorf("%s %s → %q %v, want %q %v", c.method, c.path, got, params, c.fn, c.params)
		}
	}
}

func TestWriteLambdaResponse(t *testing.T) {
	rec := httptest.NewRecorder()
	writeLambdaResponse(rec, []byte(`{"statusCode":201,"headers":{"X-A":"1"},"multiValueHeaders":{"X-B":["2","3"]},"body":"aGk=","isBase64Encoded":true,"cookies":["c=1"]}`))
	if rec.Code != 201 || rec.Body.String() != "hi" || rec.Header().Get("X-A") != "1" || len(rec.Header().Values("X-B")) != 2 || rec.Header().Get("Set-Cookie") != "c=1" {
		t.Fatalf("got %d %q %v", rec.Code, rec.Body.String(), rec.Header())
	}
	rec = httptest.NewRecorder()
	writeLambdaResponse(rec, []byte(`{"hello":"world"}`))
	if rec.Code != 200 || rec.Body.String() != `{"hello":"world"}` {
		t.Fatalf("bare JSON: got %d %q", rec.Code, rec.Body.String())
	}
}

// gatewayFixture runs the empty Lambda behind a gateway with one public and one JWT route.
type gatewayFixture struct {
	srv    *httptest.Server
	issuer *jwtauth.DevIssuer
	mgr    *lambdaruntime.Manager
}

func buildEmpty(tb testing.TB) string {
	tb.Helper()
	dir := tb.TempDir()
	bin := filepath.Join(dir, "bootstrap")
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags", "-s -w", "-o", bin, "./testdata/empty")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("build empty lambda: %v\n%s", err, out)
	}
	return bin
}

func newGatewayFixture(tb testing.TB) *gatewayFixture {
	tb.Helper()
	iss, err := jwtauth.NewDevIssuer()
	if err != nil {
		tb.Fatal(err)
	}
	mgr := lambdaruntime.NewManager(io.Discard)
	if err := mgr.Add(lambdaruntime.Function{Name: "Empty", Bootstrap: buildEmpty(tb), Env: map[string]string{}, MaxConcurrency: 4}); err != nil {
		tb.Fatal(err)
	}
	clk := &Clock{}
	gw := &httpGateway{
		routes: compileRoutes([]stack.HTTPRoute{
			{Method: "GET", Path: "/public", Function: "Empty", Public: true},
			{Method: "POST", Path: "/things/{id}", Function: "Empty"},
		}),
		invoker: mgr, verifier: iss.Verifier(), clock: clk, apiID: "test", account: "123456789012", local: http.NotFoundHandler(),
	}
	f := &gatewayFixture{srv: httptest.NewServer(gw), issuer: iss, mgr: mgr}
	tb.Cleanup(func() { f.srv.Close(); mgr.Close() })
	return f
}

func TestGatewayChecksJWTsAndBuildsPayloadV2(t *testing.T) {
	f := newGatewayFixture(t)
	tok, _ := f.issuer.Mint(jwtauth.TokenSpec{Subject: "u1", Roles: []string{"customer", "admin"}})
	expired, _ := f.issuer.Mint(jwtauth.TokenSpec{Subject: "u1", Now: time.Now().Add(-2 * time.Hour), TTL: time.Hour})
	wrongAud, _ := f.issuer.Mint(jwtauth.TokenSpec{Subject: "u1", Audience: "other"})
	do := func(method, path, auth, body string) (*http.Response, map[string]any) {
		req, _ := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return resp, m
	}
	for name, auth := range map[string]string{"missing": "", "expired": "Bearer " + expired, "wrong audience": "Bearer " + wrongAud, "garbage": "Bearer x.y.z"} {
		resp, m := do("POST", "/things/1", auth, "{}")
		if resp.StatusCode != 401 || m["message"] != "Unauthorized" {
			t.Errorf("%s: %d %v", name, resp.StatusCode, m)
		}
	}
	resp, m := do("POST", "/things/T%2F1?a=1&a=2", "Bearer "+tok, `{"x":1}`)
	if resp.StatusCode != 200 {
		t.Fatalf("authorized call: %d %v", resp.StatusCode, m)
	}
	claims := m["claims"].(map[string]any)
	if m["routeKey"] != "POST /things/{id}" || m["pathParameters"].(map[string]any)["id"] != "T/1" || claims["roles"] != "[customer admin]" || claims["sub"] != "u1" {
		t.Fatalf("payload seen by the function: %v", m)
	}
	if m["query"].(map[string]any)["a"] != "1,2" || m["body"] != `{"x":1}` || m["now"] == "" || m["sourceIp"] != "127.0.0.1" {
		t.Fatalf("payload seen by the function: %v", m)
	}
	if got := resp.Header.Values("X-Multi"); len(got) != 2 {
		t.Fatalf("multi-value headers: %v", got)
	}
	if resp, _ := do("GET", "/public", "", ""); resp.StatusCode != 200 {
		t.Fatalf("public route: %d", resp.StatusCode)
	}
	if resp, m := do("GET", "/missing", "", ""); resp.StatusCode != 404 || m["message"] != "Not Found" {
		t.Fatalf("unknown route: %d %v", resp.StatusCode, m)
	}
}

// BenchmarkGatewayOverhead is the local cloud's own cost per HTTP request: gateway routing,
// JWT check and payload building, plus the Runtime API hop, around an empty handler.
func BenchmarkGatewayOverhead(b *testing.B) {
	f := newGatewayFixture(b)
	tok, _ := f.issuer.Mint(jwtauth.TokenSpec{Subject: "u1", Roles: []string{"customer"}})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	do := func(path string, method string) time.Duration {
		req, _ := http.NewRequest(method, f.srv.URL+path, strings.NewReader("{}"))
		req.Header.Set("Authorization", "Bearer "+tok)
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return time.Since(start)
	}
	for i := 0; i < 50; i++ { // warm the instance and the connection pool
		do("/things/1", "POST")
	}
	for _, c := range []struct{ name, path, method string }{{"public", "/public", "GET"}, {"jwt", "/things/1", "POST"}} {
		b.Run(c.name, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				lat = append(lat, do(c.path, c.method))
			}
			b.StopTimer()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
		})
	}
}
