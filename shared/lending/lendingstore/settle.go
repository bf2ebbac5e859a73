package lendingstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/shopspring/decimal"

	"holdfast/shared/ledger"
	"holdfast/shared/ledger/ledgerstore"
	"holdfast/shared/lending"
	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/errs"
)

// Ledger is the one transaction writer (ledgerstore.Store). Every settlement goes through
// CommitWith: the postings and the lending state they settle (installment PAID, loan ACTIVE /
// CLOSED / FORECLOSED, timeline entry, schedule) commit in ONE TransactWriteItems, or nothing
// does.
type Ledger interface {
	CommitWith(ctx context.Context, tx ledger.Transaction, extra []types.TransactWriteItem) (ledgerstore.Committed, error)
}

// DisbursalTxID is the deterministic ID of a loan's DISBURSAL.
func DisbursalTxID(loanID string) string { return ledger.DeriveID("dsb", loanID) }

// RepaymentTxID is the deterministic ID of an installment's REPAYMENT: one per installment,
// whoever pays it (customer or auto-debit) and however often it is retried.
func RepaymentTxID(loanID string, no int) string {
	return ledger.DeriveID("rpy", loanID, itoa(int64(no)))
}

// ForeclosureTxID is the deterministic ID of a loan's FORECLOSURE.
func ForeclosureTxID(loanID string) string { return ledger.DeriveID("fcl", loanID) }

const maxSettleAttempts = 8

func accounts(l lending.Loan) (wallet, loan ledger.Account, err error) {
	if wallet, err = ledger.Wallet(l.UserID); err != nil {
		return "", "", err
	}
	loan, err = ledger.Loan(l.ID)
	return wallet, loan, err
}

// Disburse moves an APPROVED loan to ACTIVE with its schedule and posts the DISBURSAL (loan →
// wallet, principal) in one transaction. Delivered again (at once or a week later) it finds the
// loan ACTIVE, or its transaction already in the ledger, and changes nothing. It reports
// whether this call disbursed.
func (st *LoanStore) Disburse(ctx context.Context, led Ledger, id string, today clock.Date, now time.Time, actor, corr string) (lending.Loan, bool, error) {
	for attempt := 0; attempt < maxSettleAttempts; attempt++ {
		cur, err := st.Get(ctx, id)
		if err != nil {
			return lending.Loan{}, false, err
		}
		if cur.Loan.State != lending.StateApproved {
			return cur.Loan, false, nil // disbursed already, or cancelled before it
		}
		c, err := cur.Loan.Transition(lending.ActionDisburse, actor, "disbursed", corr, now)
		if err != nil {
			return lending.Loan{}, false, err
		}
		c.Loan.DisbursedOn = today
		extra, err := st.transitionItems(cur, c)
		if err != nil {
			return lending.Loan{}, false, err
		}
		plan := lending.BuildSchedule(c.Loan.Principal, c.Loan.AnnualRate, c.Loan.TenureMonths, today)
		insts, err := st.InstallmentPuts(c.Loan, plan, corr)
		if err != nil {
			return lending.Loan{}, false, err
		}
		wallet, acct, err := accounts(cur.Loan)
		if err != nil {
			return lending.Loan{}, false, err
		}
		committed, err := led.CommitWith(ctx, ledger.Transaction{
			ID: DisbursalTxID(id), Type: ledger.TypeDisbursal,
			Postings: []ledger.Posting{{From: acct, To: wallet, Amount: cur.Loan.Principal}},
			Meta:     ledger.Meta{LoanID: id, CorrelationID: corr, Actor: actor},
			At:       now,
		}, append(extra, insts...))
		switch {
		case err == nil && committed.Replayed:
			continue // another delivery disbursed it meanwhile: the next read says ACTIVE
		case err == nil:
			return c.Loan, true, nil
		case errors.Is(err, ledgerstore.ErrExtraConditionFailed):
			if err := backoff(ctx, min(attempt, 4)); err != nil {
				return lending.Loan{}, false, err
			}
			continue // the loan changed (another delivery, a cancel): decide again from a fresh read
		default:
			return lending.Loan{}, false, fmt.Errorf("post disbursal of %s: %w", id, err)
		}
	}
	return lending.Loan{}, false, errs.Conflict(CodeConcurrentUpdate, "The loan is being changed by another request; retry.")
}

