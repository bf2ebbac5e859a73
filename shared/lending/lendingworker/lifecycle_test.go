package lendingworker

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"holdfast/shared/ledger"
	"holdfast/shared/ledger/ledgerstore"
	"holdfast/shared/lending"
	"holdfast/shared/lending/lendingstore"
	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/problem"
)

// repay pays installment no as the API does (penalty by the score when late).
func (e *env) repay(id string, no int) (lendingstore.RepaymentResult, error) {
	ctx := ctxWith("c-repay")
	cur, err := e.w.Loans.GetWithInstallments(ctx, id)
	if err != nil {
		return lendingstore.RepaymentResult{}, err
	}
	today := e.cal.Today(ctx, e.clk)
	return e.w.Loans.Repay(ctx, e.w.Ledger, cur, no, func(ctx context.Context, in lendingstore.Installment) (decimal.Decimal, error) {
		late := lending.DaysLate(in.DueDate, today)
		if late == 0 {
			return decimal.Zero, nil
		}
		p, _, err := e.w.Profiles.Get(ctx, cur.Loan.UserID)
		return lending.Penalty(in.Amount, late, p.CreditScore), err
	}, e.clk.Now(ctx), cur.Loan.UserID, "c-repay", "")
}

func (e *env) at(day string) {
	d, err := clock.ParseDate(day)
	if err != nil {
		e.t.Fatal(err)
	}
	e.clk.Set(e.cal.StartOf(d).Add(10 * time.Hour))
}

func (e *env) verify(accts ...ledger.Account) {
	e.t.Helper()
	for _, a := range accts {
		v, err := e.led.VerifyAccount(context.Background(), a, ledgerstore.VerifyOptions{})
		if err != nil || !v.Valid {
			e.t.Fatalf("chain %s does not verify: %+v %v", a, v, err)
		}
	}
}

func sysBalance(e *env, a ledger.Account) decimal.Decimal { return e.balance(a) }

