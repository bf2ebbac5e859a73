package lendingworker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/shopspring/decimal"

	"holdfast/shared/ledger"
	"holdfast/shared/ledger/ledgerstore"
	"holdfast/shared/lending"
	"holdfast/shared/lending/lendingrelay"
	"holdfast/shared/lending/lendingstore"
	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/correlation"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/events"
)

// System actors.
const (
	ActorRisk      = "system:risk-assessment"
	ActorDisbursal = "system:disbursal"
	ActorEMIJob    = "system:emi-job"
)

// each runs fn per SQS message, reporting the failed ones for SQS to redeliver.
func (w *Worker) each(ctx context.Context, ev lambdaevents.SQSEvent, fn func(context.Context, lambdaevents.SQSMessage) error) lambdaevents.SQSEventResponse {
	resp := lambdaevents.SQSEventResponse{BatchItemFailures: []lambdaevents.SQSBatchItemFailure{}}
	for _, msg := range ev.Records {
		if err := fn(ctx, msg); err != nil {
			w.Log.ErrorContext(ctx, "message failed", "messageId", msg.MessageId, "error", err.Error())
			resp.BatchItemFailures = append(resp.BatchItemFailures, lambdaevents.SQSBatchItemFailure{ItemIdentifier: msg.MessageId})
		}
	}
	return resp
}

func (w *Worker) eachEvent(ctx context.Context, ev lambdaevents.SQSEvent, fn func(context.Context, events.Received) error) lambdaevents.SQSEventResponse {
	return events.EachSQS(ctx, ev, w.Log, fn)
}

// Assess is the risk-assessment worker (LoanSubmitted.v1): grade, rate, EMI, DTI and a
// recommendation, or auto-rejection.
func (w *Worker) Assess(ctx context.Context, ev lambdaevents.SQSEvent) (lambdaevents.SQSEventResponse, error) {
	return w.eachEvent(ctx, ev, func(ctx context.Context, rec events.Received) error {
		var data lendingrelay.LoanChanged
		if err := rec.Decode(&data); err != nil {
			return err
		}
		return w.assess(ctx, data.LoanID)
	}), nil
}

func (w *Worker) assess(ctx context.Context, loanID string) error {
	now := w.Clock.Now(ctx)
	_, err := w.Loans.Transition(ctx, loanID, func(cur lendingstore.Loaded) (lending.Change, error) {
		if cur.Loan.State != lending.StateSubmitted {
			return lending.Change{}, errs.Conflict(lending.CodeIllegalTransition, "already assessed")
		}
		p, err := w.Profiles.GetOrCreate(ctx, cur.Loan.UserID, now)
		if err != nil {
			return lending.Change{}, err
		}
		active, err := w.Loans.DTIEMIs(ctx, cur.Loan.UserID, cur.Loan.ID)
		if err != nil {
			return lending.Change{}, err
		}
		a := w.Policy.Assess(p.CreditScore, p.MonthlyIncome, active, cur.Loan.Principal, cur.Loan.TenureMonths)
		corr := correlation.FromContext(ctx)
		if a.Rejected {
			c, err := cur.Loan.Transition(lending.ActionReject, ActorRisk, "auto-rejected: "+a.Reason, corr, now)
			if err != nil {
				return lending.Change{}, err
			}
			c.Loan.Grade, c.Loan.AnnualRate, c.Loan.EMI, c.Loan.DTI = a.Grade, a.AnnualRate, a.EMI, a.DTI
			return c, nil
		}
		c, err := cur.Loan.Transition(lending.ActionAssess, ActorRisk, fmt.Sprintf("grade %s, DTI %s, %s", a.Grade, a.DTI.StringFixed(4), a.Recommendation), corr, now)
		if err != nil {
			return lending.Change{}, err
		}
		c.Loan.Grade, c.Loan.AnnualRate, c.Loan.EMI, c.Loan.DTI, c.Loan.Recommendation = a.Grade, a.AnnualRate, a.EMI, a.DTI, a.Recommendation
		return c, nil
	}, nil)
	if errs.IsRefusal(err) { // a decided answer (illegal transition, …): a late or repeated delivery
		w.Log.InfoContext(ctx, "assessment skipped", "loanId", loanID, "reason", err.Error())
		return nil
	}
	return err
}

