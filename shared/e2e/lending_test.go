package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/shopspring/decimal"

	"holdfast/shared/ledger"
	"holdfast/shared/ledger/ledgerstore"
	"holdfast/shared/lending"
	"holdfast/shared/lending/lendingstore"
	"holdfast/shared/platform/events"
)

func lendingTable() string { return cloud.Deployment.Functions["MeGetFunction"].Env["LENDING_TABLE"] }

func ledgerStore(t testing.TB) *ledgerstore.Store {
	t.Helper()
	st, err := ledgerstore.New(dynamodb.NewFromConfig(awsCfg), ledgerstore.Options{Table: lendingTable()})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// deposit funds the caller's wallet as a client does: POST /api/v1/wallet/deposits with an
// Idempotency-Key (walletMove retries a 503 or an in-flight 409 with the same key, which posts
// at most once). The ledger stamps the deposit with the local cloud's clock when the request
// arrives, so a test that needs the deposit at a given moment sets the clock first. It answers
// the movement (txId, at, wallet seq, …).
func deposit(t testing.TB, tok, key, amount string) map[string]any {
	t.Helper()
	r := walletMove(t, "deposits", tok, key, amount, nil)
	if r.Status != 201 {
		t.Fatalf("deposit %s with key %s: %d %s", amount, key, r.Status, r.Body)
	}
	return r.JSON(t)
}

func balance(t testing.TB, a ledger.Account) decimal.Decimal {
	t.Helper()
	b, err := ledgerStore(t).Balance(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func setClock(t testing.TB, now time.Time) {
	t.Helper()
	if r := localCall(t, "POST", "/__local/clock", map[string]string{"now": now.UTC().Format(time.RFC3339Nano)}); r.Status != 200 {
		t.Fatalf("clock: %d %s", r.Status, r.Body)
	}
}

func resetClock(t testing.TB) {
	t.Helper()
	localCall(t, "POST", "/__local/clock", map[string]bool{"reset": true})
}

var ist, _ = time.LoadLocation("Asia/Kolkata")

// Clock moves in these tests go to dates before the real now: the local cloud fires a schedule
// when its clock passes a slot, and a jump past today would make the daily EMI job sweep every
// other test's loans (their installments fall due from next month on) into OVERDUE.

// day is 10:00 in Kolkata on date s.
func day(s string) time.Time {
	t, _ := time.ParseInLocation("2006-01-02", s, ist)
	return t.Add(10 * time.Hour)
}

// asyncWait bounds each wait for the asynchronous pipeline (stream → relay → bus → queue →
// worker): generous, because the machine is shared and moto serialises DynamoDB.
const asyncWait = 90 * time.Second

func str(m map[string]any, k string) string { return fmt.Sprint(m[k]) }

// explainFailure prints the functions' error lines when a lending test fails.
func explainFailure(t *testing.T) {
	t.Helper()
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		for _, lvl := range []string{"ERROR", "WARN"} {
			for _, l := range logLines(map[string]string{"level": lvl}) {
				t.Logf("%s: %v", lvl, l)
			}
		}
	})
}

// submitAndAssess applies for a loan and waits for the risk worker's verdict.
func submitAndAssess(t *testing.T, tok, principal string, tenure int) map[string]any {
	t.Helper()
	r := call(t, "POST", "/api/v1/loans", tok, map[string]any{"principal": principal, "tenureMonths": tenure, "purpose": "home repairs"})
	if r.Status != 202 || str(r.JSON(t), "state") != "SUBMITTED" {
		t.Fatalf("apply: %d %s", r.Status, r.Body)
	}
	id := str(r.JSON(t), "id")
	var loan map[string]any
	eventually(t, asyncWait, "the risk worker assesses "+id, func() bool {
		loan = call(t, "GET", "/api/v1/loans/"+id, tok, nil).JSON(t)
		return loan["state"] != "SUBMITTED"
	})
	return loan
}

func waitState(t *testing.T, id, tok, state string) map[string]any {
	t.Helper()
	var loan map[string]any
	eventually(t, asyncWait, id+" reaches "+state, func() bool {
		loan = call(t, "GET", "/api/v1/loans/"+id, tok, nil).JSON(t)
		return loan["state"] == state
	})
	return loan
}

func newBorrower(t *testing.T, income string) (string, string) {
	t.Helper()
	user := uniq("borrower")
	tok := token(t, user, "customer")
	if r := call(t, "PATCH", "/api/v1/me", tok, map[string]string{"monthlyIncome": income}); r.Status != 200 {
		t.Fatalf("income: %d %s", r.Status, r.Body)
	}
	return user, tok
}

// activeLoanE2E takes a new loan to ACTIVE through the HTTP API and the async workers.
func activeLoanE2E(t *testing.T, tok, principal string, tenure int) string {
	t.Helper()
	loan := submitAndAssess(t, tok, principal, tenure)
	id := str(loan, "id")
	if r := call(t, "POST", "/api/v1/loans/"+id+"/approve", token(t, uniq("approver"), "approver"), map[string]string{"note": "ok"}); r.Status != 200 {
		t.Fatalf("approve: %d %s", r.Status, r.Body)
	}
	waitState(t, id, tok, "ACTIVE")
	return id
}

// TestLendingLifecycleThroughTheLocalCloud: apply → assessed (grade, rate, DTI) → the applicant
// cannot approve → approve → disbursed by a DISBURSAL → schedule → on-time repayment → late
// repayment with its penalty → foreclosure by quote → FORECLOSED; balances reconcile to the cent
// and every chain verifies.
func TestLendingLifecycleThroughTheLocalCloud(t *testing.T) {
	explainFailure(t)
	defer resetClock(t)
	setClock(t, day("2025-01-31"))
	user, tok := newBorrower(t, "100000.00")
	loan := submitAndAssess(t, tok, "100000.00", 12)
	id := str(loan, "id")
	emi := lending.EMI(decimal.RequireFromString("100000"), decimal.RequireFromString("13.5"), 12)
	dti := emi.Div(decimal.RequireFromString("100000")).StringFixed(4)
	if loan["state"] != "ASSESSED" || loan["grade"] != "B" || loan["annualRate"] != "13.5" || loan["emi"] != emi.StringFixed(2) ||
		loan["dti"] != dti || loan["recommendation"] != "APPROVE" {
		t.Fatalf("assessment: %v (want B, 13.5, EMI %s, DTI %s)", loan, emi.StringFixed(2), dti)
	}
	// The applicant, even holding the approver role, may not approve their own loan.
	if r := call(t, "POST", "/api/v1/loans/"+id+"/approve", token(t, user, "customer", "approver"), map[string]string{}); r.Status != 403 {
		t.Fatalf("self-approval: %d %s", r.Status, r.Body)
	}
	if r := call(t, "POST", "/api/v1/loans/"+id+"/approve", token(t, uniq("approver"), "approver"), map[string]string{"note": "fine"}); r.Status != 200 || str(r.JSON(t), "state") != "APPROVED" {
		t.Fatalf("approve: %d %s", r.Status, r.Body)
	}
	waitState(t, id, tok, "ACTIVE")
	st := ledgerStore(t)
	dsb, err := st.Transaction(context.Background(), lendingstore.DisbursalTxID(id))
	if err != nil || dsb.Tx.Type != ledger.TypeDisbursal || !dsb.Tx.Postings[0].Amount.Equal(decimal.RequireFromString("100000")) {
		t.Fatalf("disbursal transaction: %+v %v", dsb, err)
	}
	wallet, _ := ledger.Wallet(user)
	loanAcct, _ := ledger.Loan(id)
	if !balance(t, wallet).Equal(decimal.RequireFromString("100000")) || !balance(t, loanAcct).Equal(decimal.RequireFromString("-100000")) {
		t.Fatalf("after disbursal: wallet %s loan %s", balance(t, wallet), balance(t, loanAcct))
	}
	sched := call(t, "GET", "/api/v1/loans/"+id+"/schedule", tok, nil).JSON(t)
	insts := sched["installments"].([]any)
	first, second := insts[0].(map[string]any), insts[1].(map[string]any)
	if len(insts) != 12 || first["dueDate"] != "2025-02-28" || second["dueDate"] != "2025-03-31" || first["status"] != "SCHEDULED" {
		t.Fatalf("schedule: %v", sched)
	}
	// Fund the wallet through the deposit route on 1 February: the ledger stamps it then.
	setClock(t, day("2025-02-01"))
	dep := deposit(t, tok, uniq("fund"), "20000.00")
	if at, err := ledger.ParseTime(str(dep, "at")); err != nil || at.Before(day("2025-02-01")) || !at.Before(day("2025-02-01").Add(time.Hour)) {
		t.Fatalf("deposit stamped %v (%v), want 1 February 10:00 IST by the local clock", dep["at"], err)
	}

	setClock(t, day("2025-02-28"))
	r1 := call(t, "POST", "/api/v1/loans/"+id+"/repayments", tok, map[string]int{"installmentNo": 1}, "Idempotency-Key", uniq("k"))
	if r1.Status != 201 || str(r1.JSON(t), "penalty") != "0.00" {
		t.Fatalf("on-time repayment: %d %s", r1.Status, r1.Body)
	}
	setClock(t, day("2025-04-05")) // 5 days late on the 31 March installment
	r2 := call(t, "POST", "/api/v1/loans/"+id+"/repayments", tok, nil, "Idempotency-Key", uniq("k"))
	// Score 650, 655 once the credit-score updater counts the deposit, 675 with the first
	// repayment too: all in the 650–749 band, 0.10 %/day, whichever the updater has reached.
	wantPenalty := lending.Penalty(decimal.RequireFromString(str(second, "amount")), 5, 650).StringFixed(2)
	if r2.Status != 201 || str(r2.JSON(t), "installmentNo") != "2" || str(r2.JSON(t), "penalty") != wantPenalty {
		t.Fatalf("late repayment: %d %s (want penalty %s)", r2.Status, r2.Body, wantPenalty)
	}
	q := call(t, "GET", "/api/v1/loans/"+id+"/foreclosure-quote", tok, nil)
	if q.Status != 200 {
		t.Fatalf("quote: %d %s", q.Status, q.Body)
	}
	quote := q.JSON(t)
	f := call(t, "POST", "/api/v1/loans/"+id+"/foreclosure", tok, map[string]string{"quoteId": str(quote, "quoteId")}, "Idempotency-Key", uniq("k"))
	if f.Status != 200 || str(f.JSON(t)["loan"].(map[string]any), "state") != "FORECLOSED" {
		t.Fatalf("foreclosure: %d %s", f.Status, f.Body)
	}
	want := decimal.RequireFromString("120000").Sub(decimal.RequireFromString(str(r1.JSON(t), "total"))).
		Sub(decimal.RequireFromString(str(r2.JSON(t), "total"))).Sub(decimal.RequireFromString(str(quote, "total")))
	if got := balance(t, wallet); !got.Equal(want) || !balance(t, loanAcct).IsZero() {
		t.Fatalf("reconcile: wallet %s want %s, loan %s want 0", got, want, balance(t, loanAcct))
	}
	for _, a := range []ledger.Account{wallet, loanAcct} {
		v, err := st.VerifyAccount(context.Background(), a, ledgerstore.VerifyOptions{})
		if err != nil || !v.Valid {
			t.Fatalf("chain %s: %+v %v", a, v, err)
		}
	}
	tl := call(t, "GET", "/api/v1/loans/"+id+"/timeline", tok, nil).JSON(t)["items"].([]any)
	var to []string
	for _, e := range tl {
		to = append(to, str(e.(map[string]any), "to"))
	}
	if strings.Join(to, ",") != "SUBMITTED,ASSESSED,APPROVED,ACTIVE,FORECLOSED" {
		t.Fatalf("timeline %v", to)
	}
	// Illegal now: 409 and nothing changed.
	if r := call(t, "POST", "/api/v1/loans/"+id+"/cancel", tok, map[string]string{}); r.Status != 409 || str(r.JSON(t), "code") != "illegal_transition" {
		t.Fatalf("cancel a foreclosed loan: %d %s", r.Status, r.Body)
	}
}

// TestLendingTwoApprovers: 500,000 and more needs two different approvers.
func TestLendingTwoApprovers(t *testing.T) {
	explainFailure(t)
	_, tok := newBorrower(t, "200000.00")
	loan := submitAndAssess(t, tok, "600000.00", 60)
	id := str(loan, "id")
	a, b := token(t, uniq("maker"), "approver"), token(t, uniq("checker"), "approver")
	// queued reports whether the loan is in the approvers' work queue, and whether the caller
	// may approve it; the queue is walked page by page (other tests' loans wait there too).
	queued := func(tok string) (in, canApprove bool) {
		t.Helper()
		q := "?limit=100"
		for {
			page := call(t, "GET", "/api/v1/approvals"+q, tok, nil).JSON(t)
			for _, it := range page["items"].([]any) {
				if m := it.(map[string]any); m["id"] == id {
					return true, m["canApprove"] == true
				}
			}
			next, ok := page["nextCursor"].(string)
			if !ok {
				return false, false
			}
			q = "?limit=100&cursor=" + url.QueryEscape(next)
		}
	}
	if in, can := queued(a); !in || !can {
		t.Fatalf("assessed loan in the queue %v, approvable %v", in, can)
	}
	if r := call(t, "POST", "/api/v1/loans/"+id+"/approve", a, map[string]string{"note": "maker"}); r.Status != 200 || str(r.JSON(t), "state") != "ASSESSED" {
		t.Fatalf("first approval: %d %s", r.Status, r.Body)
	}
	if in, can := queued(a); !in || can {
		t.Fatalf("after the maker: queued %v, the maker may approve again %v", in, can)
	}
	if in, can := queued(b); !in || !can {
		t.Fatalf("the checker sees it %v, may approve %v", in, can)
	}
	if r := call(t, "POST", "/api/v1/loans/"+id+"/approve", a, nil); r.Status != 409 {
		t.Fatalf("same approver twice: %d %s", r.Status, r.Body)
	}
	if r := call(t, "POST", "/api/v1/loans/"+id+"/approve", b, nil); r.Status != 200 || str(r.JSON(t), "state") != "APPROVED" {
		t.Fatalf("second approval: %d %s", r.Status, r.Body)
	}
	if in, _ := queued(b); in {
		t.Fatal("an approved loan is still in the queue")
	}
	waitState(t, id, tok, "ACTIVE")
}

// TestLendingDisbursalRedeliveredOnce: the disbursal message delivered 3 times at once, and once
// more later with a new dedup ID → one disbursal.
func TestLendingDisbursalRedeliveredOnce(t *testing.T) {
	explainFailure(t)
	_, tok := newBorrower(t, "90000.00")
	id := activeLoanE2E(t, tok, "20000.00", 6)
	q := sqs.NewFromConfig(awsCfg)
	url := queueURL(t, "DisbursalQueue")
	send := func(dedup string) {
		body := fmt.Sprintf(`{"loanId":%q,"correlationId":%q}`, id, uniq("redeliver"))
		if _, err := q.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: &url, MessageBody: &body,
			MessageGroupId: aws.String(id), MessageDeduplicationId: aws.String(dedup)}); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); send(uniq("dup")) }()
	}
	wg.Wait()
	// "Later" is after the three were consumed (one disbursal line each, after the approval's).
	eventually(t, asyncWait, "the 3 concurrent redeliveries consumed", func() bool {
		return len(logLines(map[string]string{"msg": "disbursal", "loanId": id})) >= 4
	})
	send(uniq("later"))
	eventually(t, asyncWait, "all 4 redeliveries consumed", func() bool {
		return len(logLines(map[string]string{"msg": "disbursal", "loanId": id})) >= 5
	})
	acct, _ := ledger.Loan(id)
	h, err := ledgerStore(t).Head(context.Background(), acct)
	if err != nil || h.Seq != 1 || !h.Balance.Equal(decimal.RequireFromString("-20000")) {
		t.Fatalf("loan account head %+v %v: more than one disbursal", h, err)
	}
}