// TestLifecycleOnTheLedger: apply → assessed with the SPEC's grade, rate and DTI → approve →
// disbursed → an on-time repayment → a late one with its penalty → foreclosure by quote;
// wallet and loan accounts reconcile to the cent and every chain verifies.
func TestLifecycleOnTheLedger(t *testing.T) {
	e := newEnv(t)
	ctx := ctxWith("c-life")
	e.profile("ravi", 760, "100000")
	id := e.activeLoan("ravi", "100000", 12)
	cur, err := e.w.Loans.GetWithInstallments(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	l := cur.Loan
	if l.State != lending.StateActive || l.Grade != "A" || l.AnnualRate.String() != "10.5" || l.EMI.StringFixed(2) != "8814.86" ||
		l.DTI.String() != "0.0881" || l.Recommendation != "APPROVE" || l.DisbursedOn.String() != "2025-01-31" {
		t.Fatalf("loan %+v", l)
	}
	if len(cur.Installments) != 12 || cur.Installments[0].DueDate.String() != "2025-02-28" || cur.Installments[1].DueDate.String() != "2025-03-31" {
		t.Fatalf("installments %+v", cur.Installments)
	}
	wallet, _ := ledger.Wallet("ravi")
	loanAcct, _ := ledger.Loan(id)
	if !e.balance(wallet).Equal(dec("100000")) || !e.balance(loanAcct).Equal(dec("-100000")) {
		t.Fatalf("after disbursal: wallet %s loan %s", e.balance(wallet), e.balance(loanAcct))
	}
	e.deposit("ravi", "20000", "top-up")

	e.at("2025-02-28") // on time
	r1, err := e.repay(id, 1)
	if err != nil || !r1.Penalty.IsZero() || r1.Total.StringFixed(2) != "8814.86" {
		t.Fatalf("on-time repayment %+v %v", r1, err)
	}
	e.at("2025-04-05") // 5 days after 31 March
	r2, err := e.repay(id, 2)
	if err != nil || r2.Penalty.StringFixed(2) != "22.04" { // 8814.86 × 0.05 % × 5
		t.Fatalf("late repayment %+v %v", r2, err)
	}
	cur, _ = e.w.Loans.GetWithInstallments(ctx, id)
	q, err := lendingstore.QuoteFor(cur, e.cal.Today(ctx, e.clk), e.cal, 760)
	if err != nil {
		t.Fatal(err)
	}
	outstanding := cur.Installments[1].Closing
	if !q.Quote.OutstandingPrincipal.Equal(outstanding) || q.Quote.Days != 5 || !q.Quote.Fee.Equal(outstanding.Mul(dec("0.02")).Round(2)) {
		t.Fatalf("quote %+v outstanding %s", q.Quote, outstanding)
	}
	c, err := e.w.Loans.Foreclose(ctx, e.w.Ledger, cur, q, e.clk.Now(ctx), "ravi", "c-fcl", "k1")
	if err != nil || c.Loan.State != lending.StateForeclosed {
		t.Fatalf("foreclose %+v %v", c, err)
	}
	after, _ := e.w.Loans.GetWithInstallments(ctx, id)
	for _, in := range after.Installments[2:] {
		if in.Status != lending.InstCancelled {
			t.Fatalf("installment %d is %s", in.No, in.Status)
		}
	}
	wantWallet := dec("120000").Sub(r1.Total).Sub(r2.Total).Sub(q.Quote.Total)
	if !e.balance(wallet).Equal(wantWallet) || !e.balance(loanAcct).IsZero() {
		t.Fatalf("wallet %s want %s; loan %s want 0", e.balance(wallet), wantWallet, e.balance(loanAcct))
	}
	interest := r1.Installment.Interest.Add(r2.Installment.Interest).Add(q.Quote.OverdueInterest).Add(q.Quote.AccruedInterest)
	if got := sysBalance(e, ledger.InterestIncome); !got.Equal(interest) {
		t.Fatalf("interest income %s want %s", got, interest)
	}
	if got := sysBalance(e, ledger.PenaltyIncome); !got.Equal(r2.Penalty.Add(q.Quote.Penalties)) {
		t.Fatalf("penalty income %s", got)
	}
	if got := sysBalance(e, ledger.FeeIncome); !got.Equal(q.Quote.Fee) {
		t.Fatalf("fee income %s", got)
	}
	sum := e.balance(wallet).Add(e.balance(loanAcct)).Add(sysBalance(e, ledger.InterestIncome)).Add(sysBalance(e, ledger.PenaltyIncome)).
		Add(sysBalance(e, ledger.FeeIncome)).Add(sysBalance(e, ledger.External))
	if !sum.IsZero() {
		t.Fatalf("accounts sum to %s", sum)
	}
	e.verify(wallet, loanAcct)
	tl, _ := e.w.Loans.Timeline(ctx, id)
	var states []string
	for _, en := range tl {
		states = append(states, string(en.To))
	}
	if want := "SUBMITTED ASSESSED APPROVED ACTIVE FORECLOSED"; join(states) != want {
		t.Fatalf("timeline %s", join(states))
	}
	// A repayment after foreclosure is illegal.
	if _, err := e.repay(id, 3); problem.StatusOf(err) != 409 {
		t.Fatalf("repay after foreclosure: %v", err)
	}
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out
}

// TestLastInstallmentCloses: paying every installment closes the loan (CLOSED on the timeline).
func TestLastInstallmentCloses(t *testing.T) {
	e := newEnv(t)
	e.profile("mia", 700, "90000")
	id := e.activeLoan("mia", "3000", 3)
	e.deposit("mia", "1000", "d")
	for no := 1; no <= 3; no++ {
		r, err := e.repay(id, no)
		if err != nil || r.Closed != (no == 3) {
			t.Fatalf("repay %d: %+v %v", no, r, err)
		}
	}
	l, _ := e.w.Loans.Get(context.Background(), id)
	acct, _ := ledger.Loan(id)
	if l.Loan.State != lending.StateClosed || !e.balance(acct).IsZero() {
		t.Fatalf("%s loan balance %s", l.Loan.State, e.balance(acct))
	}
	// The open-loan slot is released: three more applications fit.
	for i := 0; i < 3; i++ {
		e.clk.Advance(time.Millisecond)
		e.apply("mia", "1000", 3)
	}
}

// TestDisbursalDeliveredManyTimesDisbursesOnce: 3 deliveries at once, one later with another
// dedup ID: one DISBURSAL, one schedule.
func TestDisbursalDeliveredManyTimesDisbursesOnce(t *testing.T) {
	e := newEnv(t)
	ctx := ctxWith("c")
	e.profile("dev", 800, "500000")
	id := e.apply("dev", "250000", 24)
	e.w.Assess(ctx, loanEvent(t, "LoanSubmitted", id))
	e.w.Assess(ctx, loanEvent(t, "LoanSubmitted", id)) // duplicate delivery: no second transition
	if _, err := e.w.Loans.Transition(ctx, id, func(cur lendingstore.Loaded) (lending.Change, error) {
		return cur.Loan.Approve("ap", "", "c", e.clk.Now(ctx))
	}, nil); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if resp, _ := e.w.Disburse(ctx, disbursalMsg(id)); len(resp.BatchItemFailures) > 0 {
				t.Error("delivery failed")
			}
		}()
	}
	wg.Wait()
	e.clk.Advance(7 * 24 * time.Hour)
	if resp, _ := e.w.Disburse(ctx, disbursalMsg(id)); len(resp.BatchItemFailures) > 0 {
		t.Fatal("late delivery failed")
	}
	wallet, _ := ledger.Wallet("dev")
	acct, _ := ledger.Loan(id)
	if !e.balance(wallet).Equal(dec("250000")) || !e.balance(acct).Equal(dec("-250000")) {
		t.Fatalf("wallet %s loan %s", e.balance(wallet), e.balance(acct))
	}
	h, _ := e.led.Head(ctx, acct)
	cur, _ := e.w.Loans.GetWithInstallments(ctx, id)
	tl, _ := e.w.Loans.Timeline(ctx, id)
	if h.Seq != 1 || len(cur.Installments) != 24 || cur.Loan.DisbursedOn.String() != "2025-01-31" || len(tl) != 4 {
		t.Fatalf("head seq %d, %d installments, disbursed %s, %d timeline entries", h.Seq, len(cur.Installments), cur.Loan.DisbursedOn, len(tl))
	}
	// A cancelled loan's disbursal message pays nothing out.
	other := e.apply("dev", "1000", 3)
	e.w.Assess(ctx, loanEvent(t, "LoanSubmitted", other))
	e.w.Loans.Transition(ctx, other, func(cur lendingstore.Loaded) (lending.Change, error) {
		return cur.Loan.Transition(lending.ActionCancel, "dev", "changed my mind", "c", e.clk.Now(ctx))
	}, nil)
	e.w.Disburse(ctx, disbursalMsg(other))
	oa, _ := ledger.Loan(other)
	if !e.balance(oa).IsZero() {
		t.Fatal("a cancelled loan was disbursed")
	}
}

