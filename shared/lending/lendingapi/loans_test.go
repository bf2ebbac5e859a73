package lendingapi_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"holdfast/shared/lending/lendingapi"
	"holdfast/shared/platform/authz"
	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/httpapi"
	"holdfast/shared/platform/identity"
	"holdfast/shared/platform/lambdahttp"
	"holdfast/shared/platform/platformtest"
	"holdfast/shared/platform/problem"
)

var lendingRoutes = map[string][]string{
	"POST /api/v1/loans":                       {identity.RoleCustomer},
	"GET /api/v1/loans":                        {identity.RoleCustomer},
	"GET /api/v1/loans/{id}":                   {identity.RoleCustomer, identity.RoleApprover, identity.RoleAdmin, identity.RoleAuditor},
	"POST /api/v1/loans/{id}/approve":          {identity.RoleApprover},
	"POST /api/v1/loans/{id}/reject":           {identity.RoleApprover},
	"POST /api/v1/loans/{id}/cancel":           {identity.RoleCustomer, identity.RoleAdmin},
	"GET /api/v1/loans/{id}/timeline":          {identity.RoleCustomer, identity.RoleApprover, identity.RoleAdmin, identity.RoleAuditor},
	"GET /api/v1/loans/{id}/schedule":          {identity.RoleCustomer, identity.RoleApprover, identity.RoleAdmin, identity.RoleAuditor},
	"GET /api/v1/loan-calculator":              identity.AllRoles(),
	"POST /api/v1/loans/{id}/repayments":       {identity.RoleCustomer},
	"GET /api/v1/loans/{id}/foreclosure-quote": {identity.RoleCustomer},
	"POST /api/v1/loans/{id}/foreclosure":      {identity.RoleCustomer},
	"GET /api/v1/fraud/alerts":                 {identity.RoleAdmin},
	"GET /api/v1/approvals":                    {identity.RoleApprover, identity.RoleAdmin},
}

// TestLendingRoutesRoleWalk walks every lending route × every role (and anonymous): the policy
// table allows exactly the expected roles; writes are audited; money routes need a key.
func TestLendingRoutesRoleWalk(t *testing.T) {
	for rk, allowed := range lendingRoutes {
		p, ok := authz.Lookup(rk)
		if !ok {
			t.Fatalf("%s has no policy", rk)
		}
		if err := authz.Decide(p, identity.Principal{}, nil); (err == nil) != p.Public {
			t.Errorf("%s anonymous: %v", rk, err)
		}
		for _, role := range identity.AllRoles() {
			err := authz.Decide(p, identity.Principal{Subject: "u", Roles: []string{role}}, nil)
			if want := slices.Contains(allowed, role); (err == nil) != want {
				t.Errorf("%s as %s: %v (want allowed=%v)", rk, role, err, want)
			}
		}
		if strings.HasPrefix(rk, "POST ") != p.Mutating {
			t.Errorf("%s: mutating %v", rk, p.Mutating)
		}
	}
	for _, rk := range []string{"POST /api/v1/loans/{id}/repayments", "POST /api/v1/loans/{id}/foreclosure"} {
		if p, _ := authz.Lookup(rk); p.Idempotency != authz.IdempotencyRequired {
			t.Errorf("%s must require an Idempotency-Key", rk)
		}
	}
}

type loanEnv struct {
	d   *httpapi.Deps
	fns map[string]*lambdahttp.Function
}

func loanSetup(t *testing.T) *loanEnv {
	t.Helper()
	e := &loanEnv{d: platformtest.Deps(t, platformtest.Options{Clock: clock.NewFixed(time.Date(2025, 5, 5, 5, 5, 5, 0, time.UTC))}),
		fns: map[string]*lambdahttp.Function{}}
	for rk, b := range map[string]lambdahttp.Build{
		"POST /api/v1/loans": lendingapi.Apply, "POST /api/v1/loans/{id}/approve": lendingapi.Approve,
		"POST /api/v1/loans/{id}/reject": lendingapi.Reject, "POST /api/v1/loans/{id}/cancel": lendingapi.Cancel,
		"POST /api/v1/loans/{id}/repayments": lendingapi.Repay, "POST /api/v1/loans/{id}/foreclosure": lendingapi.Foreclose,
		"GET /api/v1/loans/{id}": lendingapi.GetLoan, "GET /api/v1/loan-calculator": lendingapi.Calculator,
		"GET /api/v1/approvals": lendingapi.ReviewQueue, "GET /api/v1/loans": lendingapi.ListLoans,
		"GET /api/v1/loans/{id}/timeline": lendingapi.Timeline, "GET /api/v1/fraud/alerts": lendingapi.FraudAlerts,
	} {
		fn, err := lambdahttp.New(context.Background(), rk, e.d, b)
		if err != nil {
			t.Fatal(err)
		}
		e.fns[rk] = fn
	}
	return e
}