// TestLendingConcurrentRepayments: 20 concurrent repayments of one installment → exactly one.
func TestLendingConcurrentRepayments(t *testing.T) {
	explainFailure(t)
	user, tok := newBorrower(t, "90000.00")
	id := activeLoanE2E(t, tok, "12000.00", 6)
	wallet, _ := ledger.Wallet(user)
	before := balance(t, wallet)
	codes := make([]int, 20)
	var wg sync.WaitGroup
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = call(t, "POST", "/api/v1/loans/"+id+"/repayments", tok, map[string]int{"installmentNo": 1}, "Idempotency-Key", uniq("k")).Status
		}()
	}
	wg.Wait()
	counts := map[int]int{}
	for _, c := range codes {
		counts[c]++
	}
	sched := call(t, "GET", "/api/v1/loans/"+id+"/schedule", tok, nil).JSON(t)
	inst := sched["installments"].([]any)[0].(map[string]any)
	if counts[201] != 1 || counts[409] != 19 || inst["status"] != "PAID" {
		t.Fatalf("outcomes %v, installment %v", counts, inst)
	}
	if paid := before.Sub(balance(t, wallet)); paid.StringFixed(2) != str(inst, "amount") {
		t.Fatalf("paid %s for one installment of %s", paid, inst["amount"])
	}
}

