package lendingworker

import (
	"context"
	"testing"
	"time"

	"holdfast/shared/lending"
	"holdfast/shared/lending/lendingstore"
)

// The debt-to-income ratio counts every open loan the customer has, read by key with strong
// consistency (one GetItem of the open-loan item, one BatchGetItem of the loans; no query of
// the eventually consistent gsi1), and a loan that ends leaves the sum in the same transaction.
func TestDTICountsOpenLoansWithConsistentReads(t *testing.T) {
	e := newEnv(t)
	ctx := ctxWith("c-dti")
	e.profile("meena", 760, "100000")
	first := e.activeLoan("meena", "100000", 12) // EMI 8814.86, DTI 0.0881

	e.clk.Advance(time.Minute) // a new loan ID
	second := e.apply("meena", "100000", 12)
	e.calls.Take()
	sum, err := e.w.Loans.ActiveEMIs(ctx, "meena")
	if err != nil || sum.StringFixed(2) != "8814.86" {
		t.Fatalf("active EMIs %s %v", sum, err)
	}
	if got := e.calls.Take(); got["GetItem"] != 1 || got["BatchGetItem"] != 1 || got["Query"] != 0 || len(got) != 2 {
		t.Fatalf("calls %v, want one GetItem and one BatchGetItem", got)
	}
	if resp, _ := e.w.Assess(ctx, loanEvent(t, "LoanSubmitted", second)); len(resp.BatchItemFailures) > 0 {
		t.Fatalf("assess: %+v", resp)
	}
	cur, err := e.w.Loans.Get(ctx, second)
	if err != nil || cur.Loan.DTI.String() != "0.1763" { // (8814.86 + 8814.86) / 100000
		t.Fatalf("second loan DTI %s %v", cur.Loan.DTI, err)
	}

	// Approved counts too; a cancelled loan leaves the open set with its transition.
	now := e.clk.Now(ctx)
	if _, err := e.w.Loans.Transition(ctx, second, func(cur lendingstore.Loaded) (lending.Change, error) {
		return cur.Loan.Approve("approver-1", "ok", "c-approve", now)
	}, nil); err != nil {
		t.Fatal(err)
	}
	if sum, _ := e.w.Loans.ActiveEMIs(ctx, "meena"); sum.StringFixed(2) != "17629.72" {
		t.Fatalf("with an approved loan: %s", sum)
	}
	if _, err := e.w.Loans.Transition(ctx, second, func(cur lendingstore.Loaded) (lending.Change, error) {
		return cur.Loan.Transition(lending.ActionCancel, "meena", "changed my mind", "c-cancel", now)
	}, nil); err != nil {
		t.Fatal(err)
	}
	if sum, _ := e.w.Loans.ActiveEMIs(ctx, "meena"); sum.StringFixed(2) != "8814.86" {
		t.Fatalf("after the cancellation: %s (first loan %s)", sum, first)
	}
	if sum, _ := e.w.Loans.ActiveEMIs(context.Background(), "nobody"); !sum.IsZero() {
		t.Fatalf("a customer without loans: %s", sum)
	}
	// A counter written before it named its loans (open, no loanIds) falls back to the loan list.
	e.resetCounter("meena")
	if sum, err := e.w.Loans.ActiveEMIs(ctx, "meena"); err != nil || sum.StringFixed(2) != "8814.86" {
		t.Fatalf("legacy counter: %s %v", sum, err)
	}
}
