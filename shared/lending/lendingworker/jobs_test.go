package lendingworker

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"holdfast/shared/ledger"
	"holdfast/shared/ledger/ledgerstore"
	"holdfast/shared/lending"
	"holdfast/shared/lending/lendingstore"
	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/events"
)

func (e *env) notices(loanID string) map[string]int {
	e.t.Helper()
	out, err := e.db.Query(context.Background(), &dynamodb.QueryInput{TableName: aws.String(table),
		KeyConditionExpression:    aws.String("pk = :pk AND begins_with(sk, :n)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: "LOAN#" + loanID}, ":n": &types.AttributeValueMemberS{Value: "NOTICE#"}},
		ConsistentRead:            aws.Bool(true)})
	if err != nil {
		e.t.Fatal(err)
	}
	m := map[string]int{}
	for _, it := range out.Items {
		m[it["kind"].(*types.AttributeValueMemberS).Value]++
	}
	return m
}

func (e *env) runEMI(day string, times int, concurrent bool) {
	e.t.Helper()
	d, _ := clock.ParseDate(day)
	e.at(day)
	var wg sync.WaitGroup
	for i := 0; i < times; i++ {
		run := func() {
			defer wg.Done()
			if _, err := e.w.RunEMI(context.Background(), d); err != nil {
				e.t.Error(err)
			}
		}
		wg.Add(1)
		if concurrent {
			go run()
		} else {
			run()
		}
	}
	wg.Wait()
}

// TestEMIJobIsIdempotentPerInstallmentPerDay: run twice for one day, and twice concurrently:
// no double debit, one reminder per installment; a wallet that cannot pay gets DUE then OVERDUE.
func TestEMIJobIsIdempotentPerInstallmentPerDay(t *testing.T) {
	e := newEnv(t)
	e.profile("pay", 700, "100000")
	e.profile("nopay", 700, "100000")
	paying := e.activeLoan("pay", "12000", 6)
	broke := e.activeLoan("nopay", "12000", 6)
	wallet, _ := ledger.Wallet("nopay")
	e.led.Commit(context.Background(), ledger.Transaction{ID: "wdr-nopay", Type: ledger.TypeWithdrawal,
		Postings: []ledger.Posting{{From: wallet, To: ledger.External, Amount: dec("12000")}},
		Meta:     ledger.Meta{CorrelationID: "c", Actor: "nopay"}, At: e.clk.Now(context.Background())})

	e.runEMI("2025-02-25", 2, false) // 3 days before 28 Feb
	e.runEMI("2025-02-25", 2, true)
	if n := e.notices(paying); n[lendingstore.NoticeReminder] != 1 || len(n) != 1 {
		t.Fatalf("reminders %v", n)
	}
	payWallet, _ := ledger.Wallet("pay")
	before := e.balance(payWallet)
	e.runEMI("2025-02-28", 2, true)
	e.runEMI("2025-02-28", 1, false)
	cur, _ := e.w.Loans.GetWithInstallments(context.Background(), paying)
	if cur.Installments[0].Status != lending.InstPaid || !before.Sub(e.balance(payWallet)).Equal(cur.Installments[0].Amount) {
		t.Fatalf("auto-debit: %s, paid %s", cur.Installments[0].Status, before.Sub(e.balance(payWallet)))
	}
	b, _ := e.w.Loans.GetWithInstallments(context.Background(), broke)
	if b.Installments[0].Status != lending.InstDue || e.notices(broke)[lendingstore.NoticeDue] != 1 {
		t.Fatalf("no funds on the due date: %s %v", b.Installments[0].Status, e.notices(broke))
	}
	e.runEMI("2025-03-01", 2, true)
	e.runEMI("2025-03-02", 1, false)
	b, _ = e.w.Loans.GetWithInstallments(context.Background(), broke)
	if n := e.notices(broke); b.Installments[0].Status != lending.InstOverdue || n[lendingstore.NoticeOverdue] != 1 || n[lendingstore.NoticeReminder] != 1 {
		t.Fatalf("overdue: %s %v", b.Installments[0].Status, n)
	}
	e.verify(payWallet)
}

func ledgerEvent(t *testing.T, typ ledger.TxType, txID string, at time.Time, postings ...ledgerstore.PostingData) events.Envelope {
	t.Helper()
	env, err := events.New(events.Meta{EventID: "LTX#" + txID, CorrelationID: "c-" + txID, OccurredAt: at, Domain: "ledger",
		Type: ledgerstore.EventTransactionCommitted, Version: 1},
		ledgerstore.TransactionCommitted{TxID: txID, Type: string(typ), Postings: postings, At: ledger.FormatTime(at),
			Meta: ledgerstore.MetaData{CorrelationID: "c", Actor: "a"}})
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// TestCreditScoreOncePerTransaction: one ledger event delivered twice, concurrently → one
// change (an on-time repayment +20, a deposit of 1,000.00 +5, a withdrawal nothing).
func TestCreditScoreOncePerTransaction(t *testing.T) {
	e := newEnv(t)
	ctx := ctxWith("c")
	e.profile("cs", 650, "100000")
	id := e.activeLoan("cs", "10000.00", 3)
	e.deposit("cs", "5000", "fund-cs")
	rpy := id2event(t, e, id, "cs")
	dep := ledgerEvent(t, ledger.TypeDeposit, "dep-1", time.Now(), ledgerstore.PostingData{From: "external#01", To: "wallet:cs", Amount: "1000.00"})
	wdr := ledgerEvent(t, ledger.TypeWithdrawal, "wdr-1", time.Now(), ledgerstore.PostingData{From: "wallet:cs", To: "external#01", Amount: "1.00"})
	var wg sync.WaitGroup
	for _, env := range []events.Envelope{rpy, rpy, dep, dep, wdr} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if resp, _ := e.w.CreditScore(ctx, sqsOf(t, env)); len(resp.BatchItemFailures) > 0 {
				t.Error("credit score failed")
			}
		}()
	}
	wg.Wait()
	p, _, _ := e.w.Profiles.Get(ctx, "cs")
	if p.CreditScore != 675 { // 650 + 20 + 5
		t.Fatalf("score %d", p.CreditScore)
	}
	// Clamped at 900: still once.
	e.profile("top", 895, "100000")
	topLoan := e.activeLoan("top", "10000.00", 3)
	e.deposit("top", "5000", "fund-top")
	top := id2event(t, e, topLoan, "top")
	e.w.CreditScore(ctx, sqsOf(t, top))
	e.w.CreditScore(ctx, sqsOf(t, top))
	if p, _, _ := e.w.Profiles.Get(ctx, "top"); p.CreditScore != 900 {
		t.Fatalf("score %d", p.CreditScore)
	}
}

