package lambdahttp_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"holdfast/shared/localcloud/emulator/emulatortest"
	"holdfast/shared/platform/audit"
	"holdfast/shared/platform/authz"
	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/config"
	"holdfast/shared/platform/httpapi"
	"holdfast/shared/platform/idempotency"
	"holdfast/shared/platform/lambdahttp"
	"holdfast/shared/platform/platformtest"
)

func TestMain(m *testing.M) { emulatortest.Main(m) }

func echoNow(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
	return func(r *http.Request) (*httpapi.Response, error) {
		return httpapi.JSON(200, map[string]string{"now": d.Clock.Now(r.Context()).Format(time.RFC3339Nano)})
	}, nil
}

func TestNewRefusesRoutesWithoutPolicyOrTables(t *testing.T) {
	d := platformtest.Deps(t, platformtest.Options{NoTables: true})
	if _, err := lambdahttp.New(context.Background(), "GET /api/v1/unlisted", d, echoNow); err == nil {
		t.Fatal("a route without a policy started")
	}
	noTables := *d
	noTables.Config = config.Config{RolesClaim: "roles", TenantClaim: "tenant"}
	p := authz.Policy{Action: "x.y", Roles: []string{"customer"}, Mutating: true}
	if _, err := lambdahttp.Assemble(context.Background(), "POST /x", p, &noTables, echoNow); err == nil || !strings.Contains(err.Error(), "AUDIT_TABLE") {
		t.Fatalf("mutating route without audit table: %v", err)
	}
	p = authz.Policy{Action: "x.y", Roles: []string{"customer"}, Idempotency: authz.IdempotencyOptional}
	if _, err := lambdahttp.Assemble(context.Background(), "POST /x", p, &noTables, echoNow); err == nil || !strings.Contains(err.Error(), "IDEMPOTENCY_TABLE") {
		t.Fatalf("idempotent route without table: %v", err)
	}
}

func TestLocalClockTravelsThroughTheChain(t *testing.T) {
	for _, c := range []struct {
		mode  config.Mode
		moved bool
	}{{config.ModeLocal, true}, {config.ModeAWS, false}} {
		d := platformtest.Deps(t, platformtest.Options{Clock: clock.ForMode(c.mode), NoTables: true})
		fn, err := lambdahttp.New(context.Background(), "GET /api/v1/health", d, echoNow)
		if err != nil {
			t.Fatal(err)
		}
		ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{
			ClientContext: lambdacontext.ClientContext{Custom: map[string]string{clock.ClientContextKey: "2030-01-02T03:04:05.000000006Z"}},
		})
		resp, err := fn.Invoke(ctx, platformtest.Call{Path: "/api/v1/health"}.Event())
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]string
		platformtest.JSON(t, resp, &body)
		if moved := body["now"] == "2030-01-02T03:04:05.000000006Z"; moved != c.moved {
			t.Fatalf("mode %s: now %s", c.mode, body["now"])
		}
	}
}

func TestMisroutedInvocationFailsClosed(t *testing.T) {
	d := platformtest.Deps(t, platformtest.Options{NoTables: true})
	fn, err := lambdahttp.New(context.Background(), "GET /api/v1/health", d, echoNow)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := fn.Invoke(context.Background(), platformtest.Call{Path: "/api/v1/audit", RouteKey: "GET /api/v1/audit"}.Event())
	if err != nil || resp.StatusCode != 500 || resp.Headers["X-Correlation-Id"] == "" {
		t.Fatalf("%+v %v", resp, err)
	}
}

func TestUnreadableEventIsAProblemNotACrash(t *testing.T) {
	d := platformtest.Deps(t, platformtest.Options{NoTables: true})
	fn, err := lambdahttp.New(context.Background(), "GET /api/v1/health", d, echoNow)
	if err != nil {
		t.Fatal(err)
	}
	ev := platformtest.Call{Path: "/api/v1/health", Body: "%%%not base64", Headers: map[string]string{"X-Correlation-Id": "c-77"}}.Event()
	ev.IsBase64Encoded = true
	resp, err := fn.Invoke(context.Background(), ev)
	if err != nil || resp.StatusCode != 400 || resp.Headers["X-Correlation-Id"] != "c-77" || !strings.Contains(resp.Body, `"correlationId":"c-77"`) {
		t.Fatalf("%+v %v", resp, err)
	}
}

