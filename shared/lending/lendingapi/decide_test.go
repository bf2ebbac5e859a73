package lendingapi_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/shopspring/decimal"

	"holdfast/shared/lending"
	"holdfast/shared/lending/lendingstore"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/platformtest"
	"holdfast/shared/platform/problem"
)

// TestNoDecisionOnOwnLoan: the applicant may neither approve nor reject their own loan through
// any role they also hold (approver, admin, both), as the maker or as the checker of a
// two-approver loan; each attempt is 403 self_approval and writes nothing. Roles without the
// approve/reject policy (admin alone, service, auditor) are 403 before the handler. Another
// approver's decisions then go through, so the refusals were the self check's.
func TestNoDecisionOnOwnLoan(t *testing.T) {
	e := loanSetup(t)
	st := lendingstore.NewLoanStore(e.d.DynamoDB, e.d.Config.LendingTable)
	ctx := context.Background()
	e.declareIncome(t, "alice", "100000")
	apply := func(principal string) string {
		t.Helper()
		r := e.call(t, "POST /api/v1/loans", "", withBody(platformtest.Call{Sub: "alice", Roles: []string{"customer"}},
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
	small, big := apply("5000.00"), apply("600000.00")
	bob := platformtest.Call{Sub: "bob", Roles: []string{"approver"}}
	if r := e.call(t, "POST /api/v1/loans/{id}/approve", big, withBody(bob, `{"note":"maker"}`)); r.StatusCode != 200 {
		t.Fatalf("maker approval %d %s", r.StatusCode, r.Body)
	}
	base := e.lendingItems(t)

	selfAs := map[string][]string{
		"customer+approver":       {"customer", "approver"},
		"approver":                {"approver"},
		"approver+admin":          {"approver", "admin"},
		"customer+approver+admin": {"customer", "approver", "admin"},
	}
	for name, roles := range selfAs {
		alice := platformtest.Call{Sub: "alice", Roles: roles}
		for _, id := range []string{small, big} {
			for _, rk := range []string{"POST /api/v1/loans/{id}/approve", "POST /api/v1/loans/{id}/reject"} {
				r := e.call(t, rk, id, withBody(alice, `{"note":"mine"}`))
				var doc problem.Document
				_ = json.Unmarshal([]byte(r.Body), &doc)
				if r.StatusCode != 403 || doc.Code != lending.CodeSelfApproval {
					t.Errorf("%s as %s on %s: %d %s", rk, name, id, r.StatusCode, r.Body)
				}
			}
		}
	}
	for name, roles := range map[string][]string{"admin": {"admin"}, "service": {"service"}, "auditor": {"auditor"},
		"customer+admin": {"customer", "admin"}} {
		for _, rk := range []string{"POST /api/v1/loans/{id}/approve", "POST /api/v1/loans/{id}/reject"} {
			r := e.call(t, rk, small, withBody(platformtest.Call{Sub: "alice", Roles: roles}, `{"note":"mine"}`))
			var doc problem.Document
			_ = json.Unmarshal([]byte(r.Body), &doc)
			if r.StatusCode != 403 || doc.Code != errs.CodeForbidden {
				t.Errorf("%s as %s: %d %s", rk, name, r.StatusCode, r.Body)
			}
		}
	}
	if n := e.lendingItems(t); n != base {
		t.Fatalf("refused decisions wrote %d items", n-base)
	}
	for id, approvals := range map[string]int{small: 0, big: 1} {
		got, err := st.Get(ctx, id)
		if err != nil || got.Loan.State != lending.StateAssessed || len(got.Loan.Approvals) != approvals {
			t.Fatalf("loan %s changed: %+v %v", id, got.Loan, err)
		}
	}

	carol := platformtest.Call{Sub: "carol", Roles: []string{"approver"}}
	if r := e.call(t, "POST /api/v1/loans/{id}/approve", big, withBody(carol, `{"note":"checker"}`)); r.StatusCode != 200 {
		t.Fatalf("checker approval %d %s", r.StatusCode, r.Body)
	}
	if r := e.call(t, "POST /api/v1/loans/{id}/reject", small, withBody(carol, `{"note":"no"}`)); r.StatusCode != 200 {
		t.Fatalf("another approver's rejection %d %s", r.StatusCode, r.Body)
	}
}

// declareIncome declares user's monthly income (an approval re-checks the debt-to-income ratio).
func (e *loanEnv) declareIncome(t *testing.T, user, income string) {
	t.Helper()
	now := e.d.Clock.Now(context.Background())
	if _, err := lendingstore.NewProfileStore(e.d.DynamoDB, e.d.Config.LendingTable).Update(context.Background(), user, now,
		func(p lending.Profile) (lending.Profile, error) {
			return p.DeclareMonthlyIncome(decimal.RequireFromString(income), now), nil
		}); err != nil {
		t.Fatal(err)
	}
}

// TestApproveRefusesDTIExceeded: through the route, the final approval that would take the
// customer past 50 % debt-to-income is 422 dti_exceeded and the loan stays ASSESSED.
func TestApproveRefusesDTIExceeded(t *testing.T) {
	e := loanSetup(t)
	st := lendingstore.NewLoanStore(e.d.DynamoDB, e.d.Config.LendingTable)
	ctx := context.Background()
	e.declareIncome(t, "dev", "10000")
	assessed := func() string {
		t.Helper()
		r := e.call(t, "POST /api/v1/loans", "", withBody(platformtest.Call{Sub: "dev", Roles: []string{"customer"}},
			`{"principal":"60000.00","tenureMonths":12,"purpose":"shop"}`))
		var l struct{ ID string }
		if r.StatusCode != 202 || json.Unmarshal([]byte(r.Body), &l) != nil {
			t.Fatalf("apply %d %s", r.StatusCode, r.Body)
		}
		if _, err := st.Transition(ctx, l.ID, func(cur lendingstore.Loaded) (lending.Change, error) {
			c, err := cur.Loan.Transition(lending.ActionAssess, "system:risk-assessment", "grade B", "c-assess", cur.Loan.CreatedAt)
			c.Loan.Grade, c.Loan.AnnualRate, c.Loan.EMI = lending.GradeB, decimal.RequireFromString("13.5"), decimal.RequireFromString("3000.00")
			return c, err
		}, nil); err != nil {
			t.Fatal(err)
		}
		return l.ID
	}
	first, second := assessed(), assessed()
	bob := platformtest.Call{Sub: "bob", Roles: []string{"approver"}}
	if r := e.call(t, "POST /api/v1/loans/{id}/approve", first, withBody(bob, `{"note":"ok"}`)); r.StatusCode != 200 {
		t.Fatalf("first approval %d %s", r.StatusCode, r.Body)
	}
	r := e.call(t, "POST /api/v1/loans/{id}/approve", second, withBody(bob, `{"note":"ok"}`))
	var doc problem.Document
	_ = json.Unmarshal([]byte(r.Body), &doc)
	if r.StatusCode != 422 || doc.Code != lending.CodeDTIExceeded {
		t.Fatalf("second approval %d %s", r.StatusCode, r.Body)
	}
	if got, err := st.Get(ctx, second); err != nil || got.Loan.State != lending.StateAssessed {
		t.Fatalf("refused loan: %+v %v", got.Loan, err)
	}
}