// TestConcurrentRepaymentsExactlyOneWins: 20 concurrent repayments of one installment.
func TestConcurrentRepaymentsExactlyOneWins(t *testing.T) {
	e := newEnv(t)
	e.profile("zoe", 700, "100000")
	id := e.activeLoan("zoe", "60000", 6)
	wallet, _ := ledger.Wallet("zoe")
	before := e.balance(wallet)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, conflicts := 0, 0
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.repay(id, 1)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case problem.StatusOf(err) == 409:
				conflicts++
			default:
				t.Errorf("unexpected %v", err)
			}
		}()
	}
	wg.Wait()
	cur, _ := e.w.Loans.GetWithInstallments(context.Background(), id)
	if ok != 1 || conflicts != 19 || cur.Installments[0].Status != lending.InstPaid || cur.Item.PaidCount != 1 {
		t.Fatalf("ok %d conflicts %d status %s paid %d", ok, conflicts, cur.Installments[0].Status, cur.Item.PaidCount)
	}
	if paid := before.Sub(e.balance(wallet)); !paid.Equal(cur.Installments[0].Amount) {
		t.Fatalf("wallet paid %s for one installment of %s", paid, cur.Installments[0].Amount)
	}
	e.verify(wallet)
}

// TestInsufficientFundsChangesNothing: 422 and nothing written.
func TestInsufficientFundsChangesNothing(t *testing.T) {
	e := newEnv(t)
	e.profile("ola", 700, "100000")
	id := e.activeLoan("ola", "1000", 3)
	// Spend the wallet down: withdraw the disbursal.
	w, _ := ledger.Wallet("ola")
	if _, err := e.led.Commit(context.Background(), ledger.Transaction{ID: "wdr-ola", Type: ledger.TypeWithdrawal,
		Postings: []ledger.Posting{{From: w, To: ledger.External, Amount: dec("1000")}},
		Meta:     ledger.Meta{CorrelationID: "c", Actor: "ola"}, At: e.clk.Now(context.Background())}); err != nil {
		t.Fatal(err)
	}
	_, err := e.repay(id, 1)
	if p := problem.From(err); problem.Status(p.Kind) != 422 || p.Code != "insufficient_funds" {
		t.Fatalf("%v", err)
	}
	cur, _ := e.w.Loans.GetWithInstallments(context.Background(), id)
	if cur.Installments[0].Status != lending.InstScheduled || cur.Installments[0].Version != 1 || cur.Item.PaidCount != 0 || cur.Item.Rev != 0 {
		t.Fatalf("something changed: %+v %+v", cur.Installments[0], cur.Item)
	}
	if _, err := e.led.Transaction(context.Background(), lendingstore.RepaymentTxID(id, 1)); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("a repayment was posted: %v", err)
	}
}

