package lendingworker

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"holdfast/shared/lending"
	"holdfast/shared/lending/lendingstore"
	"holdfast/shared/platform/errs"
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
	sum, err := e.w.Loans.DTIEMIs(ctx, "meena", "")
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
	if sum, _ := e.w.Loans.DTIEMIs(ctx, "meena", ""); sum.StringFixed(2) != "17629.72" {
		t.Fatalf("with an approved loan: %s", sum)
	}
	if _, err := e.w.Loans.Transition(ctx, second, func(cur lendingstore.Loaded) (lending.Change, error) {
		return cur.Loan.Transition(lending.ActionCancel, "meena", "changed my mind", "c-cancel", now)
	}, nil); err != nil {
		t.Fatal(err)
	}
	if sum, _ := e.w.Loans.DTIEMIs(ctx, "meena", ""); sum.StringFixed(2) != "8814.86" {
		t.Fatalf("after the cancellation: %s (first loan %s)", sum, first)
	}
	if sum, _ := e.w.Loans.DTIEMIs(context.Background(), "nobody", ""); !sum.IsZero() {
		t.Fatalf("a customer without loans: %s", sum)
	}
	// A counter written before it named its loans (open, no loanIds) falls back to the loan list.
	e.resetCounter("meena")
	if sum, err := e.w.Loans.DTIEMIs(ctx, "meena", ""); err != nil || sum.StringFixed(2) != "8814.86" {
		t.Fatalf("legacy counter: %s %v", sum, err)
	}
}

// approveAs is an approver's approval through the store's one transition path.
func (e *env) approveAs(id, approver string) error {
	now := e.clk.Now(context.Background())
	_, err := e.w.Loans.Transition(ctxWith("c-approve-"+approver), id, func(cur lendingstore.Loaded) (lending.Change, error) {
		return cur.Loan.Approve(approver, "ok", "c-approve", now)
	}, nil)
	return err
}

func (e *env) assessAll(ids ...string) {
	e.t.Helper()
	for _, id := range ids {
		if resp, _ := e.w.Assess(ctxWith("c-assess"), loanEvent(e.t, "LoanSubmitted", id)); len(resp.BatchItemFailures) > 0 {
			e.t.Fatalf("assess %s: %+v", id, resp)
		}
	}
}