// TestFraudWindow: 11 wallet transactions within 5 s → exactly one alert (delivered by many
// concurrent "instances", some twice); 10 → none; 11 spread over 6 s → none.
func TestFraudWindow(t *testing.T) {
	e := newEnv(t)
	ctx := ctxWith("c")
	base := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	deliver := func(user string, n int, step time.Duration, twice bool) {
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			env := ledgerEvent(t, ledger.TypeDeposit, fmt.Sprintf("dep-%s-%d", user, i), base.Add(time.Duration(i)*step),
				ledgerstore.PostingData{From: "external#01", To: "wallet:" + user, Amount: "1.00"})
			for k := 0; k < map[bool]int{true: 2, false: 1}[twice]; k++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if resp, _ := e.w.Fraud(ctx, sqsOf(t, env)); len(resp.BatchItemFailures) > 0 {
						t.Error("fraud failed")
					}
				}()
			}
		}
		wg.Wait()
	}
	deliver("burst", 11, 400*time.Millisecond, true) // 11 within 4 s
	deliver("ten", 10, 100*time.Millisecond, false)
	deliver("spread", 11, 600*time.Millisecond, false) // 11 over 6 s: any 5 s window holds ≤ 10
	alerts, _, err := e.w.Loans.Alerts(ctx, 50, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 1 || alerts[0].UserID != "burst" || alerts[0].Count != 11 {
		t.Fatalf("alerts %+v", alerts)
	}
}