// TestStateMachineThroughTheStore: every (state, action) pair on a stored loan: legal → the new
// state and a timeline entry; illegal → 409 and nothing changed.
func TestStateMachineThroughTheStore(t *testing.T) {
	e := newEnv(t)
	e.profile("sm", 700, "100000") // an approval re-checks the debt-to-income ratio
	ctx := ctxWith("c")
	now := e.clk.Now(ctx)
	n := 0
	for _, s := range lending.States() {
		for _, a := range lending.Actions() {
			n++
			id := "SM-" + string(s) + "-" + string(a)
			l := lending.Loan{ID: id, UserID: "sm", Principal: dec("1000"), TenureMonths: 3, Purpose: "p", State: s, Version: 3,
				CreatedAt: now, UpdatedAt: now}
			if err := e.w.Loans.Create(ctx, l, lending.TimelineEntry{Version: 3, At: now, Actor: "sm", To: s, Action: "seed", CorrelationID: "c"}); err != nil {
				// The open-loan counter stops at 3: reset it for the next seed.
				t.Fatalf("seed %s: %v", id, err)
			}
			e.resetCounter("sm")
			_, err := e.w.Loans.Transition(ctx, id, func(cur lendingstore.Loaded) (lending.Change, error) {
				return cur.Loan.Transition(a, "actor", "why", "c", now)
			}, nil)
			got, _ := e.w.Loans.Get(ctx, id)
			tl, _ := e.w.Loans.Timeline(ctx, id)
			to, legal := lending.Next(s, a)
			if legal != nil {
				if problem.From(err).Code != lending.CodeIllegalTransition || got.Loan.State != s || got.Loan.Version != 3 || len(tl) != 1 {
					t.Errorf("%s × %s: %v, now %s v%d, %d entries", s, a, err, got.Loan.State, got.Loan.Version, len(tl))
				}
				continue
			}
			if err != nil || got.Loan.State != to || got.Loan.Version != 4 || len(tl) != 2 || tl[1].From != s || tl[1].To != to {
				t.Errorf("%s × %s: %v, now %s v%d, %d entries", s, a, err, got.Loan.State, got.Loan.Version, len(tl))
			}
		}
	}
	if n != 56 {
		t.Fatal(n)
	}
}