// Schedule is cur's installments (read with them) in the domain's form and their statuses,
// position by position: what package lending's repayment and foreclosure rules take.
func (cur Loaded) Schedule() ([]lending.Installment, []lending.InstallmentStatus) {
	insts := make([]lending.Installment, len(cur.Installments))
	status := make([]lending.InstallmentStatus, len(cur.Installments))
	for i, in := range cur.Installments {
		insts[i], status[i] = in.Installment, in.Status
	}
	return insts, status
}

// RepaymentResult is a settled repayment.
type RepaymentResult struct {
	Installment Installment
	TxID        string
	Penalty     decimal.Decimal
	Total       decimal.Decimal
	Closed      bool // the loan closed with this payment
	Committed   ledgerstore.Committed
}

// PenaltyFor says the late penalty of an installment; it is asked only for a late one (so an
// on-time repayment does not read the borrower's profile).
type PenaltyFor func(ctx context.Context, in Installment) (decimal.Decimal, error)

// Repay pays installment no of the loan read in cur (with its installments) in full plus its
// penalty, from the borrower's wallet: the REPAYMENT postings (wallet → loan principal, →
// interest-income interest, → penalty-income penalty), the installment DUE|OVERDUE|SCHEDULED →
// PAID and the loan's paid count (the last installment closes the loan, with its timeline entry)
// in one transaction. Of any number of concurrent repayments of one installment exactly one
// succeeds; the others get a conflict. Insufficient funds: refused, and nothing changed.
func (st *LoanStore) Repay(ctx context.Context, led Ledger, cur Loaded, no int, penaltyFor PenaltyFor, now time.Time, actor, corr, idemKey string) (RepaymentResult, error) {
	for attempt := 0; attempt < maxSettleAttempts; attempt++ {
		if attempt > 0 {
			if err := backoff(ctx, min(attempt-1, 4)); err != nil {
				return RepaymentResult{}, err
			}
			fresh, err := st.GetWithInstallments(ctx, cur.Loan.ID)
			if err != nil {
				return RepaymentResult{}, err
			}
			cur = fresh
		}
		res, retry, err := st.repayOnce(ctx, led, cur, no, penaltyFor, now, actor, corr, idemKey)
		if !retry {
			return res, err
		}
	}
	return RepaymentResult{}, errs.Conflict(CodeConcurrentUpdate, "The loan is being changed by another request; retry.")
}

