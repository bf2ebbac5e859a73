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
	"holdfast/shared/platform/dynamoitem"
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

// repayOnce is one attempt at Repay on the loan as read in cur: decide what is paid, build
// the lending writes and the postings, commit them together, and read the ledger's answer
// (retry true: the loan or installment moved meanwhile, decide again from a fresh read).
func (st *LoanStore) repayOnce(ctx context.Context, led Ledger, cur Loaded, no int, penaltyFor PenaltyFor, now time.Time, actor, corr, idemKey string) (RepaymentResult, bool, error) {
	rp, err := decideRepayment(ctx, cur, no, penaltyFor)
	if err != nil {
		return RepaymentResult{}, false, err
	}
	items, err := st.repaymentItems(cur, rp, now, actor, corr)
	if err != nil {
		return RepaymentResult{}, false, err
	}
	postings, err := repaymentPostings(cur.Loan, rp)
	if err != nil {
		return RepaymentResult{}, false, err
	}
	committed, err := led.CommitWith(ctx, ledger.Transaction{
		ID: rp.txID, Type: ledger.TypeRepayment, Postings: postings,
		Meta: ledger.Meta{LoanID: cur.Loan.ID, InstallmentNo: no, CorrelationID: corr, Actor: actor, IdempotencyKey: idemKey},
		At:   now,
	}, items)
	return rp.outcome(committed, err, now)
}

// repayment is one attempt's decision: the installment paid, its late penalty, the
// repayment's transaction ID and whether it is the last installment (the loan closes).
type repayment struct {
	inst    Installment
	penalty decimal.Decimal
	txID    string
	paid    int64 // installments paid before this one (the loan's paidCount as read)
	closing bool
}

// decideRepayment decides a repayment of installment no from cur: the domain says whether it
// may be paid (lending.Repayable), penaltyFor prices it (nil: no penalty).
func decideRepayment(ctx context.Context, cur Loaded, no int, penaltyFor PenaltyFor) (repayment, error) {
	insts, status := cur.Schedule()
	at, err := lending.Repayable(cur.Loan.State, insts, status, no)
	if err != nil {
		return repayment{}, err
	}
	rp := repayment{inst: cur.Installments[at], penalty: decimal.Zero, txID: RepaymentTxID(cur.Loan.ID, no),
		paid: int64(cur.Item.PaidCount)}
	rp.closing = rp.paid+1 >= int64(cur.Loan.TenureMonths)
	if penaltyFor != nil {
		if rp.penalty, err = penaltyFor(ctx, rp.inst); err != nil {
			return repayment{}, err
		}
	}
	return rp, nil
}

// repaymentItems are the lending writes committed with the postings: the installment PAID and
// the loan's paid count moved on, or, for the last installment, the loan closed with it.
func (st *LoanStore) repaymentItems(cur Loaded, rp repayment, now time.Time, actor, corr string) ([]types.TransactWriteItem, error) {
	items := []types.TransactWriteItem{st.markPaidItem(cur.Loan.ID, rp, now, actor, corr)}
	if !rp.closing {
		return append(items, st.countPaymentItem(cur.Loan.ID, rp)), nil
	}
	closing, err := st.closeOnPaymentItems(cur, rp, now, actor, corr)
	if err != nil {
		return nil, err
	}
	return append(items, closing...), nil
}

// markPaidItem sets the installment PAID (with who, when, the transaction and the penalty)
// and takes it off the EMI job's index, conditional on the status and version read.
func (st *LoanStore) markPaidItem(loanID string, rp repayment, now time.Time, actor, corr string) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(st.table), Key: dynamoitem.Key(LoanPK(loanID), instSK(rp.inst.No)),
		UpdateExpression: aws.String("SET #status = :paid, paidAt = :at, paidBy = :by, txId = :tx, penalty = :pen, correlationId = :corr, " +
			"version = :next REMOVE gsi1pk, gsi1sk"),
		ConditionExpression:      aws.String("#status = :read AND version = :v"),
		ExpressionAttributeNames: map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":paid": dynamoitem.S(string(lending.InstPaid)), ":at": dynamoitem.S(dynamoitem.Time(now)),
			":by": dynamoitem.S(actor), ":tx": dynamoitem.S(rp.txID), ":pen": &types.AttributeValueMemberN{Value: rp.penalty.StringFixed(2)}, ":corr": dynamoitem.S(corr),
			":read": dynamoitem.S(string(rp.inst.Status)), ":v": dynamoitem.N(rp.inst.Version), ":next": dynamoitem.N(rp.inst.Version + 1)},
	}}
}