// TestFraudSecondBurstRightAfterAnAlertedOne: burst A (11 transactions in 0.0–1.0 s) is
// alerted as [0, 5 s); burst B (11 in 5.0–6.0 s) needs its own alert even when B's first
// transaction is processed last, when the earliest window holding it, [0.1, 5.1), overlaps
// A's alerted window and is refused: the detector must go on to B's own window.
func TestFraudSecondBurstRightAfterAnAlertedOne(t *testing.T) {
	e := newEnv(t)
	ctx := ctxWith("c")
	base := time.Date(2025, 3, 2, 10, 0, 0, 0, time.UTC)
	observe := func(i int, at time.Time) {
		env := ledgerEvent(t, ledger.TypeDeposit, fmt.Sprintf("dep-two-%d", i), at,
			ledgerstore.PostingData{From: "external#01", To: "wallet:two", Amount: "1.00"})
		if resp, _ := e.w.Fraud(ctx, sqsOf(t, env)); len(resp.BatchItemFailures) > 0 {
			t.Fatal("fraud failed")
		}
	}
	for i := 0; i < 11; i++ { // A: 0.0, 0.1, … 1.0 s
		observe(i, base.Add(time.Duration(i)*100*time.Millisecond))
	}
	for i := 12; i < 22; i++ { // B without its first: 5.1 … 6.0 s
		observe(i, base.Add(5*time.Second+time.Duration(i-11)*100*time.Millisecond))
	}
	observe(11, base.Add(5*time.Second)) // B's first, last
	alerts, _, err := e.w.Loans.Alerts(ctx, 50, nil)
	if err != nil {
		t.Fatal(err)
	}
	var mine []lendingstore.AlertItem
	for _, a := range alerts {
		if a.UserID == "two" {
			mine = append(mine, a)
		}
	}
	if len(mine) != 2 {
		t.Fatalf("%d alerts, want one per burst: %+v", len(mine), mine)
	}
	// Newest first: B's window starts at its first transaction and holds all 11 of B.
	if mine[0].Count != 11 || !strings.HasPrefix(mine[0].WindowStart, "2025-03-02T10:00:05.000") ||
		mine[1].Count != 11 || !strings.HasPrefix(mine[1].WindowStart, "2025-03-02T10:00:00.000") {
		t.Fatalf("alerts %+v", mine)
	}
}

// TestFraudBurstsOutOfOrder: a later burst delivered (and alerted) first must not hide an
// earlier one delivered after it: two non-overlapping windows, two alerts. A third delivery of
// everything, concurrently, raises nothing more.
func TestFraudBurstsOutOfOrder(t *testing.T) {
	e := newEnv(t)
	ctx := ctxWith("c")
	base := time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC)
	var all []events.Envelope
	burst := func(from time.Duration, tag string) {
		for i := 0; i < 11; i++ {
			env := ledgerEvent(t, ledger.TypeDeposit, fmt.Sprintf("dep-ooo-%s-%d", tag, i), base.Add(from+time.Duration(i)*100*time.Millisecond),
				ledgerstore.PostingData{From: "external#01", To: "wallet:ooo", Amount: "1.00"})
			all = append(all, env)
			if resp, _ := e.w.Fraud(ctx, sqsOf(t, env)); len(resp.BatchItemFailures) > 0 {
				t.Fatal("fraud failed")
			}
		}
	}
	burst(20*time.Second, "late") // 10:00:20.0–21.0, processed first
	burst(0, "early")             // 10:00:00.0–01.0, processed after
	var wg sync.WaitGroup
	for _, env := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if resp, _ := e.w.Fraud(ctx, sqsOf(t, env)); len(resp.BatchItemFailures) > 0 {
				t.Error("fraud failed on a redelivery")
			}
		}()
	}
	wg.Wait()
	alerts, _, err := e.w.Loans.Alerts(ctx, 50, nil)
	if err != nil {
		t.Fatal(err)
	}
	var starts []string
	for _, a := range alerts {
		if a.UserID == "ooo" {
			starts = append(starts, a.WindowStart[:len("2025-03-03T10:00:20")])
		}
	}
	if len(starts) != 2 || starts[0] != "2025-03-03T10:00:20" || starts[1] != "2025-03-03T10:00:00" {
		t.Fatalf("alerts %v, want one per burst", starts)
	}
}