// DisbursalMessage is the body of a disbursal.fifo message.
type DisbursalMessage struct {
	LoanID        string `json:"loanId"`
	CorrelationID string `json:"correlationId"`
}

// EnqueueDisbursal turns LoanApproved.v1 into a disbursal.fifo message with MessageGroupId =
// MessageDeduplicationId = loan ID.
func (w *Worker) EnqueueDisbursal(ctx context.Context, ev lambdaevents.SQSEvent) (lambdaevents.SQSEventResponse, error) {
	return w.eachEvent(ctx, ev, func(ctx context.Context, rec events.Received) error {
		var data lendingrelay.LoanChanged
		if err := rec.Decode(&data); err != nil {
			return err
		}
		return w.SendDisbursal(ctx, data.LoanID, data.LoanID)
	}), nil
}

// SendDisbursal puts a disbursal message on disbursal.fifo (dedupID is the loan ID in
// production; tests pass another to prove the consumer's own exactly-once).
func (w *Worker) SendDisbursal(ctx context.Context, loanID, dedupID string) error {
	if w.DisbursalURL == "" {
		return errors.New("DISBURSAL_QUEUE_URL is not set")
	}
	body, err := json.Marshal(DisbursalMessage{LoanID: loanID, CorrelationID: correlation.FromContext(ctx)})
	if err != nil {
		return err
	}
	_, err = w.SQS.SendMessage(ctx, &sqs.SendMessageInput{
		QueueUrl: aws.String(w.DisbursalURL), MessageBody: aws.String(string(body)),
		MessageGroupId: aws.String(loanID), MessageDeduplicationId: aws.String(dedupID),
		MessageAttributes: map[string]sqstypes.MessageAttributeValue{
			"correlationId": {DataType: aws.String("String"), StringValue: aws.String(correlation.FromContext(ctx))},
		},
	})
	if err != nil {
		return fmt.Errorf("enqueue disbursal: %w", err)
	}
	return nil
}

// Disburse is the disbursal.fifo consumer: APPROVED → ACTIVE with the schedule, then the
// DISBURSAL posting. A redelivery (at once or a week later) finds the loan ACTIVE and the
// posting's deterministic ID already committed: one disbursal.
func (w *Worker) Disburse(ctx context.Context, ev lambdaevents.SQSEvent) (lambdaevents.SQSEventResponse, error) {
	return w.each(ctx, ev, func(ctx context.Context, msg lambdaevents.SQSMessage) error {
		var m DisbursalMessage
		if err := json.Unmarshal([]byte(msg.Body), &m); err != nil || !ledger.ValidOwnerID(m.LoanID) {
			return fmt.Errorf("disbursal message %s is malformed", msg.MessageId)
		}
		if m.CorrelationID != "" {
			ctx = correlation.With(ctx, m.CorrelationID)
		} else {
			ctx = correlation.With(ctx, "disbursal-"+m.LoanID)
		}
		now := w.Clock.Now(ctx)
		l, moved, err := w.Loans.Disburse(ctx, w.Ledger, m.LoanID, w.Calendar.DateOf(now), now, ActorDisbursal, correlation.FromContext(ctx))
		if errs.IsRefusal(err) { // the loan is past this step already
			w.Log.InfoContext(ctx, "disbursal skipped", "loanId", m.LoanID, "reason", err.Error())
			return nil
		}
		if err != nil {
			return err
		}
		w.Log.InfoContext(ctx, "disbursal", "loanId", m.LoanID, "state", l.State, "transitioned", moved)
		return nil
	}), nil
}

// CreditScore applies ledger transactions to borrowers' credit scores by
// lending.CreditScoreChange: a REPAYMENT of an installment in full and on time +20, a DEPOSIT
// of at least 1,000.00 +5 at most once per business day; exactly once per transaction and
// wallet.
func (w *Worker) CreditScore(ctx context.Context, ev lambdaevents.SQSEvent) (lambdaevents.SQSEventResponse, error) {
	return w.eachEvent(ctx, ev, func(ctx context.Context, rec events.Received) error {
		var tx ledgerstore.TransactionCommitted
		if err := rec.Decode(&tx); err != nil {
			return err
		}
		if tx.Type != string(ledger.TypeRepayment) && tx.Type != string(ledger.TypeDeposit) {
			return nil
		}
		at, err := ledger.ParseTime(tx.At)
		if err != nil {
			return err
		}
		day := w.Calendar.DateOf(at) // the business day of the transaction, not of its delivery
		for _, user := range walletsOf(tx) {
			sev, err := w.scoreEvent(ctx, tx, user, day)
			if err != nil {
				return err
			}
			change := lending.CreditScoreChange(sev)
			if change.Delta == 0 {
				continue
			}
			applied, err := w.Loans.ApplyScoreOnce(ctx, w.Profiles, user, tx.TxID, change, day, w.Clock.Now(ctx), correlation.FromContext(ctx))
			if err != nil {
				return err
			}
			w.Log.InfoContext(ctx, "credit score", "userId", user, "txId", tx.TxID, "delta", change.Delta, "applied", applied)
		}
		return nil
	}), nil
}