// TestLendingEMIJobRunTwice: the EMI job run twice for one day, and twice concurrently → no
// double debit, one reminder per installment.
func TestLendingEMIJobRunTwice(t *testing.T) {
	explainFailure(t)
	defer resetClock(t)
	setClock(t, day("2025-06-10"))
	user, tok := newBorrower(t, "90000.00")
	id := activeLoanE2E(t, tok, "6000.00", 3) // due 10 Jul, 10 Aug, 10 Sep
	wallet, _ := ledger.Wallet(user)
	run := func(asOf time.Time, n int) {
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if r := localCall(t, "POST", "/__local/schedules/EmiJobFunction.Daily/run", map[string]string{"asOf": asOf.UTC().Format(time.RFC3339)}); r.Status != 200 {
					t.Errorf("emi run: %d %s", r.Status, r.Body)
				}
			}()
		}
		wg.Wait()
	}
	run(day("2025-07-07"), 1)
	run(day("2025-07-07"), 1)
	run(day("2025-07-07"), 2)
	before := balance(t, wallet)
	run(day("2025-07-10"), 2)
	run(day("2025-07-10"), 1)
	inst := call(t, "GET", "/api/v1/loans/"+id+"/schedule", tok, nil).JSON(t)["installments"].([]any)[0].(map[string]any)
	if inst["status"] != "PAID" || before.Sub(balance(t, wallet)).StringFixed(2) != str(inst, "amount") {
		t.Fatalf("auto-debit: %v, paid %s", inst, before.Sub(balance(t, wallet)))
	}
	reminderID := events.EventID("LOAN#"+id, "NOTICE#REMINDER#001#2025-07-07")
	eventually(t, 20*time.Second, "the reminder event reaches analytics", func() bool {
		return len(logLines(map[string]string{"msg": "event observed", "eventId": reminderID})) > 0
	})
	consistently(t, 1500*time.Millisecond, "one reminder event for one installment", func() bool {
		if n := len(logLines(map[string]string{"msg": "event observed", "eventId": reminderID})); n != 1 {
			t.Logf("%d reminder events", n)
			return false
		}
		return true
	})
}