// TestChainOrder: authz runs before audit (denials are not audited), audit before
// idempotency (a missing key is audited as a failure), idempotency before the handler.
func TestChainOrder(t *testing.T) {
	d := platformtest.Deps(t, platformtest.Options{})
	runs := 0
	p := authz.Policy{Action: "order.place", Roles: []string{"customer"}, Mutating: true, Idempotency: authz.IdempotencyRequired}
	fn, err := lambdahttp.Assemble(context.Background(), "POST /api/v1/orders", p, d, func(context.Context, *httpapi.Deps) (httpapi.Handler, error) {
		return func(*http.Request) (*httpapi.Response, error) { runs++; return httpapi.Empty(204), nil }, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	call := func(sub string, key string) int {
		c := platformtest.Call{Method: "POST", Path: "/api/v1/orders", Body: `{}`, Sub: sub, Roles: []string{"customer"}}
		if key != "" {
			c.Headers = map[string]string{idempotency.HeaderKey: key}
		}
		resp, err := fn.Invoke(context.Background(), c.Event())
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode
	}
	if s := call("", "k"); s != 401 {
		t.Fatal(s)
	}
	if s := call("alice", ""); s != 400 {
		t.Fatal(s)
	}
	if s := call("alice", "k"); s != 204 {
		t.Fatal(s)
	}
	if s := call("alice", "k"); s != 204 || runs != 1 {
		t.Fatal(s, runs)
	}
	page, err := audit.NewStore(d.DynamoDB, d.Config.AuditTable, d.Clock).Query(context.Background(), audit.Query{Actor: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]int{}
	for _, r := range page.Items {
		codes[r.ErrorCode]++
	}
	if len(page.Items) != 3 || codes["idempotency_key_required"] != 1 || codes[""] != 2 {
		t.Fatalf("audit records %+v", page.Items)
	}
	all, _ := audit.NewStore(d.DynamoDB, d.Config.AuditTable, d.Clock).Query(context.Background(), audit.Query{})
	if len(all.Items) != 3 {
		t.Fatalf("the 401 was audited: %d records", len(all.Items))
	}
}

// TestARouteThatAnswersForItsKeyGetsNoChainRecord: under IdempotencyRequiredByRoute the chain
// installs no idempotency middleware — the function starts without IDEMPOTENCY_TABLE, a
// repeated key reaches the handler every time (the route's own record answers), and a missing
// key reaches the handler too, which must refuse it with idempotency.RequireKey.
func TestARouteThatAnswersForItsKeyGetsNoChainRecord(t *testing.T) {
	d := platformtest.Deps(t, platformtest.Options{NoTables: true})
	noIdem := *d
	noIdem.Config = config.Config{RolesClaim: "roles", TenantClaim: "tenant"}
	p := authz.Policy{Action: "x.send", Roles: []string{"service"}, Idempotency: authz.IdempotencyRequiredByRoute}
	runs := 0
	fn, err := lambdahttp.Assemble(context.Background(), "POST /x", p, &noIdem, func(context.Context, *httpapi.Deps) (httpapi.Handler, error) {
		return func(r *http.Request) (*httpapi.Response, error) {
			runs++
			if _, err := idempotency.RequireKey(r); err != nil {
				return nil, err
			}
			return httpapi.Empty(204), nil
		}, nil
	})
	if err != nil {
		t.Fatalf("a route that answers for its own key needed the chain's table: %v", err)
	}
	call := func(key string) int {
		c := platformtest.Call{Method: "POST", Path: "/x", Body: `{}`, Sub: "svc", Roles: []string{"service"}, Tenant: "t1"}
		if key != "" {
			c.Headers = map[string]string{idempotency.HeaderKey: key}
		}
		resp, err := fn.Invoke(context.Background(), c.Event())
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode
	}
	if s1, s2 := call("k"), call("k"); s1 != 204 || s2 != 204 || runs != 2 {
		t.Fatalf("same key twice: %d %d, handler ran %d times (want 2: no chain replay)", s1, s2, runs)
	}
	if s := call(""); s != 400 || runs != 3 {
		t.Fatalf("no key: %d, handler ran %d times", s, runs)
	}
}