// scoreEvent is what tx was for user's wallet, paid on business day day: a deposit's amount
// into the wallet; for a repayment, whether the installment it names is PAID by this very
// transaction (its deterministic ID) and when it was due.
func (w *Worker) scoreEvent(ctx context.Context, tx ledgerstore.TransactionCommitted, user string, day clock.Date) (lending.ScoreEvent, error) {
	wallet, _ := ledger.Wallet(user)
	switch tx.Type {
	case string(ledger.TypeDeposit):
		ev := lending.ScoreEvent{Kind: lending.ScoreDeposit}
		for _, p := range tx.Postings {
			if p.To != string(wallet) {
				continue
			}
			amt, err := decimal.NewFromString(p.Amount)
			if err != nil {
				return lending.ScoreEvent{}, fmt.Errorf("deposit %s: amount %q: %w", tx.TxID, p.Amount, err)
			}
			ev.Amount = ev.Amount.Add(amt)
		}
		return ev, nil
	case string(ledger.TypeRepayment):
		ev := lending.ScoreEvent{Kind: lending.ScoreRepayment, PaidOn: day}
		id, no := tx.Meta.LoanID, tx.Meta.InstallmentNo
		if id == "" || no < 1 || tx.TxID != lendingstore.RepaymentTxID(id, no) {
			return ev, nil // not an installment's repayment: nothing to reward
		}
		cur, err := w.Loans.GetWithInstallments(ctx, id)
		if errs.KindOf(err) == errs.KindNotFound {
			return ev, nil
		}
		if err != nil {
			return lending.ScoreEvent{}, err
		}
		if cur.Loan.UserID != user {
			return ev, nil
		}
		for _, in := range cur.Installments {
			if in.No == no {
				ev.PaidInFull, ev.DueOn = in.Status == lending.InstPaid, in.DueDate
			}
		}
		return ev, nil
	}
	return lending.ScoreEvent{}, nil
}

func walletsOf(tx ledgerstore.TransactionCommitted) []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range tx.Postings {
		for _, a := range []string{p.From, p.To} {
			acct := ledger.Account(a)
			if acct.Kind() == ledger.KindWallet && !seen[acct.Owner()] {
				seen[acct.Owner()] = true
				out = append(out, acct.Owner())
			}
		}
	}
	return out
}

// Fraud is the fraud detector: each ledger transaction on a wallet joins that wallet's sliding
// window in DynamoDB; more than 10 within 5 s raises one alert (relayed as FraudSuspected.v1).
func (w *Worker) Fraud(ctx context.Context, ev lambdaevents.SQSEvent) (lambdaevents.SQSEventResponse, error) {
	return w.eachEvent(ctx, ev, func(ctx context.Context, rec events.Received) error {
		var tx ledgerstore.TransactionCommitted
		if err := rec.Decode(&tx); err != nil {
			return err
		}
		at, err := ledger.ParseTime(tx.At)
		if err != nil {
			return err
		}
		for _, user := range walletsOf(tx) {
			alert, err := w.Loans.ObserveWalletTx(ctx, user, tx.TxID, at, w.Clock.Now(ctx), correlation.FromContext(ctx))
			if err != nil {
				return err
			}
			if alert != nil {
				w.Log.WarnContext(ctx, "fraud suspected", "userId", user, "alertId", alert.AlertID, "count", alert.Count)
			}
		}
		return nil
	}), nil
}

// EMIResult is what one EMI job run did.
type EMIResult struct {
	AsOf        string `json:"asOf"`
	Seen        int64  `json:"seen"`
	Reminders   int64  `json:"reminders"`
	AutoDebited int64  `json:"autoDebited"`
	MarkedDue   int64  `json:"markedDue"`
	Overdue     int64  `json:"overdue"`
	Failed      int64  `json:"failed"`
	DurationMs  int64  `json:"durationMs"`
}