// TestLendingCreditScoreOnce: one ledger event (a deposit of 1,000.00: +5) delivered twice →
// one change.
func TestLendingCreditScoreOnce(t *testing.T) {
	explainFailure(t)
	user, tok := newBorrower(t, "1000.00")
	env, err := events.New(events.Meta{EventID: "LTX#" + uniq("dep"), CorrelationID: uniq("c"), OccurredAt: time.Now(), Domain: "ledger",
		Type: ledgerstore.EventTransactionCommitted, Version: 1}, ledgerstore.TransactionCommitted{TxID: uniq("dep-x"), Type: "DEPOSIT",
		Postings: []ledgerstore.PostingData{{From: "external#01", To: "wallet:" + user, Amount: "1000.00"}}, At: ledger.FormatTime(time.Now()),
		Meta: ledgerstore.MetaData{CorrelationID: "c", Actor: user}})
	if err != nil {
		t.Fatal(err)
	}
	q := sqs.NewFromConfig(awsCfg)
	url := queueURL(t, "LedgerCreditScoreQueue")
	for i := 0; i < 2; i++ {
		body := busEventBody(t, env)
		if _, err := q.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: &url, MessageBody: &body}); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 20*time.Second, "both deliveries handled", func() bool {
		return len(logLines(map[string]string{"msg": "credit score", "userId": user})) >= 2
	})
	if s := call(t, "GET", "/api/v1/me", tok, nil).JSON(t)["creditScore"]; fmt.Sprint(s) != "655" {
		t.Fatalf("score %v, want 655", s)
	}
}

