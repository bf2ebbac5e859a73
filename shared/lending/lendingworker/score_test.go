package lendingworker

import (
	"context"
	"fmt"
	"testing"
	"time"

	"holdfast/shared/ledger"
	"holdfast/shared/ledger/ledgerstore"
	"holdfast/shared/lending/lendingstore"
	"holdfast/shared/platform/events"
)

func (e *env) score(user string) int {
	e.t.Helper()
	p, _, err := e.w.Profiles.Get(context.Background(), user)
	if err != nil {
		e.t.Fatal(err)
	}
	return p.CreditScore
}

func (e *env) deliverScore(env events.Envelope) {
	e.t.Helper()
	if resp, _ := e.w.CreditScore(ctxWith("c-score"), sqsOf(e.t, env)); len(resp.BatchItemFailures) > 0 {
		e.t.Fatalf("credit score failed: %+v", resp)
	}
}

func depositEvent(t *testing.T, user, txID, amount string, at time.Time) events.Envelope {
	return ledgerEvent(t, ledger.TypeDeposit, txID, at, ledgerstore.PostingData{From: "external#01", To: "wallet:" + user, Amount: amount})
}

// TestCreditScoreDepositsCannotBeFarmed: 25 deposits of 0.01 move nothing; a deposit of at
// least 1,000.00 is +5 at most once per customer per business day (Asia/Kolkata: 23:30 and
// 00:30 IST are two days, 10:00 and 12:00 UTC one); a redelivered event counts once.
func TestCreditScoreDepositsCannotBeFarmed(t *testing.T) {
	e := newEnv(t)
	e.profile("farmer", 650, "1000")
	base := time.Date(2025, 3, 1, 4, 0, 0, 0, time.UTC) // 09:30 IST, 1 March
	for i := range 25 {
		e.deliverScore(depositEvent(t, "farmer", fmt.Sprintf("dep-tiny-%d", i), "0.01", base.Add(time.Duration(i)*time.Second)))
	}
	if got := e.score("farmer"); got != 650 {
		t.Fatalf("25 deposits of 0.01: score %d, want 650", got)
	}
	e.deliverScore(depositEvent(t, "farmer", "dep-999", "999.99", base.Add(time.Minute)))
	if got := e.score("farmer"); got != 650 {
		t.Fatalf("a deposit of 999.99: score %d, want 650", got)
	}
	first := depositEvent(t, "farmer", "dep-big-1", "1000.00", base.Add(time.Hour))
	second := depositEvent(t, "farmer", "dep-big-2", "5000.00", base.Add(3*time.Hour))
	for _, env := range []events.Envelope{first, second, first, second} {
		e.deliverScore(env)
	}
	if got := e.score("farmer"); got != 655 {
		t.Fatalf("two deposits ≥ 1000 on one business day (each delivered twice): score %d, want 655", got)
	}
	// 1 March 23:30 IST is still the first day; 2 March 00:30 IST is the next.
	e.deliverScore(depositEvent(t, "farmer", "dep-late-evening", "1000.00", time.Date(2025, 3, 1, 18, 0, 0, 0, time.UTC)))
	if got := e.score("farmer"); got != 655 {
		t.Fatalf("23:30 IST the same day: score %d, want 655", got)
	}
	next := depositEvent(t, "farmer", "dep-next-day", "1000.00", time.Date(2025, 3, 1, 19, 0, 0, 0, time.UTC))
	e.deliverScore(next)
	e.deliverScore(next)
	if got := e.score("farmer"); got != 660 {
		t.Fatalf("the next business day: score %d, want 660", got)
	}
}

// TestCreditScoreRepayments: an installment paid in full on time +20; paid late 0; a
// foreclosure 0; each event redelivered counts once.
func TestCreditScoreRepayments(t *testing.T) {
	e := newEnv(t)
	ctx := ctxWith("c-rpy")
	repay := func(user string) events.Envelope {
		t.Helper()
		id := e.activeLoan(user, "10000.00", 3)
		e.deposit(user, "5000", "fund-"+user)
		return id2event(t, e, id, user)
	}
	// On time: paid on the disbursal day, before the first due date.
	e.profile("punctual", 650, "100000")
	onTime := repay("punctual")
	e.deliverScore(onTime)
	e.deliverScore(onTime)
	if got := e.score("punctual"); got != 670 {
		t.Fatalf("on time: score %d, want 670", got)
	}
	// Late: the first installment (due 28 Feb) paid on 10 March.
	e.profile("tardy", 650, "100000")
	id := e.activeLoan("tardy", "10000.00", 3)
	e.deposit("tardy", "5000", "fund-tardy")
	e.clk.Set(time.Date(2025, 3, 10, 6, 0, 0, 0, time.UTC))
	late := id2event(t, e, id, "tardy")
	e.deliverScore(late)
	if got := e.score("tardy"); got != 650 {
		t.Fatalf("late: score %d, want 650", got)
	}
	// Foreclosure: 0.
	fcl := ledgerEvent(t, ledger.TypeForeclosure, lendingstore.ForeclosureTxID(id), e.clk.Now(ctx),
		ledgerstore.PostingData{From: "wallet:tardy", To: "loan:" + id, Amount: "6000.00"})
	e.deliverScore(fcl)
	if got := e.score("tardy"); got != 650 {
		t.Fatalf("foreclosure: score %d, want 650", got)
	}
}

// id2event repays installment 1 of loan id now and returns the REPAYMENT event as the ledger
// would publish it.
func id2event(t *testing.T, e *env, id, user string) events.Envelope {
	t.Helper()
	ctx := ctxWith("c-repay")
	cur, err := e.w.Loans.GetWithInstallments(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	now := e.clk.Now(ctx)
	if _, err := e.w.Loans.Repay(ctx, e.w.Ledger, cur, 1, nil, now, user, "c-repay", ""); err != nil {
		t.Fatal(err)
	}
	txID := lendingstore.RepaymentTxID(id, 1)
	env, err := events.New(events.Meta{EventID: "LTX#" + txID, CorrelationID: "c-" + txID, OccurredAt: now, Domain: "ledger",
		Type: ledgerstore.EventTransactionCommitted, Version: 1},
		ledgerstore.TransactionCommitted{TxID: txID, Type: string(ledger.TypeRepayment), At: ledger.FormatTime(now),
			Postings: []ledgerstore.PostingData{{From: "wallet:" + user, To: "loan:" + id, Amount: cur.Installments[0].Principal.StringFixed(2)}},
			Meta:     ledgerstore.MetaData{LoanID: id, InstallmentNo: 1, CorrelationID: "c-repay", Actor: user}})
	if err != nil {
		t.Fatal(err)
	}
	return env
}