// EMIJob is the daily EMI job (EventBridge schedule, or `holdfast schedule run … --as-of`):
// reminders for installments due in 3 days, auto-debit of those due today (else DUE and a
// notice), OVERDUE and a notice for those past due. It walks every due-index shard with bounded
// concurrency; each step is idempotent per installment per day, so runs may repeat or overlap.
func (w *Worker) EMIJob(ctx context.Context, _ lambdaevents.CloudWatchEvent) (EMIResult, error) {
	return w.RunEMI(ctx, w.Calendar.Today(ctx, w.Clock))
}

// RunEMI runs the EMI job for business day today over every shard.
func (w *Worker) RunEMI(ctx context.Context, today clock.Date) (EMIResult, error) {
	started := time.Now()
	corr := "emi-job-" + today.String()
	ctx = correlation.With(ctx, corr)
	var res EMIResult
	res.AsOf = today.String()
	conc := max(w.EMIConcurrency, 1)
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	for shard := 0; shard < lendingstore.DueShards; shard++ {
		err := w.Loans.DueInstallments(ctx, shard, today.AddDays(lendingstore.ReminderDays), func(in lendingstore.Installment) error {
			atomic.AddInt64(&res.Seen, 1)
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				if err := w.emiStep(ctx, in, today, corr, &res); err != nil {
					atomic.AddInt64(&res.Failed, 1)
					w.Log.ErrorContext(ctx, "emi step failed", "loanId", in.LoanID, "no", in.No, "error", err.Error())
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}()
			return nil
		})
		if err != nil {
			wg.Wait()
			return res, err
		}
	}
	wg.Wait()
	res.DurationMs = time.Since(started).Milliseconds()
	w.Log.InfoContext(ctx, "emi job done", "asOf", res.AsOf, "seen", res.Seen, "reminders", res.Reminders,
		"autoDebited", res.AutoDebited, "markedDue", res.MarkedDue, "overdue", res.Overdue, "failed", res.Failed)
	if len(errs) > 0 {
		return res, fmt.Errorf("emi job: %d installments failed: %w", len(errs), errors.Join(errs[:min(len(errs), 3)]...))
	}
	return res, nil
}

func (w *Worker) emiStep(ctx context.Context, in lendingstore.Installment, today clock.Date, corr string, res *EMIResult) error {
	switch {
	case in.DueDate == today.AddDays(lendingstore.ReminderDays):
		ok, err := w.Loans.Remind(ctx, in, today, corr)
		if ok {
			atomic.AddInt64(&res.Reminders, 1)
		}
		return err
	case in.DueDate == today:
		debited, err := w.autoDebit(ctx, in, today)
		if err != nil {
			return err
		}
		if debited {
			atomic.AddInt64(&res.AutoDebited, 1)
			return nil
		}
		ok, err := w.Loans.Mark(ctx, in, lending.InstDue, today, corr)
		if ok {
			atomic.AddInt64(&res.MarkedDue, 1)
		}
		return err
	case in.DueDate.Before(today) && in.Status != lending.InstOverdue:
		ok, err := w.Loans.Mark(ctx, in, lending.InstOverdue, today, corr)
		if ok {
			atomic.AddInt64(&res.Overdue, 1)
		}
		return err
	}
	return nil
}

// autoDebit pays an installment due today from the wallet when the balance covers it, through
// the same path as a customer's repayment (same transaction ID: never twice).
func (w *Worker) autoDebit(ctx context.Context, in lendingstore.Installment, today clock.Date) (bool, error) {
	cur, err := w.Loans.GetWithInstallments(ctx, in.LoanID)
	if err != nil {
		return false, err
	}
	_, err = w.Loans.Repay(ctx, w.Ledger, cur, in.No, nil, w.Clock.Now(ctx), ActorEMIJob, correlation.FromContext(ctx), "")
	if err == nil {
		return true, nil
	}
	switch errs.CodeOf(err) {
	case ledger.CodeInsufficientFunds, lending.CodeNotPayable, lending.CodeIllegalTransition, lendingstore.CodeConcurrentUpdate:
		return false, nil
	}
	return false, err
}