// TestLendingBadInputWritesNothing: every write route answers bad input with 400 naming the
// field and writes nothing; someone else's loan is 403; a missing token 401.
func TestLendingBadInputWritesNothing(t *testing.T) {
	explainFailure(t)
	user, tok := newBorrower(t, "50000.00")
	id := str(submitAndAssess(t, tok, "5000.00", 6), "id")
	approver := token(t, uniq("approver"), "approver")
	huge := `{"purpose":"` + strings.Repeat("x", 70*1024) + `"}`
	cases := []struct {
		name, method, path, tok, body string
		key                           bool
		status                        int
		field                         string
	}{
		{"apply malformed", "POST", "/api/v1/loans", tok, `{"principal":`, false, 400, ""},
		{"apply missing", "POST", "/api/v1/loans", tok, `{}`, false, 400, "principal"},
		{"apply negative", "POST", "/api/v1/loans", tok, `{"principal":"-5","tenureMonths":12,"purpose":"x"}`, false, 400, "principal"},
		{"apply over-precise", "POST", "/api/v1/loans", tok, `{"principal":"1000.001","tenureMonths":12,"purpose":"x"}`, false, 400, "principal"},
		{"apply number principal", "POST", "/api/v1/loans", tok, `{"principal":1000,"tenureMonths":12,"purpose":"x"}`, false, 400, "principal"},
		{"apply tenure", "POST", "/api/v1/loans", tok, `{"principal":"1000","tenureMonths":61,"purpose":"x"}`, false, 400, "tenureMonths"},
		{"apply unknown field", "POST", "/api/v1/loans", tok, `{"principal":"1000","tenureMonths":12,"purpose":"x","state":"APPROVED"}`, false, 400, "state"},
		{"apply oversize", "POST", "/api/v1/loans", tok, huge, false, 400, ""},
		{"apply hostile purpose", "POST", "/api/v1/loans", tok, `{"principal":"1000","tenureMonths":12,"purpose":"\u0000<script>"}`, false, 400, "purpose"},
		{"apply no token", "POST", "/api/v1/loans", "", `{"principal":"1000","tenureMonths":12,"purpose":"x"}`, false, 401, ""},
		{"apply approver role", "POST", "/api/v1/loans", approver, `{"principal":"1000","tenureMonths":12,"purpose":"x"}`, false, 403, ""},
		{"approve bad id", "POST", "/api/v1/loans/bad%20id/approve", approver, `{}`, false, 400, "id"},
		{"approve note type", "POST", "/api/v1/loans/" + id + "/approve", approver, `{"note":5}`, false, 400, "note"},
		{"approve as customer", "POST", "/api/v1/loans/" + id + "/approve", tok, `{}`, false, 403, ""},
		{"reject missing note", "POST", "/api/v1/loans/" + id + "/reject", approver, `{}`, false, 400, "note"},
		{"cancel someone else's", "POST", "/api/v1/loans/" + id + "/cancel", token(t, uniq("other"), "customer"), `{}`, false, 403, ""},
		{"cancel reason too long", "POST", "/api/v1/loans/" + id + "/cancel", tok, `{"reason":"` + strings.Repeat("r", 501) + `"}`, false, 400, "reason"},
		{"repay without key", "POST", "/api/v1/loans/" + id + "/repayments", tok, `{}`, false, 400, "Idempotency-Key"},
		{"repay installment 0", "POST", "/api/v1/loans/" + id + "/repayments", tok, `{"installmentNo":0}`, true, 400, "installmentNo"},
		{"repay someone else's", "POST", "/api/v1/loans/" + id + "/repayments", token(t, uniq("other"), "customer"), `{"installmentNo":1}`, true, 403, ""},
		{"foreclose missing quote", "POST", "/api/v1/loans/" + id + "/foreclosure", tok, `{}`, true, 400, "quoteId"},
		{"foreclose hostile quote", "POST", "/api/v1/loans/" + id + "/foreclosure", tok, `{"quoteId":"../../etc"}`, true, 400, "quoteId"},
		{"read someone else's", "GET", "/api/v1/loans/" + id, token(t, uniq("other"), "customer"), "", false, 403, ""},
		{"unknown loan", "GET", "/api/v1/loans/" + uniq("nope"), tok, "", false, 404, ""},
		{"calculator missing", "GET", "/api/v1/loan-calculator?principal=1000", "", "", false, 400, "annualRate"},
		{"calculator rate", "GET", "/api/v1/loan-calculator?principal=1000&annualRate=61&tenureMonths=12", "", "", false, 400, "annualRate"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var headers []string
			if c.key {
				headers = []string{"Idempotency-Key", uniq("k")}
			}
			var body any
			if c.body != "" {
				body = c.body
			}
			r := call(t, c.method, c.path, c.tok, body, headers...)
			if r.Status != c.status {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			if c.field != "" && !strings.Contains(string(r.Body), `"field":"`+c.field+`"`) {
				t.Fatalf("the problem does not name %s: %s", c.field, r.Body)
			}
		})
	}
	loans := call(t, "GET", "/api/v1/loans", tok, nil).JSON(t)["items"].([]any)
	if len(loans) != 1 || str(loans[0].(map[string]any), "state") != "ASSESSED" || str(loans[0].(map[string]any), "version") != "2" {
		t.Fatalf("bad input wrote something: %v (user %s)", loans, user)
	}
	// The calculator answers the SPEC's worked example.
	calc := call(t, "GET", "/api/v1/loan-calculator?principal=100000&annualRate=12&tenureMonths=12&startDate=2024-01-31", "", nil).JSON(t)
	last := calc["installments"].([]any)[11].(map[string]any)
	if calc["emi"] != "8884.88" || calc["totalInterest"] != "6618.53" || last["amount"] != "8884.85" ||
		str(calc["installments"].([]any)[0].(map[string]any), "dueDate") != "2024-02-29" {
		t.Fatalf("calculator %v", calc)
	}
}

