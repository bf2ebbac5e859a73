package lendingworker

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/shopspring/decimal"

	"holdfast/shared/ledger"
	"holdfast/shared/ledger/ledgerstore"
	"holdfast/shared/lending"
	"holdfast/shared/lending/lendingstore"
	"holdfast/shared/localcloud/emulator/emulatortest"
	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/correlation"
	"holdfast/shared/platform/events"
	"holdfast/shared/platform/metrics"
	"holdfast/shared/platform/platformtest"
)

// TestMain runs against the emulator, whose DynamoDB is atomic (shared/localcloud/emulator).
func TestMain(m *testing.M) { emulatortest.Main(m) }

const table = platformtest.LendingTable

var kolkata, _ = time.LoadLocation("Asia/Kolkata")

type env struct {
	t     *testing.T
	db    *dynamodb.Client
	w     *Worker
	led   *ledgerstore.Store
	clk   *clock.Fixed
	cal   clock.Calendar
	calls *platformtest.CallCounter
}

func newEnv(t *testing.T) *env {
	t.Helper()
	cfg := emulatortest.Config(t)
	calls := &platformtest.CallCounter{}
	db := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.APIOptions = append(o.APIOptions, calls.Middleware) })
	platformtest.CreateTables(t, db, platformtest.Table{LogicalID: "LendingTable", Name: table})
	clk := clock.NewFixed(time.Date(2025, 1, 31, 6, 0, 0, 0, time.UTC)) // 31 Jan, 11:30 IST
	cal := clock.NewCalendar(kolkata)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	w, err := New(db, table, clk, cal, log, metrics.New(io.Discard, metrics.Namespace, nil))
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, db: db, w: w, led: w.Ledger.(*ledgerstore.Store), clk: clk, cal: cal, calls: calls}
}

func ctxWith(corr string) context.Context { return correlation.With(context.Background(), corr) }

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// profile declares income for user (and sets its score) through the profile store.
func (e *env) profile(user string, score int, income string) {
	e.t.Helper()
	now := e.clk.Now(context.Background())
	_, err := e.w.Profiles.Update(context.Background(), user, now, func(p lending.Profile) (lending.Profile, error) {
		p = p.DeclareMonthlyIncome(dec(income), now)
		return p.AdjustCreditScore(score-p.CreditScore, now), nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// deposit funds a wallet through the ledger's one writer (the deposit route belongs to the
// ledger issue).
func (e *env) deposit(user, amount, key string) {
	e.t.Helper()
	w, _ := ledger.Wallet(user)
	_, err := e.led.Commit(context.Background(), ledger.Transaction{ID: ledger.DeriveID("dep", user, key), Type: ledger.TypeDeposit,
		Postings: []ledger.Posting{{From: ledger.External, To: w, Amount: dec(amount)}},
		Meta:     ledger.Meta{CorrelationID: "test-" + key, Actor: user}, At: e.clk.Now(context.Background())})
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) balance(a ledger.Account) decimal.Decimal {
	e.t.Helper()
	b, err := e.led.Balance(context.Background(), a)
	if err != nil {
		e.t.Fatal(err)
	}
	return b
}

// apply creates a SUBMITTED loan.
func (e *env) apply(user, principal string, tenure int) string {
	e.t.Helper()
	now := e.clk.Now(context.Background())
	id := fmt.Sprintf("L-%s-%d", user, now.UnixNano())
	l := lending.Loan{ID: id, UserID: user, Principal: dec(principal), TenureMonths: tenure, Purpose: "test",
		State: lending.StateSubmitted, Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := e.w.Loans.Create(context.Background(), l, lending.TimelineEntry{Version: 1, At: now, Actor: user,
		To: lending.StateSubmitted, Action: "apply", CorrelationID: "c-apply"}); err != nil {
		e.t.Fatal(err)
	}
	return id
}

// loanEvent is an SQS message carrying a lending event for loanID, as the rule delivers it.
func loanEvent(t *testing.T, typ, loanID string) lambdaevents.SQSEvent {
	t.Helper()
	env, err := events.New(events.Meta{EventID: "LOAN#" + loanID + "#" + typ, CorrelationID: "c-" + typ, OccurredAt: time.Now(),
		Domain: "lending", Type: typ, Version: 1}, map[string]string{"loanId": loanID})
	if err != nil {
		t.Fatal(err)
	}
	return sqsOf(t, env)
}

func sqsOf(t *testing.T, env events.Envelope) lambdaevents.SQSEvent {
	t.Helper()
	body, err := events.Delivered(env, "bus-1", "123456789012", "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	return lambdaevents.SQSEvent{Records: []lambdaevents.SQSMessage{{MessageId: "m-" + env.Meta.EventID, Body: string(body)}}}
}

// activeLoan takes a loan from application to ACTIVE (disbursed today) and returns its ID.
func (e *env) activeLoan(user, principal string, tenure int) string {
	e.t.Helper()
	ctx := ctxWith("c-test")
	id := e.apply(user, principal, tenure)
	if resp, _ := e.w.Assess(ctx, loanEvent(e.t, "LoanSubmitted", id)); len(resp.BatchItemFailures) > 0 {
		e.t.Fatalf("assess failed: %+v", resp)
	}
	now := e.clk.Now(ctx)
	if _, err := e.w.Loans.Transition(ctx, id, func(cur lendingstore.Loaded) (lending.Change, error) {
		return cur.Loan.Approve("approver-1", "ok", "c-approve", now)
	}, nil); err != nil {
		e.t.Fatal(err)
	}
	if resp, _ := e.w.Disburse(ctx, disbursalMsg(id)); len(resp.BatchItemFailures) > 0 {
		e.t.Fatalf("disburse failed: %+v", resp)
	}
	return id
}

func disbursalMsg(id string) lambdaevents.SQSEvent {
	b, _ := json.Marshal(DisbursalMessage{LoanID: id, CorrelationID: "c-disb"})
	return lambdaevents.SQSEvent{Records: []lambdaevents.SQSMessage{{MessageId: "d-" + id, Body: string(b)}}}
}

// resetCounter sets a user's open-loan count to 1 (test seeding only).
func (e *env) resetCounter(user string) {
	e.t.Helper()
	_, err := e.db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "USER#" + user}, "sk": &types.AttributeValueMemberS{Value: "LOANS"},
		"open": &types.AttributeValueMemberN{Value: "1"}}})
	if err != nil {
		e.t.Fatal(err)
	}
}