func (st *LoanStore) repayOnce(ctx context.Context, led Ledger, cur Loaded, no int, penaltyFor PenaltyFor, now time.Time, actor, corr, idemKey string) (RepaymentResult, bool, error) {
	insts, status := cur.Schedule()
	at, err := lending.Repayable(cur.Loan.State, insts, status, no)
	if err != nil {
		return RepaymentResult{}, false, err
	}
	inst := &cur.Installments[at]
	penalty := decimal.Zero
	if penaltyFor != nil {
		p, err := penaltyFor(ctx, *inst)
		if err != nil {
			return RepaymentResult{}, false, err
		}
		penalty = p
	}
	txID := RepaymentTxID(cur.Loan.ID, no)
	extra := []types.TransactWriteItem{{Update: &types.Update{
		TableName: aws.String(st.table), Key: key(LoanPK(cur.Loan.ID), instSK(no)),
		UpdateExpression: aws.String("SET #status = :paid, paidAt = :at, paidBy = :by, txId = :tx, penalty = :pen, correlationId = :corr, " +
			"version = :next REMOVE gsi1pk, gsi1sk"),
		ConditionExpression:      aws.String("#status = :read AND version = :v"),
		ExpressionAttributeNames: map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":paid": s(string(lending.InstPaid)), ":at": s(stamp(now)),
			":by": s(actor), ":tx": s(txID), ":pen": &types.AttributeValueMemberN{Value: penalty.StringFixed(2)}, ":corr": s(corr),
			":read": s(string(inst.Status)), ":v": n(inst.Version), ":next": n(inst.Version + 1)},
	}}}
	paid := int64(cur.Item.PaidCount)
	closing := paid+1 >= int64(cur.Loan.TenureMonths)
	if closing {
		c, err := cur.Loan.Transition(lending.ActionClose, actor, "last installment paid", corr, now)
		if err != nil {
			return RepaymentResult{}, false, err
		}
		items, err := st.transitionItemsWith(cur, c, "paidCount = :paidNew", "rev :one")
		if err != nil {
			return RepaymentResult{}, false, err
		}
		u := items[0].Update
		u.ConditionExpression = aws.String(*u.ConditionExpression + " AND paidCount = :paidOld")
		u.ExpressionAttributeValues[":paidNew"], u.ExpressionAttributeValues[":paidOld"], u.ExpressionAttributeValues[":one"] = n(paid+1), n(paid), n(1)
		extra = append(extra, items...)
	} else {
		extra = append(extra, types.TransactWriteItem{Update: &types.Update{
			TableName: aws.String(st.table), Key: loanKey(cur.Loan.ID),
			UpdateExpression:          aws.String("SET paidCount = :paidNew ADD rev :one"),
			ConditionExpression:       aws.String("#state = :active AND paidCount = :paidOld"),
			ExpressionAttributeNames:  map[string]string{"#state": "state"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":paidNew": n(paid + 1), ":paidOld": n(paid), ":one": n(1), ":active": s(string(lending.StateActive))},
		}})
	}
	wallet, acct, err := accounts(cur.Loan)
	if err != nil {
		return RepaymentResult{}, false, err
	}
	var postings []ledger.Posting
	add := func(to ledger.Account, amt decimal.Decimal) {
		if amt.IsPositive() {
			postings = append(postings, ledger.Posting{From: wallet, To: to, Amount: amt})
		}
	}
	add(acct, inst.Principal)
	add(ledger.InterestIncome, inst.Interest)
	add(ledger.PenaltyIncome, penalty)
	if len(postings) == 0 {
		return RepaymentResult{}, false, errs.Conflict(lending.CodeNotPayable, fmt.Sprintf("Installment %d has nothing to pay.", no))
	}
	committed, err := led.CommitWith(ctx, ledger.Transaction{
		ID: txID, Type: ledger.TypeRepayment, Postings: postings,
		Meta: ledger.Meta{LoanID: cur.Loan.ID, InstallmentNo: no, CorrelationID: corr, Actor: actor, IdempotencyKey: idemKey},
		At:   now,
	}, extra)
	switch {
	case err == nil && committed.Replayed, errors.Is(err, ledger.ErrTransactionIDReuse):
		// Another request paid this installment (its repayment is in the ledger, and its state
		// change went in with it).
		return RepaymentResult{}, false, errs.Conflict(lending.CodeNotPayable, fmt.Sprintf("Installment %d is already paid.", no))
	case err == nil:
		done := *inst
		done.Status, done.Penalty, done.TxID, done.PaidAt = lending.InstPaid, penalty, txID, stamp(now)
		return RepaymentResult{Installment: done, TxID: txID, Penalty: penalty, Total: inst.Amount.Add(penalty), Closed: closing, Committed: committed}, false, nil
	case errors.Is(err, ledgerstore.ErrExtraConditionFailed):
		return RepaymentResult{}, true, nil // the installment or the loan moved: decide again from a fresh read
	}
	return RepaymentResult{}, false, fmt.Errorf("post repayment: %w", err)
}

// Foreclosure codes.
const (
	CodeQuoteInvalid = "quote_invalid"
)

// QuoteView is a foreclosure quote with its ID (bound to the loan's rev and the business day).
type QuoteView struct {
	ID         string
	LoanID     string
	Quote      lending.Quote
	ValidUntil time.Time
	Rev        int64
}