// TestLendingFraudAlerts: 11 wallet transactions within 5 s → exactly one alert; 10 → none;
// 11 spread over 6 s → none. The LedgerTransactionCommitted events are put on the fraud-watch
// queue all at once, each twice, so several detector instances run concurrently and see
// duplicates, and each carries an exact ledger time at the window's edges. The whole path, from
// deposits through the route, is TestLendingFraudAlertThroughTheEventPath.
func TestLendingFraudAlerts(t *testing.T) {
	explainFailure(t)
	base := time.Now().UTC().Truncate(time.Second)
	burst, ten, spread := uniq("burst"), uniq("ten"), uniq("spread")
	q := sqs.NewFromConfig(awsCfg)
	url := queueURL(t, "LedgerFraudWatchQueue")
	send := func(user string, i int, at time.Time) {
		txID := ledger.DeriveID("dep", user, fmt.Sprint(i))
		env, err := events.New(events.Meta{EventID: "LTX#" + txID, CorrelationID: uniq("c"), OccurredAt: at, Domain: "ledger",
			Type: ledgerstore.EventTransactionCommitted, Version: 1}, ledgerstore.TransactionCommitted{TxID: txID, Type: "DEPOSIT",
			Postings: []ledgerstore.PostingData{{From: "external#01", To: "wallet:" + user, Amount: "1.00"}}, At: ledger.FormatTime(at),
			Meta: ledgerstore.MetaData{CorrelationID: "c", Actor: user}})
		if err != nil {
			t.Error(err)
			return
		}
		for k := 0; k < 2; k++ {
			body := busEventBody(t, env)
			if _, err := q.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: &url, MessageBody: &body}); err != nil {
				t.Error(err)
			}
		}
	}
	var wg sync.WaitGroup
	for i := 0; i < 11; i++ {
		wg.Add(3)
		go func() { defer wg.Done(); send(burst, i, base.Add(time.Duration(i)*400*time.Millisecond)) }()
		go func() {
			defer wg.Done()
			if i < 10 {
				send(ten, i, base.Add(time.Duration(i)*100*time.Millisecond))
			}
		}()
		go func() { defer wg.Done(); send(spread, i, base.Add(time.Duration(i)*600*time.Millisecond)) }()
	}
	wg.Wait()
	admin := token(t, uniq("admin"), "admin")
	alertsFor := func() map[string]int {
		out := map[string]int{}
		for _, a := range call(t, "GET", "/api/v1/fraud/alerts?limit=200", admin, nil).JSON(t)["items"].([]any) {
			out[str(a.(map[string]any), "userId")]++
		}
		return out
	}
	eventually(t, 2*asyncWait, "the burst raises an alert", func() bool { return alertsFor()[burst] > 0 })
	windowSize := func(user string) int {
		out, err := dynamodb.NewFromConfig(awsCfg).Query(context.Background(), &dynamodb.QueryInput{TableName: aws.String(lendingTable()),
			KeyConditionExpression: aws.String("pk = :pk AND begins_with(sk, :tx)"), ConsistentRead: aws.Bool(true),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: "FRAUD#" + user},
				":tx": &types.AttributeValueMemberS{Value: "TX#"}}})
		if err != nil {
			t.Fatal(err)
		}
		return len(out.Items)
	}
	eventually(t, 2*asyncWait, "every transaction reaches the detector", func() bool {
		return windowSize(burst) == 11 && windowSize(ten) == 10 && windowSize(spread) == 11
	})
	consistently(t, 3*time.Second, "one alert for the burst, none for ten or the spread", func() bool {
		got := alertsFor()
		if got[burst] != 1 || got[ten] != 0 || got[spread] != 0 {
			t.Logf("alerts burst %d ten %d spread %d", got[burst], got[ten], got[spread])
			return false
		}
		return true
	})
	if r := call(t, "GET", "/api/v1/fraud/alerts", token(t, uniq("c"), "customer"), nil); r.Status != 403 {
		t.Fatalf("customer reads alerts: %d", r.Status)
	}
}

