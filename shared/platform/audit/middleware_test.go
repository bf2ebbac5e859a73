package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"holdfast/shared/platform/audit"
	"holdfast/shared/platform/authz"
	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/httpapi"
	"holdfast/shared/platform/lambdahttp"
	"holdfast/shared/platform/platformtest"
)

const testRoute = "POST /api/v1/things/{id}"

var mutating = authz.Policy{Action: "thing.create", Roles: []string{"customer"}, Mutating: true}

type thing struct {
	Name     string `json:"name"`
	Email    string `json:"email"`
	Password string `json:"password"`
}

// thingHandler names the entity, and fails with 422 when the name is "bad".
func thingHandler(context.Context, *httpapi.Deps) (httpapi.Handler, error) {
	return func(r *http.Request) (*httpapi.Response, error) {
		var in thing
		if err := httpapi.Decode(r, &in); err != nil {
			return nil, err
		}
		audit.SetEntity(r.Context(), "thing", r.PathValue("id"))
		if in.Name == "bad" {
			return nil, errs.Unprocessable("thing_rejected", "No.")
		}
		return httpapi.JSON(http.StatusCreated, map[string]string{"id": r.PathValue("id")})
	}, nil
}

func thingCall(body string) platformtest.Call {
	return platformtest.Call{
		Method: "POST", Path: "/api/v1/things/T-1", RouteKey: testRoute, PathParams: map[string]string{"id": "T-1"},
		Body: body, Sub: "alice", Roles: []string{"customer"},
		Headers: map[string]string{"User-Agent": "test-agent/1.0", "X-Correlation-Id": "corr-audit-1"},
	}
}

func onlyRecord(t *testing.T, d *httpapi.Deps) audit.Record {
	t.Helper()
	p, err := audit.NewStore(d.DynamoDB, d.Config.AuditTable, d.Clock).Query(context.Background(), audit.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) != 1 {
		t.Fatalf("want one audit record, got %d", len(p.Items))
	}
	return p.Items[0]
}

func TestDecoratorRecordsSuccess(t *testing.T) {
	clk := clock.NewFixed(time.Date(2025, 6, 1, 9, 30, 0, 0, time.UTC))
	d := platformtest.Deps(t, platformtest.Options{Clock: clk})
	fn, err := lambdahttp.Assemble(context.Background(), testRoute, mutating, d, thingHandler)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := fn.Invoke(context.Background(), thingCall(`{"name":"n","email":"alice@example.com","password":"hunter2"}`).Event())
	if err != nil || resp.StatusCode != 201 {
		t.Fatal(resp, err)
	}
	r := onlyRecord(t, d)
	if r.Action != "thing.create" || r.Route != testRoute || r.Actor.ID != "alice" || r.Actor.Roles[0] != "customer" ||
		r.SourceIP != "198.51.100.7" || r.UserAgent != "test-agent/1.0" || r.Outcome != audit.Success || r.Status != 201 ||
		r.ErrorCode != "" || r.Entity == nil || *r.Entity != (audit.Entity{Type: "thing", ID: "T-1"}) ||
		r.CorrelationID != "corr-audit-1" || !r.At.Equal(clk.Now(context.Background())) || r.DurationMs < 0 {
		t.Fatalf("%+v", r)
	}
	args := string(r.Arguments)
	for _, leak := range []string{"alice@example.com", "hunter2"} {
		if strings.Contains(args, leak) {
			t.Fatalf("arguments leak %q: %s", leak, args)
		}
	}
	var parsed map[string]map[string]string
	if err := json.Unmarshal(r.Arguments, &parsed); err != nil {
		t.Fatal(err)
	}
	if parsed["body"]["name"] != "n" || parsed["body"]["email"] != "[REDACTED]" || parsed["pathParameters"]["id"] != "T-1" {
		t.Fatalf("arguments %s", args)
	}
}

func TestDecoratorRecordsFailures(t *testing.T) {
	clk := clock.NewFixed(time.Date(2025, 6, 1, 9, 30, 0, 0, time.UTC))
	d := platformtest.Deps(t, platformtest.Options{Clock: clk})
	fn, err := lambdahttp.Assemble(context.Background(), testRoute, mutating, d, thingHandler)
	if err != nil {
		t.Fatal(err)
	}
	store := audit.NewStore(d.DynamoDB, d.Config.AuditTable, d.Clock)
	cases := []struct {
		body   string
		status int
		code   string
	}{
		{`{"name":"bad"}`, 422, "thing_rejected"},
		{`{"name":`, 400, errs.CodeMalformedJSON},
		{`{"nam":"x"}`, 400, errs.CodeUnknownField},
		{`not json at all with bob@example.com`, 400, errs.CodeMalformedJSON},
	}
	for i, c := range cases {
		clk.Advance(time.Second)
		resp, err := fn.Invoke(context.Background(), thingCall(c.body).Event())
		if err != nil || resp.StatusCode != c.status {
			t.Fatal(resp, err)
		}
		p, err := store.Query(context.Background(), audit.Query{})
		if err != nil || len(p.Items) != i+1 {
			t.Fatalf("%d records after %d calls: %v", len(p.Items), i+1, err)
		}
		r := p.Items[0]
		if r.Outcome != audit.Failed || r.ErrorCode != c.code || r.Status != c.status {
			t.Fatalf("%s: %+v", c.body, r)
		}
		if strings.Contains(string(r.Arguments), "bob@") {
			t.Fatalf("unparseable body stored raw: %s", r.Arguments)
		}
	}
}

func TestDeniedRequestsNeverReachTheDecorator(t *testing.T) {
	d := platformtest.Deps(t, platformtest.Options{})
	fn, err := lambdahttp.Assemble(context.Background(), testRoute, mutating, d, thingHandler)
	if err != nil {
		t.Fatal(err)
	}
	anon := thingCall(`{"name":"n"}`)
	anon.Sub, anon.Roles = "", nil
	wrong := thingCall(`{"name":"n"}`)
	wrong.Roles = []string{"auditor"}
	for want, c := range map[int]platformtest.Call{401: anon, 403: wrong} {
		resp, err := fn.Invoke(context.Background(), c.Event())
		if err != nil || resp.StatusCode != want {
			t.Fatal(resp, err)
		}
	}
	p, err := audit.NewStore(d.DynamoDB, d.Config.AuditTable, d.Clock).Query(context.Background(), audit.Query{})
	if err != nil || len(p.Items) != 0 {
		t.Fatalf("denied requests audited: %+v %v", p.Items, err)
	}
}

func TestFailedAuditWriteIsLoudButAnswerStands(t *testing.T) {
	var out bytes.Buffer
	d := platformtest.Deps(t, platformtest.Options{Out: &out, NoTables: true})
	fn, err := lambdahttp.Assemble(context.Background(), testRoute, mutating, d, thingHandler)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := fn.Invoke(context.Background(), thingCall(`{"name":"n"}`).Event())
	if err != nil || resp.StatusCode != 201 {
		t.Fatal(resp, err)
	}
	var sawLog, sawMetric bool
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("non-JSON output line %q", line)
		}
		if m["level"] == "ERROR" && m["msg"] == "audit write failed" && m["action"] == "thing.create" && m["correlationId"] == "corr-audit-1" {
			sawLog = true
		}
		if m[audit.MetricWriteFailed] == float64(1) && m["action"] == "thing.create" {
			if _, ok := m["_aws"]; ok {
				sawMetric = true
			}
		}
	}
	if !sawLog || !sawMetric {
		t.Fatalf("log %v metric %v in:\n%s", sawLog, sawMetric, out.String())
	}
}
