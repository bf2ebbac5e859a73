package httpapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"holdfast/shared/platform/correlation"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/identity"
	"holdfast/shared/platform/logging"
	"holdfast/shared/platform/problem"
)

// invoke runs h behind Serve and Claims through the real aws-lambda-go-api-proxy adapter.
func invoke(t *testing.T, h Handler, ev events.APIGatewayV2HTTPRequest, trusted ...netip.Prefix) (events.APIGatewayV2HTTPResponse, string) {
	t.Helper()
	var logs bytes.Buffer
	srv := Serve(ServeOptions{Route: "POST /t", Logger: logging.New(&logs, slog.LevelInfo, "fn"), TrustedProxies: trusted},
		Chain(h, Claims("roles", "tenant", nil)))
	if ev.RequestContext.HTTP.Method == "" {
		ev.RequestContext.HTTP.Method = http.MethodPost
	}
	if ev.RawPath == "" {
		ev.RawPath = "/t"
	}
	resp, err := httpadapter.NewV2(srv).ProxyWithContext(WithEvent(context.Background(), &ev), ev)
	if err != nil {
		t.Fatal(err)
	}
	return resp, logs.String()
}

func ok(r *http.Request) (*Response, error) { return JSON(200, map[string]string{"ok": "yes"}) }

func TestCorrelationIDAcceptedOrGeneratedAndAlwaysEchoed(t *testing.T) {
	var seen string
	h := func(r *http.Request) (*Response, error) {
		seen = correlation.FromContext(r.Context())
		return nil, errs.NotFound("")
	}
	cases := []struct {
		sent string
		keep bool
	}{{"abc-123:x.y_z", true}, {"", false}, {"bad id!", false}, {strings.Repeat("a", 129), false}}
	for _, c := range cases {
		ev := events.APIGatewayV2HTTPRequest{Headers: map[string]string{}}
		if c.sent != "" {
			ev.Headers["x-correlation-id"] = c.sent
		}
		resp, _ := invoke(t, h, ev)
		got := resp.Headers[correlation.Header]
		if got != seen || !correlation.Valid(got) || (c.keep && got != c.sent) || (!c.keep && got == c.sent) {
			t.Errorf("sent %q: header %q ctx %q", c.sent, got, seen)
		}
		var doc problem.Document
		if err := json.Unmarshal([]byte(resp.Body), &doc); err != nil || doc.CorrelationID != got {
			t.Errorf("problem body correlationId %q header %q (%v)", doc.CorrelationID, got, err)
		}
		if resp.StatusCode != 404 || resp.Headers["Content-Type"] != problem.ContentType {
			t.Errorf("%d %v", resp.StatusCode, resp.Headers)
		}
	}
}

func TestErrorsAndPanicsNeverLeak(t *testing.T) {
	cases := map[string]Handler{
		"error": func(*http.Request) (*Response, error) {
			return nil, errors.New("AccessDeniedException: arn:aws:iam::123:role/x")
		},
		"panic": func(*http.Request) (*Response, error) { panic("secret panic text") },
		"nil":   func(*http.Request) (*Response, error) { return nil, nil },
	}
	for name, h := range cases {
		resp, logs := invoke(t, h, events.APIGatewayV2HTTPRequest{})
		if resp.StatusCode != 500 || strings.Contains(resp.Body, "arn:") || strings.Contains(resp.Body, "secret panic") {
			t.Errorf("%s: %d %s", name, resp.StatusCode, resp.Body)
		}
		if !strings.Contains(logs, `"level":"ERROR"`) {
			t.Errorf("%s: failure not logged: %s", name, logs)
		}
	}
}

func TestResponseHeaders(t *testing.T) {
	resp, logs := invoke(t, ok, events.APIGatewayV2HTTPRequest{})
	if resp.StatusCode != 200 || resp.Body != `{"ok":"yes"}` || resp.Headers["Content-Type"] != "application/json" ||
		resp.Headers["Cache-Control"] != "no-store" || resp.Headers["X-Content-Type-Options"] != "nosniff" {
		t.Fatalf("%+v", resp)
	}
	var line map[string]any
	if err := json.Unmarshal([]byte(strings.TrimSpace(logs)), &line); err != nil || line["status"] != float64(200) || line["route"] != "POST /t" {
		t.Fatalf("access log %q %v", logs, err)
	}
}

