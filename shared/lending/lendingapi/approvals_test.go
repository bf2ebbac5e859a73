package lendingapi_test

import (
	"context"
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"holdfast/shared/lending"
	"holdfast/shared/lending/lendingstore"
	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/platformtest"
	"holdfast/shared/platform/problem"
)

type queuePage struct {
	Items []struct {
		ID              string   `json:"id"`
		UserID          string   `json:"userId"`
		State           string   `json:"state"`
		Approvals       []string `json:"approvals"`
		ApprovalsNeeded int      `json:"approvalsNeeded"`
		CanApprove      bool     `json:"canApprove"`
	} `json:"items"`
	NextCursor *string `json:"nextCursor"`
}

// TestApprovalQueue: the approvers' work queue lists exactly the loans awaiting a decision,
// oldest application first, page by page; a loan leaves it when approved (after its second
// approval when it needs two), rejected or cancelled; canApprove is false for the caller's own
// application and for a loan they already approved; bad input is refused.
func TestApprovalQueue(t *testing.T) {
	e := loanSetup(t)
	st := lendingstore.NewLoanStore(e.d.DynamoDB, e.d.Config.LendingTable)
	ctx := context.Background()
	clk := e.d.Clock.(*clock.Fixed)
	apply := func(user, principal string) string {
		t.Helper()
		e.declareIncome(t, user, "100000")
		clk.Advance(time.Minute) // applications in a known order
		r := e.call(t, "POST /api/v1/loans", "", withBody(platformtest.Call{Sub: user, Roles: []string{"customer"}},
			`{"principal":"`+principal+`","tenureMonths":12,"purpose":"shop"}`))
		var l struct{ ID string }
		if r.StatusCode != 202 || json.Unmarshal([]byte(r.Body), &l) != nil {
			t.Fatalf("apply %d %s", r.StatusCode, r.Body)
		}
		if _, err := st.Transition(ctx, l.ID, func(cur lendingstore.Loaded) (lending.Change, error) {
			return cur.Loan.Transition(lending.ActionAssess, "system:risk-assessment", "grade B", "c-assess", cur.Loan.CreatedAt)
		}, nil); err != nil {
			t.Fatal(err)
		}
		return l.ID
	}
	queue := func(c platformtest.Call) queuePage {
		t.Helper()
		r := e.call(t, "GET /api/v1/approvals", "", c)
		var p queuePage
		if r.StatusCode != 200 || json.Unmarshal([]byte(r.Body), &p) != nil {
			t.Fatalf("queue %d %s", r.StatusCode, r.Body)
		}
		return p
	}
	ids := func(p queuePage) []string {
		var out []string
		for _, it := range p.Items {
			out = append(out, it.ID)
		}
		return out
	}
	appr1 := platformtest.Call{Sub: "appr-1", Roles: []string{"approver"}}
	appr2 := platformtest.Call{Sub: "appr-2", Roles: []string{"approver"}}

	small := apply("alice", "5000.00")
	big := apply("bob", "600000.00")
	own := apply("appr-1", "7000.00") // an approver's own application
	submitted := e.call(t, "POST /api/v1/loans", "", withBody(platformtest.Call{Sub: "carol", Roles: []string{"customer"}},
		`{"principal":"9000.00","tenureMonths":12,"purpose":"shop"}`)) // not assessed yet: not in the queue
	if submitted.StatusCode != 202 {
		t.Fatal(submitted.Body)
	}

	all := queue(appr1)
	if got := ids(all); len(got) != 3 || got[0] != small || got[1] != big || got[2] != own || all.NextCursor != nil {
		t.Fatalf("queue %v (next %v), want [%s %s %s]", got, all.NextCursor, small, big, own)
	}
	if !all.Items[0].CanApprove || all.Items[1].ApprovalsNeeded != 2 || all.Items[2].CanApprove {
		t.Fatalf("items %+v", all.Items)
	}
	// Page by page.
	p1 := queue(platformtest.Call{Sub: "appr-1", Roles: []string{"approver"}, Query: "limit=2"})
	if got := ids(p1); len(got) != 2 || p1.NextCursor == nil {
		t.Fatalf("page 1 %v", got)
	}
	p2 := queue(platformtest.Call{Sub: "appr-1", Roles: []string{"approver"}, Query: "limit=2&cursor=" + url.QueryEscape(*p1.NextCursor)})
	if got := ids(p2); len(got) != 1 || got[0] != own || p2.NextCursor != nil {
		t.Fatalf("page 2 %v", got)
	}

	// Decisions take loans out of the queue.
	if r := e.call(t, "POST /api/v1/loans/{id}/approve", small, withBody(appr1, `{"note":"ok"}`)); r.StatusCode != 200 {
		t.Fatalf("approve small %d %s", r.StatusCode, r.Body)
	}
	if r := e.call(t, "POST /api/v1/loans/{id}/approve", big, withBody(appr1, `{"note":"first"}`)); r.StatusCode != 200 {
		t.Fatalf("first approval %d %s", r.StatusCode, r.Body)
	}
	after := queue(appr1)
	if got := ids(after); len(got) != 2 || got[0] != big || got[1] != own || after.Items[0].CanApprove ||
		len(after.Items[0].Approvals) != 1 || after.Items[0].State != "ASSESSED" {
		t.Fatalf("after approvals: %+v", after.Items)
	}
	if second := queue(appr2); !second.Items[0].CanApprove || !second.Items[1].CanApprove {
		t.Fatalf("a second approver may approve both: %+v", second.Items)
	}
	if admin := queue(platformtest.Call{Sub: "root", Roles: []string{"admin"}}); len(admin.Items) != 2 || admin.Items[0].CanApprove {
		t.Fatalf("an admin oversees the queue but approves nothing: %+v", admin.Items)
	}
	if r := e.call(t, "POST /api/v1/loans/{id}/approve", big, withBody(appr2, `{"note":"second"}`)); r.StatusCode != 200 {
		t.Fatalf("second approval %d %s", r.StatusCode, r.Body)
	}
	if r := e.call(t, "POST /api/v1/loans/{id}/reject", own, withBody(appr2, `{"note":"no"}`)); r.StatusCode != 200 {
		t.Fatalf("reject %d %s", r.StatusCode, r.Body)
	}
	if got := ids(queue(appr1)); len(got) != 0 {
		t.Fatalf("decided loans still queued: %v", got)
	}

	// Bad input and callers.
	for name, c := range map[string]struct {
		call   platformtest.Call
		status int
		code   string
	}{
		"limit 0":         {platformtest.Call{Sub: "a", Roles: []string{"approver"}, Query: "limit=0"}, 400, errs.CodeValidation},
		"limit 101":       {platformtest.Call{Sub: "a", Roles: []string{"approver"}, Query: "limit=101"}, 400, errs.CodeValidation},
		"forged cursor":   {platformtest.Call{Sub: "a", Roles: []string{"approver"}, Query: "cursor=eyJwayI6IlVTRVIjeCJ9"}, 400, "invalid_cursor"},
		"garbage cursor":  {platformtest.Call{Sub: "a", Roles: []string{"approver"}, Query: "cursor=%3Cscript%3E"}, 400, "invalid_cursor"},
		"unknown param":   {platformtest.Call{Sub: "a", Roles: []string{"approver"}, Query: "state=APPROVED"}, 400, ""},
		"customer":        {platformtest.Call{Sub: "alice", Roles: []string{"customer"}}, 403, ""},
		"auditor":         {platformtest.Call{Sub: "aud", Roles: []string{"auditor"}}, 403, ""},
		"unauthenticated": {platformtest.Call{}, 401, ""},
	} {
		r := e.call(t, "GET /api/v1/approvals", "", c.call)
		var doc problem.Document
		_ = json.Unmarshal([]byte(r.Body), &doc)
		if r.StatusCode != c.status || (c.code != "" && doc.Code != c.code) {
			t.Errorf("%s: %d %s", name, r.StatusCode, r.Body)
		}
	}
}