// TestLendingFiguresLatency prints p50/p95 of apply, approve and repay through the local cloud at
// 16 concurrent clients.
func TestLendingFiguresLatency(t *testing.T) {
	explainFailure(t)
	const clients, perClient = 16, 3
	type borrower struct{ user, tok string }
	bs := make([]borrower, clients)
	for i := range bs {
		u, tk := newBorrower(t, "900000.00")
		bs[i] = borrower{u, tk}
	}
	var mu sync.Mutex
	lat := map[string][]time.Duration{}
	rec := func(op string, d time.Duration) { mu.Lock(); lat[op] = append(lat[op], d); mu.Unlock() }
	ids := make([][]string, clients)
	var wg sync.WaitGroup
	for i := range bs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < perClient; k++ {
				start := time.Now()
				r := call(t, "POST", "/api/v1/loans", bs[i].tok, map[string]any{"principal": "3000.00", "tenureMonths": 3, "purpose": "bench"})
				rec("apply", time.Since(start))
				if r.Status != 202 {
					t.Errorf("apply %d %s", r.Status, r.Body)
					return
				}
				ids[i] = append(ids[i], str(r.JSON(t), "id"))
			}
		}()
	}
	wg.Wait()
	for i := range bs {
		for _, id := range ids[i] {
			eventually(t, 2*asyncWait, "assessed", func() bool {
				return call(t, "GET", "/api/v1/loans/"+id, bs[i].tok, nil).JSON(t)["state"] == "ASSESSED"
			})
		}
	}
	approver := token(t, uniq("approver"), "approver")
	for i := range bs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, id := range ids[i] {
				start := time.Now()
				r := call(t, "POST", "/api/v1/loans/"+id+"/approve", approver, nil)
				rec("approve", time.Since(start))
				if r.Status != 200 {
					t.Errorf("approve %d %s", r.Status, r.Body)
				}
			}
		}()
	}
	wg.Wait()
	for i := range bs {
		for _, id := range ids[i] {
			waitState(t, id, bs[i].tok, "ACTIVE")
		}
	}
	for i := range bs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, id := range ids[i] {
				start := time.Now()
				r := call(t, "POST", "/api/v1/loans/"+id+"/repayments", bs[i].tok, nil, "Idempotency-Key", uniq("k"))
				rec("repay", time.Since(start))
				if r.Status != http.StatusCreated {
					t.Errorf("repay %d %s", r.Status, r.Body)
				}
			}
		}()
	}
	wg.Wait()
	for _, op := range []string{"apply", "approve", "repay"} {
		d := lat[op]
		sort.Slice(d, func(a, b int) bool { return d[a] < d[b] })
		t.Logf("FIGURE %s through the local cloud, %d clients, n=%d: p50 %s p95 %s", op, clients, len(d),
			d[len(d)/2].Round(time.Millisecond), d[(len(d)*95)/100].Round(time.Millisecond))
	}
}