// countPaymentItem moves an ACTIVE loan's paid count on by one (conditional on the count
// read) and its rev, which invalidates foreclosure quotes given before.
func (st *LoanStore) countPaymentItem(loanID string, rp repayment) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(st.table), Key: loanKey(loanID),
		UpdateExpression:          aws.String("SET paidCount = :paidNew ADD rev :one"),
		ConditionExpression:       aws.String("#state = :active AND paidCount = :paidOld"),
		ExpressionAttributeNames:  map[string]string{"#state": "state"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":paidNew": dynamoitem.N(rp.paid + 1), ":paidOld": dynamoitem.N(rp.paid), ":one": dynamoitem.N(1), ":active": dynamoitem.S(string(lending.StateActive))},
	}}
}

// closeOnPaymentItems close the loan as its last installment is paid: the ACTIVE → CLOSED
// transition (timeline entry, open-loan slot released) with the paid count and rev moved on in
// the same loan update, conditional on the version and the count read.
func (st *LoanStore) closeOnPaymentItems(cur Loaded, rp repayment, now time.Time, actor, corr string) ([]types.TransactWriteItem, error) {
	c, err := cur.Loan.Transition(lending.ActionClose, actor, "last installment paid", corr, now)
	if err != nil {
		return nil, err
	}
	items, err := st.transitionItemsWith(cur, c, "paidCount = :paidNew", "rev :one")
	if err != nil {
		return nil, err
	}
	u := items[0].Update
	u.ConditionExpression = aws.String(*u.ConditionExpression + " AND paidCount = :paidOld")
	u.ExpressionAttributeValues[":paidNew"], u.ExpressionAttributeValues[":paidOld"], u.ExpressionAttributeValues[":one"] = dynamoitem.N(rp.paid+1), dynamoitem.N(rp.paid), dynamoitem.N(1)
	return items, nil
}

// repaymentPostings take the installment and its penalty from the borrower's wallet: the
// principal to the loan, the interest to interest income, the penalty to penalty income; a
// zero part posts nothing, and an installment with nothing to pay is not payable.
func repaymentPostings(l lending.Loan, rp repayment) ([]ledger.Posting, error) {
	wallet, acct, err := accounts(l)
	if err != nil {
		return nil, err
	}
	var postings []ledger.Posting
	add := func(to ledger.Account, amt decimal.Decimal) {
		if amt.IsPositive() {
			postings = append(postings, ledger.Posting{From: wallet, To: to, Amount: amt})
		}
	}
	add(acct, rp.inst.Principal)
	add(ledger.InterestIncome, rp.inst.Interest)
	add(ledger.PenaltyIncome, rp.penalty)
	if len(postings) == 0 {
		return nil, errs.Conflict(lending.CodeNotPayable, fmt.Sprintf("Installment %d has nothing to pay.", rp.inst.No))
	}
	return postings, nil
}

// outcome reads the ledger's answer to the repayment's commit: committed, the paid
// installment; the transaction already in the ledger, another request paid it
// (installment_not_payable); a lending condition failed, retry from a fresh read.
func (rp repayment) outcome(committed ledgerstore.Committed, err error, now time.Time) (RepaymentResult, bool, error) {
	switch {
	case err == nil && committed.Replayed, errors.Is(err, ledger.ErrTransactionIDReuse):
		// Another request paid this installment (its repayment is in the ledger, and its state
		// change went in with it).
		return RepaymentResult{}, false, errs.Conflict(lending.CodeNotPayable, fmt.Sprintf("Installment %d is already paid.", rp.inst.No))
	case err == nil:
		done := rp.inst
		done.Status, done.Penalty, done.TxID, done.PaidAt = lending.InstPaid, rp.penalty, rp.txID, dynamoitem.Time(now)
		return RepaymentResult{Installment: done, TxID: rp.txID, Penalty: rp.penalty, Total: rp.inst.Amount.Add(rp.penalty),
			Closed: rp.closing, Committed: committed}, false, nil
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
	u.ExpressionAttributeValues[":rev"] = dynamoitem.N(qv.Rev)
	for _, in := range cur.Installments {
		if !in.Status.Unpaid() {
			continue
		}
		extra = append(extra, types.TransactWriteItem{Update: &types.Update{
			TableName: aws.String(st.table), Key: dynamoitem.Key(LoanPK(cur.Loan.ID), instSK(in.No)),
			UpdateExpression:          aws.String("SET #status = :cancelled, correlationId = :corr, version = :next REMOVE gsi1pk, gsi1sk"),
			ConditionExpression:       aws.String("version = :v"),
			ExpressionAttributeNames:  map[string]string{"#status": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":cancelled": dynamoitem.S(string(lending.InstCancelled)), ":corr": dynamoitem.S(corr), ":v": dynamoitem.N(in.Version), ":next": dynamoitem.N(in.Version + 1)},
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