// QuoteFor prices foreclosing cur (read with installments) today. Its ID is derived from the
// loan, its rev (moved by every repayment), the day and the figures, so a quote needs no write
// and stays valid exactly while nothing was paid on the loan and the business day lasts.
func QuoteFor(cur Loaded, today clock.Date, cal clock.Calendar, creditScore int) (QuoteView, error) {
	if cur.Loan.State != lending.StateActive {
		return QuoteView{}, errs.Conflict(lending.CodeIllegalTransition, fmt.Sprintf("A loan in state %s cannot be foreclosed.", cur.Loan.State))
	}
	insts, status := cur.Schedule()
	q := lending.ForeclosureQuote(cur.Loan.DisbursedOn, cur.Loan.AnnualRate, insts, status, today, creditScore)
	id := ledger.DeriveID("fq", cur.Loan.ID, itoa(cur.Item.Rev), today.String(), q.Total.StringFixed(2))
	return QuoteView{ID: id, LoanID: cur.Loan.ID, Quote: q, ValidUntil: cal.EndOf(today), Rev: cur.Item.Rev}, nil
}

// Foreclose settles quote qv (computed from cur) in one transaction: the FORECLOSURE postings,
// the loan ACTIVE → FORECLOSED (conditional on its version and on the rev the quote is bound
// to), its timeline entry, and every unpaid installment CANCELLED.
func (st *LoanStore) Foreclose(ctx context.Context, led Ledger, cur Loaded, qv QuoteView, now time.Time, actor, corr, idemKey string) (lending.Change, error) {
	c, err := cur.Loan.Transition(lending.ActionForeclose, actor, "foreclosed by quote "+qv.ID, corr, now)
	if err != nil {
		return lending.Change{}, err
	}
	extra, err := st.transitionItems(cur, c)
	if err != nil {
		return lending.Change{}, err
	}
	u := extra[0].Update
	u.ConditionExpression = aws.String(*u.ConditionExpression + " AND rev = :rev")
	u.ExpressionAttributeValues[":rev"] = n(qv.Rev)
	for _, in := range cur.Installments {
		if !in.Status.Unpaid() {
			continue
		}
		extra = append(extra, types.TransactWriteItem{Update: &types.Update{
			TableName: aws.String(st.table), Key: key(LoanPK(cur.Loan.ID), instSK(in.No)),
			UpdateExpression:          aws.String("SET #status = :cancelled, correlationId = :corr, version = :next REMOVE gsi1pk, gsi1sk"),
			ConditionExpression:       aws.String("version = :v"),
			ExpressionAttributeNames:  map[string]string{"#status": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":cancelled": s(string(lending.InstCancelled)), ":corr": s(corr), ":v": n(in.Version), ":next": n(in.Version + 1)},
		}})
	}
	wallet, acct, err := accounts(cur.Loan)
	if err != nil {
		return lending.Change{}, err
	}
	q := qv.Quote
	var postings []ledger.Posting
	add := func(to ledger.Account, amt decimal.Decimal) {
		if amt.IsPositive() {
			postings = append(postings, ledger.Posting{From: wallet, To: to, Amount: amt})
		}
	}
	add(acct, q.OutstandingPrincipal)
	add(ledger.InterestIncome, q.OverdueInterest.Add(q.AccruedInterest))
	add(ledger.PenaltyIncome, q.Penalties)
	add(ledger.FeeIncome, q.Fee)
	if len(postings) == 0 {
		return lending.Change{}, errs.Conflict(CodeQuoteInvalid, "Nothing is owed on this loan.")
	}
	committed, err := led.CommitWith(ctx, ledger.Transaction{
		ID: ForeclosureTxID(cur.Loan.ID), Type: ledger.TypeForeclosure, Postings: postings,
		Meta: ledger.Meta{LoanID: cur.Loan.ID, CorrelationID: corr, Actor: actor, IdempotencyKey: idemKey},
		At:   now,
	}, extra)
	switch {
	case err == nil && committed.Replayed, errors.Is(err, ledger.ErrTransactionIDReuse):
		return lending.Change{}, errs.Conflict(lending.CodeIllegalTransition, "The loan was foreclosed by another request.")
	case err == nil:
		return c, nil
	case errors.Is(err, ledgerstore.ErrExtraConditionFailed):
		return lending.Change{}, errs.Conflict(CodeQuoteInvalid, "The loan changed since this quote was given; ask for a new quote.")
	}
	return lending.Change{}, fmt.Errorf("post foreclosure: %w", err)
}