func (e *loanEnv) call(t *testing.T, rk, id string, c platformtest.Call) events.APIGatewayV2HTTPResponse {
	t.Helper()
	method, path, _ := strings.Cut(rk, " ")
	c.Method, c.RouteKey = method, rk
	c.Path = strings.ReplaceAll(path, "{id}", id)
	if strings.Contains(path, "{id}") {
		c.PathParams = map[string]string{"id": id}
	}
	resp, err := e.fns[rk].Invoke(context.Background(), c.Event())
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func (e *loanEnv) lendingItems(t *testing.T) int {
	t.Helper()
	return (&env{d: e.d}).lendingItems(t)
}

// TestLoanWriteRoutesRejectBadInput: malformed, missing, oversize, unauthorized and hostile
// input on every write route → 400 (naming the field) / 401 / 403 / 404, and nothing written.
func TestLoanWriteRoutesRejectBadInput(t *testing.T) {
	e := loanSetup(t)
	cust := platformtest.Call{Sub: "alice", Roles: []string{"customer"}}
	appr := platformtest.Call{Sub: "bob", Roles: []string{"approver"}}
	apply := e.call(t, "POST /api/v1/loans", "", withBody(cust, `{"principal":"5000.00","tenureMonths":6,"purpose":"bike"}`))
	if apply.StatusCode != 202 {
		t.Fatalf("apply %d %s", apply.StatusCode, apply.Body)
	}
	var loan struct{ ID string }
	json.Unmarshal([]byte(apply.Body), &loan)
	base := e.lendingItems(t)
	key := map[string]string{"Idempotency-Key": "k-1"}
	huge := `{"purpose":"` + strings.Repeat("x", 65*1024) + `"}`
	cases := []struct {
		name, rk, id string
		c            platformtest.Call
		status       int
		field        string
	}{
		{"apply malformed", "POST /api/v1/loans", "", withBody(cust, `{"principal":`), 400, ""},
		{"apply missing", "POST /api/v1/loans", "", withBody(cust, `{}`), 400, "principal"},
		{"apply oversize", "POST /api/v1/loans", "", withBody(cust, huge), 400, ""},
		{"apply hostile", "POST /api/v1/loans", "", withBody(cust, `{"principal":"1e9","tenureMonths":6,"purpose":"x"}`), 400, "principal"},
		{"apply control chars", "POST /api/v1/loans", "", withBody(cust, `{"principal":"5000","tenureMonths":6,"purpose":"a\u0007b"}`), 400, "purpose"},
		{"apply unauthenticated", "POST /api/v1/loans", "", platformtest.Call{Body: `{}`}, 401, ""},
		// The applicant is always the caller: naming another would let an approver file a loan
		// for someone else and then approve it as not its applicant.
		{"apply for someone else", "POST /api/v1/loans", "", withBody(platformtest.Call{Sub: "alice", Roles: []string{"customer", "approver"}},
			`{"principal":"5000.00","tenureMonths":6,"purpose":"bike","userId":"bob"}`), 400, "userId"},
		{"approve wrong role", "POST /api/v1/loans/{id}/approve", loan.ID, withBody(cust, `{}`), 403, ""},
		{"approve bad id", "POST /api/v1/loans/{id}/approve", "x/../y", withBody(appr, `{}`), 400, "id"},
		{"approve malformed", "POST /api/v1/loans/{id}/approve", loan.ID, withBody(appr, `{"note":`), 400, ""},
		{"approve missing loan", "POST /api/v1/loans/{id}/approve", "nope", withBody(appr, `{}`), 404, ""},
		{"approve not assessed", "POST /api/v1/loans/{id}/approve", loan.ID, withBody(appr, `{}`), 409, ""},
		{"reject missing note", "POST /api/v1/loans/{id}/reject", loan.ID, withBody(appr, `{}`), 400, "note"},
		{"reject oversize note", "POST /api/v1/loans/{id}/reject", loan.ID, withBody(appr, `{"note":"`+strings.Repeat("n", 501)+`"}`), 400, "note"},
		{"cancel someone else's", "POST /api/v1/loans/{id}/cancel", loan.ID, withBody(platformtest.Call{Sub: "mallory", Roles: []string{"customer"}}, `{}`), 403, ""},
		{"cancel unknown field", "POST /api/v1/loans/{id}/cancel", loan.ID, withBody(cust, `{"state":"CANCELLED"}`), 400, "state"},
		{"repay no key", "POST /api/v1/loans/{id}/repayments", loan.ID, withBody(cust, `{}`), 400, "Idempotency-Key"},
		{"repay bad installment", "POST /api/v1/loans/{id}/repayments", loan.ID, withHeaders(withBody(cust, `{"installmentNo":-1}`), key), 400, "installmentNo"},
		{"repay wrong type", "POST /api/v1/loans/{id}/repayments", loan.ID, withHeaders(withBody(cust, `{"installmentNo":"1"}`), map[string]string{"Idempotency-Key": "k-5"}), 400, "installmentNo"},
		{"repay not active", "POST /api/v1/loans/{id}/repayments", loan.ID, withHeaders(withBody(cust, `{"installmentNo":1}`), map[string]string{"Idempotency-Key": "k-2"}), 409, ""},
		{"foreclose missing quote", "POST /api/v1/loans/{id}/foreclosure", loan.ID, withHeaders(withBody(cust, `{}`), map[string]string{"Idempotency-Key": "k-3"}), 400, "quoteId"},
		{"foreclose someone else's", "POST /api/v1/loans/{id}/foreclosure", loan.ID, withHeaders(withBody(platformtest.Call{Sub: "mallory", Roles: []string{"customer"}}, `{"quoteId":"fq-1"}`), map[string]string{"Idempotency-Key": "k-4"}), 403, ""},
	}
	for _, c := range cases {
		resp := e.call(t, c.rk, c.id, c.c)
		if resp.StatusCode != c.status {
			t.Errorf("%s: %d %s", c.name, resp.StatusCode, resp.Body)
			continue
		}
		if c.field != "" {
			var doc problem.Document
			json.Unmarshal([]byte(resp.Body), &doc)
			if len(doc.Errors) == 0 || doc.Errors[0].Field != c.field {
				t.Errorf("%s: problem does not name %s: %s", c.name, c.field, resp.Body)
			}
		}
		if strings.Contains(resp.Body, "Exception") || strings.Contains(resp.Body, "goroutine") {
			t.Errorf("%s leaks internals: %s", c.name, resp.Body)
		}
	}
	if n := e.lendingItems(t); n != base {
		t.Fatalf("bad input wrote %d items", n-base)
	}
	got := e.call(t, "GET /api/v1/loans/{id}", loan.ID, cust)
	if !strings.Contains(got.Body, `"state":"SUBMITTED"`) || !strings.Contains(got.Body, `"version":1`) {
		t.Fatalf("loan changed: %s", got.Body)
	}
}

func TestCalculatorRoute(t *testing.T) {
	e := loanSetup(t)
	ok := e.call(t, "GET /api/v1/loan-calculator", "", platformtest.Call{Query: "principal=100000&annualRate=12&tenureMonths=12&startDate=2025-01-31"})
	if ok.StatusCode != 200 || !strings.Contains(ok.Body, `"emi":"8884.88"`) || !strings.Contains(ok.Body, `"totalInterest":"6618.53"`) ||
		!strings.Contains(ok.Body, `"dueDate":"2025-02-28"`) {
		t.Fatalf("%d %s", ok.StatusCode, ok.Body)
	}
	for q, field := range map[string]string{
		"principal=-1&annualRate=1&tenureMonths=1":             "principal",
		"principal=1&annualRate=abc&tenureMonths=1":            "annualRate",
		"principal=1&annualRate=1&tenureMonths=1&evil=1":       "evil",
		"principal=1&annualRate=1&tenureMonths=1&startDate=20": "startDate",
		// Due dates in the year 10000: dates are bounded to 2000–2099.
		"principal=1&annualRate=1&tenureMonths=1&startDate=9999-12-31": "startDate",
		"principal=1&annualRate=1&tenureMonths=1&startDate=1999-12-31": "startDate",
	} {
		r := e.call(t, "GET /api/v1/loan-calculator", "", platformtest.Call{Query: q})
		if r.StatusCode != 400 || !strings.Contains(r.Body, `"field":"`+field+`"`) {
			t.Errorf("%s: %d %s", q, r.StatusCode, r.Body)
		}
	}
}

func withBody(c platformtest.Call, body string) platformtest.Call {
	c.Body = body
	return c
}

func withHeaders(c platformtest.Call, h map[string]string) platformtest.Call {
	c.Headers = h
	return c
}