func (e *env) loan(id string) lending.Loan {
	e.t.Helper()
	cur, err := e.w.Loans.Get(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return cur.Loan
}

// committed sums the EMIs of the customer's APPROVED and ACTIVE loans, from the loans themselves.
func (e *env) committed(ids ...string) decimal.Decimal {
	sum := decimal.Zero
	for _, id := range ids {
		if l := e.loan(id); l.State == lending.StateApproved || l.State == lending.StateActive {
			sum = sum.Add(l.EMI)
		}
	}
	return sum
}

// The repro: income 30,000.00, three applications of 130,000.00 over 12 months. Each
// alone is DTI 0.3881; the assessment counts the ASSESSED ones too, so the second and third
// are auto-rejected, and no approval can take the customer past 50 %.
func TestDTICountsAssessedLoans(t *testing.T) {
	e := newEnv(t)
	e.profile("ravi", 700, "30000.00")
	var ids []string
	for range 3 {
		e.clk.Advance(time.Minute)
		ids = append(ids, e.apply("ravi", "130000.00", 12))
	}
	e.assessAll(ids...)
	var got []string
	for _, id := range ids {
		l := e.loan(id)
		got = append(got, string(l.State)+" "+l.DTI.StringFixed(4))
	}
	if want := []string{"ASSESSED 0.3881", "REJECTED 0.7761", "REJECTED 0.7761"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("after assessment %v, want %v", got, want)
	}
	for _, id := range ids {
		_ = e.approveAs(id, "approver-1")
	}
	if sum := e.committed(ids...); sum.GreaterThan(dec("15000")) {
		t.Fatalf("approved EMIs %s exceed 50 %% of 30000", sum)
	}
}

// The limit is re-checked at the final approval, in its transaction: loans assessed while the
// income was higher cannot all be approved once it is lower; the refused loan stays ASSESSED,
// unchanged. A two-approver loan is checked at its second (final) approval, not its first.
func TestDTIRecheckedAtFinalApproval(t *testing.T) {
	e := newEnv(t)
	e.profile("asha", 700, "200000.00")
	e.clk.Advance(time.Minute)
	small1 := e.apply("asha", "130000.00", 12) // EMI 11643.xx
	e.clk.Advance(time.Minute)
	small2 := e.apply("asha", "130000.00", 12)
	e.clk.Advance(time.Minute)
	big := e.apply("asha", "600000.00", 24) // two approvers
	e.assessAll(small1, small2, big)
	for _, id := range []string{small1, small2, big} {
		if l := e.loan(id); l.State != lending.StateAssessed {
			t.Fatalf("%s: %s", id, l.State)
		}
	}
	e.profile("asha", 700, "40000.00") // limit 20000
	if err := e.approveAs(small1, "approver-1"); err != nil {
		t.Fatalf("first approval: %v", err)
	}
	before := e.loan(small2)
	err := e.approveAs(small2, "approver-1")
	if errs.CodeOf(err) != lending.CodeDTIExceeded || errs.KindOf(err) != errs.KindUnprocessable {
		t.Fatalf("second approval: %v, want %s", err, lending.CodeDTIExceeded)
	}
	if after := e.loan(small2); after.State != lending.StateAssessed || after.Version != before.Version {
		t.Fatalf("refused loan: %+v", after)
	}
	if err := e.approveAs(big, "approver-1"); err != nil { // not final: no money committed yet
		t.Fatalf("first of two approvals: %v", err)
	}
	if err := e.approveAs(big, "approver-2"); errs.CodeOf(err) != lending.CodeDTIExceeded {
		t.Fatalf("final approval of the large loan: %v", err)
	}
	if l := e.loan(big); l.State != lending.StateAssessed || len(l.Approvals) != 1 {
		t.Fatalf("large loan: %s %v", l.State, l.Approvals)
	}
	// Room comes back when a committed loan ends: cancel the first, and the second fits.
	now := e.clk.Now(context.Background())
	if _, err := e.w.Loans.Transition(ctxWith("c-cancel"), small1, func(cur lendingstore.Loaded) (lending.Change, error) {
		return cur.Loan.Transition(lending.ActionCancel, "asha", "changed my mind", "c-cancel", now)
	}, nil); err != nil {
		t.Fatal(err)
	}
	if err := e.approveAs(small2, "approver-1"); err != nil {
		t.Fatalf("after the cancellation: %v", err)
	}
}

// Final approvals of one customer's loans racing each other (three loans, the most a
// customer may have open, for each of four customers, all at once): the re-check and the
// approval commit in one transaction conditioned on the customer's DTI version, so however
// they interleave each customer's approved EMIs stay within 50 % of income (two of the three
// fit), and every refusal is dti_exceeded with the loan left ASSESSED.
func TestDTIParallelApprovals(t *testing.T) {
	e := newEnv(t)
	users := []string{"kiran", "lata", "mohan", "nisha"}
	ids := map[string][]string{}
	for _, u := range users {
		e.profile(u, 700, "200000.00")
		for range lending.MaxOpenLoans {
			e.clk.Advance(time.Minute)
			ids[u] = append(ids[u], e.apply(u, "130000.00", 12))
		}
		e.assessAll(ids[u]...)
		e.profile(u, 700, "25000.00") // limit 12500: one of the three fits
	}
	results := map[string][]error{}
	for _, u := range users {
		results[u] = make([]error, len(ids[u]))
	}
	var wg sync.WaitGroup
	for _, u := range users {
		for i, id := range ids[u] {
			wg.Go(func() { results[u][i] = e.approveAs(id, fmt.Sprintf("approver-%d", i)) })
		}
	}
	wg.Wait()
	for _, u := range users {
		approved := 0
		for i, err := range results[u] {
			switch {
			case err == nil:
				approved++
			case errs.CodeOf(err) == lending.CodeDTIExceeded:
				if l := e.loan(ids[u][i]); l.State != lending.StateAssessed {
					t.Errorf("%s: refused loan %s is %s", u, ids[u][i], l.State)
				}
			default:
				t.Errorf("%s: approval %d: %v", u, i, err)
			}
		}
		if sum := e.committed(ids[u]...); sum.GreaterThan(dec("12500")) || approved != 1 {
			t.Errorf("%s: approved %d loans, EMIs %s, limit 12500", u, approved, sum)
		}
	}
}