func TestClaimsFromRequestContext(t *testing.T) {
	var got identity.Principal
	h := func(r *http.Request) (*Response, error) {
		got = identity.FromContext(r.Context())
		return Empty(204), nil
	}
	token := "Bearer e30." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"user-1","roles":["customer","admin"]}`)) + ".c2ln"
	ev := events.APIGatewayV2HTTPRequest{Headers: map[string]string{"authorization": token},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
				JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{
					"sub": "user-1", "roles": "[customer admin]", "tenant": "t-1"}},
			}}}
	if resp, _ := invoke(t, h, ev); resp.StatusCode != 204 {
		t.Fatal(resp)
	}
	if got.Subject != "user-1" || !got.HasRole("admin") || !got.HasRole("customer") || got.Tenant != "t-1" {
		t.Fatalf("%+v", got)
	}
	got = identity.Principal{}
	delete(ev.Headers, "authorization")
	if resp, _ := invoke(t, h, ev); resp.StatusCode != 401 || got.Authenticated() {
		t.Fatalf("claims without a bearer token: %d %+v", resp.StatusCode, got)
	}
	invoke(t, h, events.APIGatewayV2HTTPRequest{})
	if got.Authenticated() {
		t.Fatalf("no authorizer must be anonymous: %+v", got)
	}
}

func TestClientAndPathParams(t *testing.T) {
	var c Client
	var id, idHeader string
	h := func(r *http.Request) (*Response, error) {
		c = ClientFrom(r.Context())
		id = r.PathValue("id")
		idHeader = Header(r, "Idempotency-Key")
		return Empty(204), nil
	}
	ev := events.APIGatewayV2HTTPRequest{
		PathParameters: map[string]string{"id": "loan-7"},
		Headers: map[string]string{"x-forwarded-for": "6.6.6.6, 203.0.113.9, 10.0.0.2", "user-agent": "curl/8",
			"idempotency-key": "a, b"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{SourceIP: "10.0.0.1"}},
	}
	invoke(t, h, ev, netip.MustParsePrefix("10.0.0.0/8"))
	if c.IP != "203.0.113.9" || c.UserAgent != "curl/8" || id != "loan-7" || idHeader != "a, b" {
		t.Fatalf("%+v %q %q", c, id, idHeader)
	}
}

func TestSourceIP(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8::/32")}
	cases := []struct {
		name, src, xff, want string
	}{
		{"no proxy configured path", "198.51.100.1", "1.2.3.4", "198.51.100.1"},
		{"untrusted source ignores xff", "198.51.100.1", "1.2.3.4, 10.0.0.3", "198.51.100.1"},
		{"trusted source, one hop", "10.1.1.1", "203.0.113.5", "203.0.113.5"},
		{"right-most untrusted wins over forged left", "10.1.1.1", "1.1.1.1, 203.0.113.5, 10.2.2.2", "203.0.113.5"},
		{"all trusted takes left-most", "10.1.1.1", "10.9.9.9, 10.2.2.2", "10.9.9.9"},
		{"garbage stops the walk", "10.1.1.1", "1.1.1.1, junk, 10.2.2.2", "10.2.2.2"},
		{"ports and spaces", "10.1.1.1", " 203.0.113.5:443 ", "203.0.113.5"},
		{"ipv6", "2001:db8::1", "2001:db8::2, [2001:db9::7]:80", "2001:db9::7"},
		{"mapped v4 source", "::ffff:10.1.1.1", "203.0.113.5", "203.0.113.5"},
		{"empty xff", "10.1.1.1", "", "10.1.1.1"},
		{"unparseable source", "nonsense", "203.0.113.5", "nonsense"},
	}
	for _, c := range cases {
		if got := SourceIP(c.src, c.xff, trusted); got != c.want {
			t.Errorf("%s: got %s want %s", c.name, got, c.want)
		}
	}
	if got := SourceIP("10.1.1.1", "203.0.113.5", nil); got != "10.1.1.1" {
		t.Errorf("no trusted proxies: %s", got)
	}
}

func TestChainOrderAndOutcome(t *testing.T) {
	var order []string
	mw := func(name string) Middleware {
		return func(next Handler) Handler {
			return func(r *http.Request) (*Response, error) {
				order = append(order, name)
				return next(r)
			}
		}
	}
	h := Chain(ok, mw("a"), mw("b"), mw("c"))
	if _, err := h(&http.Request{}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(order, "") != "abc" {
		t.Fatal(order)
	}
	if s, c := Outcome(nil, errs.Conflict("x", "y")); s != 409 || c != "x" {
		t.Fatal(s, c)
	}
	if s, c := Outcome(Empty(201), nil); s != 201 || c != "" {
		t.Fatal(s, c)
	}
	if s, _ := Outcome(nil, nil); s != 500 {
		t.Fatal(s)
	}
}
