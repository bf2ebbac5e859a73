package lendingapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"holdfast/shared/ledger"
	"holdfast/shared/ledger/ledgerstore"
	"holdfast/shared/lending"
	"holdfast/shared/lending/lendingstore"
	"holdfast/shared/money"
	"holdfast/shared/platform/audit"
	"holdfast/shared/platform/authz"
	"holdfast/shared/platform/correlation"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/httpapi"
	"holdfast/shared/platform/idempotency"
	"holdfast/shared/platform/identity"
	"holdfast/shared/platform/page"
)

// loanView is the wire form of a loan.
type loanView struct {
	ID              string   `json:"id"`
	UserID          string   `json:"userId"`
	Principal       string   `json:"principal"`
	TenureMonths    int      `json:"tenureMonths"`
	Purpose         string   `json:"purpose"`
	State           string   `json:"state"`
	Version         int64    `json:"version"`
	Grade           string   `json:"grade,omitempty"`
	AnnualRate      string   `json:"annualRate,omitempty"`
	EMI             string   `json:"emi,omitempty"`
	DTI             string   `json:"dti,omitempty"`
	Recommendation  string   `json:"recommendation,omitempty"`
	Approvals       []string `json:"approvals"`
	ApprovalsNeeded int      `json:"approvalsNeeded"`
	DisbursedOn     string   `json:"disbursedOn,omitempty"`
	Reason          string   `json:"reason,omitempty"`
	CreatedAt       string   `json:"createdAt"`
	UpdatedAt       string   `json:"updatedAt"`
}

func viewLoan(l lending.Loan) loanView {
	v := loanView{ID: l.ID, UserID: l.UserID, Principal: money.Format(l.Principal), TenureMonths: l.TenureMonths,
		Purpose: l.Purpose, State: string(l.State), Version: l.Version, Grade: l.Grade, Recommendation: l.Recommendation,
		Approvals: l.Approvals, ApprovalsNeeded: l.ApprovalsNeeded(), Reason: l.Reason,
		CreatedAt: l.CreatedAt.UTC().Format(time.RFC3339Nano), UpdatedAt: l.UpdatedAt.UTC().Format(time.RFC3339Nano)}
	if v.Approvals == nil {
		v.Approvals = []string{}
	}
	if l.Grade != "" {
		v.AnnualRate, v.EMI, v.DTI = l.AnnualRate.String(), money.Format(l.EMI), l.DTI.StringFixed(4)
	}
	if !l.DisbursedOn.IsZero() {
		v.DisbursedOn = l.DisbursedOn.String()
	}
	return v
}

// deps are what the loan handlers use.
type deps struct {
	d        *httpapi.Deps
	loans    *lendingstore.LoanStore
	profiles *lendingstore.ProfileStore
	ledger   *ledgerstore.Store
}

func newDeps(d *httpapi.Deps, withLedger bool) (*deps, error) {
	if d.Config.LendingTable == "" {
		return nil, errors.New("LENDING_TABLE is not set")
	}
	out := &deps{d: d, loans: lendingstore.NewLoanStore(d.DynamoDB, d.Config.LendingTable),
		profiles: lendingstore.NewProfileStore(d.DynamoDB, d.Config.LendingTable)}
	if withLedger {
		st, err := ledgerstore.New(d.DynamoDB, ledgerstore.Options{Table: d.Config.LendingTable, Logger: d.Logger})
		if err != nil {
			return nil, err
		}
		out.ledger = st
	}
	return out, nil
}

// onLoan builds the handler of a /loans/{id} route: the dependencies once, then per request
// the path's loan ID checked before fn runs.
func onLoan(d *httpapi.Deps, withLedger bool, fn func(r *http.Request, x *deps, id string) (*httpapi.Response, error)) (httpapi.Handler, error) {
	x, err := newDeps(d, withLedger)
	if err != nil {
		return nil, err
	}
	return func(r *http.Request) (*httpapi.Response, error) {
		id, err := loanID(r)
		if err != nil {
			return nil, err
		}
		return fn(r, x, id)
	}, nil
}

// onList builds the handler of a paged list route: the dependencies once, then per request
// only `limit` and `cursor` accepted and parsed by spec before fn runs.
func onList(d *httpapi.Deps, spec page.Spec, fn func(r *http.Request, x *deps, limit int, start map[string]types.AttributeValue) (*httpapi.Response, error)) (httpapi.Handler, error) {
	x, err := newDeps(d, false)
	if err != nil {
		return nil, err
	}
	return func(r *http.Request) (*httpapi.Response, error) {
		q, err := httpapi.Query(r, "limit", "cursor")
		if err != nil {
			return nil, err
		}
		limit, start, err := spec.Parse(q)
		if err != nil {
			return nil, err
		}
		return fn(r, x, limit, start)
	}, nil
}

// loanID reads and checks the {id} path parameter.
func loanID(r *http.Request) (string, error) {
	id := r.PathValue("id")
	if !ledger.ValidOwnerID(id) || len(id) > 64 {
		return "", errs.Validation(errs.Field("id", "must be a loan ID"))
	}
	return id, nil
}

// loadOwned reads a loan the caller may act on: the owner, or a role the route lets act on
// any loan (approver, admin, auditor).
func (x *deps) loadOwned(ctx context.Context, id string, withInstallments bool) (lendingstore.Loaded, error) {
	var cur lendingstore.Loaded
	var err error
	if withInstallments {
		cur, err = x.loans.GetWithInstallments(ctx, id)
	} else {
		cur, err = x.loans.Get(ctx, id)
	}
	if err != nil {
		return lendingstore.Loaded{}, err
	}
	if err := authz.RequireOwner(ctx, cur.Loan.UserID); err != nil {
		return lendingstore.Loaded{}, err
	}
	return cur, nil
}

type applyRequest struct {
	Principal    *string `json:"principal"`
	TenureMonths *int    `json:"tenureMonths"`
	Purpose      *string `json:"purpose"`
}

// Apply builds POST /api/v1/loans: a SUBMITTED loan, 202; the risk worker assesses it.
func Apply(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
	x, err := newDeps(d, false)
	if err != nil {
		return nil, err
	}
	return func(r *http.Request) (*httpapi.Response, error) {
		ctx := r.Context()
		caller := identity.FromContext(ctx)
		if err := authz.RequireOwner(ctx, caller.Subject); err != nil {
			return nil, err
		}
		var req applyRequest
		if err := httpapi.Decode(r, &req); err != nil {
			return nil, err
		}
		app, err := lending.ParseApplication(req.Principal, req.TenureMonths, req.Purpose)
		if err != nil {
			return nil, err
		}
		if !ledger.ValidOwnerID(caller.Subject) {
			return nil, errs.Forbidden("Your user ID cannot hold a wallet.")
		}
		id := uuid.NewString()
		if key := idempotency.Key(r); key != "" {
			// The same key always names the same loan, so even a retry that outlives the
			// idempotency record cannot create a second one.
			id = uuid.NewSHA1(uuid.NameSpaceOID, []byte(caller.Subject+"\x00"+key)).String()
		}
		now := d.Clock.Now(ctx)
		l := lending.Loan{ID: id, UserID: caller.Subject, Principal: app.Principal, TenureMonths: app.TenureMonths,
			Purpose: app.Purpose, State: lending.StateSubmitted, Version: 1, CreatedAt: now, UpdatedAt: now}
		audit.SetEntity(ctx, "loan", id)
		e := lending.TimelineEntry{Version: 1, At: now, Actor: caller.Subject, To: lending.StateSubmitted,
			Action: "apply", CorrelationID: correlation.FromContext(ctx)}
		if err := x.loans.Create(ctx, l, e); err != nil {
			return nil, err
		}
		resp, err := httpapi.JSON(http.StatusAccepted, viewLoan(l))
		if err == nil {
			resp.Header.Set("Location", "/api/v1/loans/"+id)
		}
		return resp, err
	}, nil
}

// GetLoan builds GET /api/v1/loans/{id}.
func GetLoan(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
	return onLoan(d, false, func(r *http.Request, x *deps, id string) (*httpapi.Response, error) {
		cur, err := x.loadOwned(r.Context(), id, false)
		if err != nil {
			return nil, err
		}
		return httpapi.JSON(http.StatusOK, viewLoan(cur.Loan))
	})
}

// ListLoans builds GET /api/v1/loans: the caller's loans, newest first.
func ListLoans(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
	x, err := newDeps(d, false)
	if err != nil {
		return nil, err
	}
	return func(r *http.Request) (*httpapi.Response, error) {
		ctx := r.Context()
		if _, err := httpapi.Query(r); err != nil {
			return nil, err
		}
		sub := identity.FromContext(ctx).Subject
		if err := authz.RequireOwner(ctx, sub); err != nil {
			return nil, err
		}
		loans, err := x.loans.ListByUser(ctx, sub)
		if err != nil {
			return nil, err
		}
		items := make([]loanView, len(loans))
		for i, l := range loans {
			items[i] = viewLoan(l)
		}
		return httpapi.JSON(http.StatusOK, map[string]any{"items": items, "nextCursor": nil})
	}, nil
}

// reviewItem is a loan in the approval queue, with whether the caller may approve it.
type reviewItem struct {
	loanView
	// CanApprove is false for the caller's own application and for a loan the caller already
	// approved (it waits for a second approver).
	CanApprove bool `json:"canApprove"`
}

// reviewPage is the paging of GET /api/v1/approvals.
var reviewPage = page.Spec{Default: 25, Max: 100, Bound: map[string]string{"gsi2pk": lendingstore.ReviewIndexPK},
	Keys: []string{"pk", "sk", "gsi2pk", "gsi2sk"}}

// ReviewQueue builds GET /api/v1/approvals?limit=&cursor= (approver, admin): the loans awaiting
// an approval decision, oldest application first.
func ReviewQueue(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
	return onList(d, reviewPage, func(r *http.Request, x *deps, limit int, start map[string]types.AttributeValue) (*httpapi.Response, error) {
		loans, last, err := x.loans.ReviewQueue(r.Context(), limit, start)
		if err != nil {
			return nil, err
		}
		caller := identity.FromContext(r.Context())
		items := make([]reviewItem, len(loans))
		for i, l := range loans {
			items[i] = reviewItem{loanView: viewLoan(l), CanApprove: caller.HasRole(identity.RoleApprover) &&
				l.UserID != caller.Subject && !slices.Contains(l.Approvals, caller.Subject)}
		}
		body, err := page.Body(items, last)
		if err != nil {
			return nil, err
		}
		return httpapi.JSON(http.StatusOK, body)
	})
}

type noteRequest struct {
	Note *string `json:"note"`
}

type reasonRequest struct {
	Reason *string `json:"reason"`
}

// Approve builds POST /api/v1/loans/{id}/approve {note}: approvers only, never the applicant;
// principal ≥ 500,000 needs two different approvers.
func Approve(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
	return onLoan(d, false, func(r *http.Request, x *deps, id string) (*httpapi.Response, error) {
		ctx := r.Context()
		var req noteRequest
		if _, err := httpapi.DecodeOptional(r, &req); err != nil {
			return nil, err
		}
		note, err := lending.ParseNote("note", req.Note)
		if err != nil {
			return nil, err
		}
		return x.decide(ctx, d, id, func(cur lendingstore.Loaded, approver string, now time.Time) (lending.Change, error) {
			return cur.Loan.Approve(approver, note, correlation.FromContext(ctx), now)
		})
	})
}

// Reject builds POST /api/v1/loans/{id}/reject {note}: approvers only, never the applicant.
func Reject(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
	return onLoan(d, false, func(r *http.Request, x *deps, id string) (*httpapi.Response, error) {
		ctx := r.Context()
		var req noteRequest
		if err := httpapi.Decode(r, &req); err != nil {
			return nil, err
		}
		if req.Note == nil {
			return nil, errs.Validation(errs.Field("note", "is required"))
		}
		note, err := lending.ParseNote("note", req.Note)
		if err != nil {
			return nil, err
		}
		if note == "" {
			return nil, errs.Validation(errs.Field("note", "must not be blank"))
		}
		return x.decide(ctx, d, id, func(cur lendingstore.Loaded, actor string, now time.Time) (lending.Change, error) {
			if cur.Loan.UserID == actor {
				return lending.Change{}, errs.ForbiddenCode(lending.CodeSelfApproval, "An applicant may not decide on their own loan.")
			}
			return cur.Loan.Transition(lending.ActionReject, actor, note, correlation.FromContext(ctx), now)
		})
	})
}

// Cancel builds POST /api/v1/loans/{id}/cancel {reason?}: the applicant or an admin, before
// disbursal.
func Cancel(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
	return onLoan(d, false, func(r *http.Request, x *deps, id string) (*httpapi.Response, error) {
		ctx := r.Context()
		var req reasonRequest
		if _, err := httpapi.DecodeOptional(r, &req); err != nil {
			return nil, err
		}
		reason := "cancelled"
		if req.Reason != nil {
			v, err := lending.ParseNote("reason", req.Reason)
			if err != nil {
				return nil, err
			}
			if v != "" {
				reason = v
			}
		}
		if _, err := x.loadOwned(ctx, id, false); err != nil {
			return nil, err
		}
		return x.decide(ctx, d, id, func(cur lendingstore.Loaded, actor string, now time.Time) (lending.Change, error) {
			return cur.Loan.Transition(lending.ActionCancel, actor, reason, correlation.FromContext(ctx), now)
		})
	})
}

// decide commits one decision on loan id as the caller, at the clock's time, and answers with
// the loan: the tail every approve/reject/cancel shares (their validation differs).
func (x *deps) decide(ctx context.Context, d *httpapi.Deps, id string,
	next func(cur lendingstore.Loaded, actor string, now time.Time) (lending.Change, error)) (*httpapi.Response, error) {
	audit.SetEntity(ctx, "loan", id)
	actor := identity.FromContext(ctx).Subject
	now := d.Clock.Now(ctx)
	c, err := x.loans.Transition(ctx, id, func(cur lendingstore.Loaded) (lending.Change, error) {
		return next(cur, actor, now)
	}, nil)
	if err != nil {
		return nil, err
	}
	return httpapi.JSON(http.StatusOK, viewLoan(c.Loan))
}

type timelineView struct {
	Version       int64  `json:"version"`
	At            string `json:"at"`
	Actor         string `json:"actor"`
	From          string `json:"from,omitempty"`
	To            string `json:"to"`
	Action        string `json:"action"`
	Reason        string `json:"reason,omitempty"`
	CorrelationID string `json:"correlationId"`
}

// Timeline builds GET /api/v1/loans/{id}/timeline.
func Timeline(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
	return onLoan(d, false, func(r *http.Request, x *deps, id string) (*httpapi.Response, error) {
		ctx := r.Context()
		if _, err := x.loadOwned(ctx, id, false); err != nil {
			return nil, err
		}
		entries, err := x.loans.Timeline(ctx, id)
		if err != nil {
			return nil, err
		}
		items := make([]timelineView, len(entries))
		for i, e := range entries {
			items[i] = timelineView{Version: e.Version, At: e.At.UTC().Format(time.RFC3339Nano), Actor: e.Actor,
				From: string(e.From), To: string(e.To), Action: string(e.Action), Reason: e.Reason, CorrelationID: e.CorrelationID}
		}
		return httpapi.JSON(http.StatusOK, map[string]any{"loanId": id, "items": items, "nextCursor": nil})
	})
}

type installmentView struct {
	No        int    `json:"no"`
	DueDate   string `json:"dueDate"`
	Amount    string `json:"amount"`
	Principal string `json:"principal"`
	Interest  string `json:"interest"`
	Opening   string `json:"openingBalance"`
	Closing   string `json:"closingBalance"`
	Status    string `json:"status,omitempty"`
	Penalty   string `json:"penalty,omitempty"`
	PaidAt    string `json:"paidAt,omitempty"`
	TxID      string `json:"txId,omitempty"`
}

type scheduleView struct {
	LoanID        string            `json:"loanId,omitempty"`
	Principal     string            `json:"principal"`
	AnnualRate    string            `json:"annualRate"`
	TenureMonths  int               `json:"tenureMonths"`
	StartDate     string            `json:"startDate"`
	EMI           string            `json:"emi"`
	TotalInterest string            `json:"totalInterest"`
	TotalPayable  string            `json:"totalPayable"`
	Installments  []installmentView `json:"installments"`
}

func viewPlan(p lending.Plan) scheduleView {
	v := scheduleView{Principal: money.Format(p.Principal), AnnualRate: p.AnnualRate.String(), TenureMonths: p.TenureMonths,
		StartDate: p.StartDate.String(), EMI: money.Format(p.EMI), TotalInterest: money.Format(p.TotalInterest),
		TotalPayable: money.Format(p.TotalPayable), Installments: make([]installmentView, len(p.Installments))}
	for i, in := range p.Installments {
		v.Installments[i] = installmentView{No: in.No, DueDate: in.DueDate.String(), Amount: money.Format(in.Amount),
			Principal: money.Format(in.Principal), Interest: money.Format(in.Interest), Opening: money.Format(in.Opening),
			Closing: money.Format(in.Closing)}
	}
	return v
}

// Calculator builds the public GET /api/v1/loan-calculator: the very schedule code loans use.
func Calculator(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
	return func(r *http.Request) (*httpapi.Response, error) {
		q, err := httpapi.Query(r, "principal", "annualRate", "tenureMonths", "startDate")
		if err != nil {
			return nil, err
		}
		in, err := lending.ParseCalculator(q, d.Calendar.Today(r.Context(), d.Clock))
		if err != nil {
			return nil, err
		}
		return httpapi.JSON(http.StatusOK, viewPlan(lending.BuildSchedule(in.Principal, in.AnnualRate, in.TenureMonths, in.StartDate)))
	}, nil
}

// Schedule builds GET /api/v1/loans/{id}/schedule: the installments with their status.
func Schedule(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
	return onLoan(d, false, func(r *http.Request, x *deps, id string) (*httpapi.Response, error) {
		ctx := r.Context()
		cur, err := x.loadOwned(ctx, id, true)
		if err != nil {
			return nil, err
		}
		if cur.Loan.DisbursedOn.IsZero() {
			return nil, errs.Conflict(lending.CodeIllegalTransition, fmt.Sprintf("A loan in state %s has no schedule yet.", cur.Loan.State))
		}
		plan := lending.BuildSchedule(cur.Loan.Principal, cur.Loan.AnnualRate, cur.Loan.TenureMonths, cur.Loan.DisbursedOn)
		v := viewPlan(plan)
		v.LoanID = id
		for i, in := range cur.Installments {
			if i >= len(v.Installments) {
				break
			}
			v.Installments[i].Status = string(in.Status)
			if in.Status == lending.InstPaid {
				v.Installments[i].Penalty, v.Installments[i].PaidAt, v.Installments[i].TxID = money.Format(in.Penalty), in.PaidAt, in.TxID
			}
		}
		return httpapi.JSON(http.StatusOK, v)
	})
}

type repayRequest struct {
	InstallmentNo *int `json:"installmentNo"`
}

// creditScore is the borrower's score now (the default for a borrower without a profile).
func (x *deps) creditScore(ctx context.Context, userID string) (int, error) {
	p, found, err := x.profiles.Get(ctx, userID)
	if err != nil {
		return 0, err
	}
	if !found {
		return lending.DefaultCreditScore, nil
	}
	return p.CreditScore, nil
}

// Repay builds POST /api/v1/loans/{id}/repayments {installmentNo?}.
func Repay(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
	return onLoan(d, true, func(r *http.Request, x *deps, id string) (*httpapi.Response, error) {
		ctx := r.Context()
		var req repayRequest
		if _, err := httpapi.DecodeOptional(r, &req); err != nil {
			return nil, err
		}
		if req.InstallmentNo != nil && (*req.InstallmentNo < 1 || *req.InstallmentNo > lending.MaxLoanTenure) {
			return nil, errs.Validation(errs.Field("installmentNo", "must be between 1 and 60"))
		}
		cur, err := x.loadOwned(ctx, id, true)
		if err != nil {
			return nil, err
		}
		audit.SetEntity(ctx, "loan", id)
		res, err := repayOnce(ctx, x, cur, req.InstallmentNo, identity.FromContext(ctx).Subject, idempotency.Key(r))
		if err != nil {
			return nil, err
		}
		return httpapi.JSON(http.StatusCreated, repaymentView(id, res))
	})
}

func repayOnce(ctx context.Context, x *deps, cur lendingstore.Loaded, no *int, actor, key string) (lendingstore.RepaymentResult, error) {
	n := 0
	if no != nil {
		n = *no
	} else {
		for _, in := range cur.Installments {
			if in.Status.Unpaid() {
				n = in.No
				break
			}
		}
		if n == 0 {
			if cur.Loan.State != lending.StateActive {
				return lendingstore.RepaymentResult{}, errs.Conflict(lending.CodeIllegalTransition, fmt.Sprintf("A loan in state %s takes no repayments.", cur.Loan.State))
			}
			return lendingstore.RepaymentResult{}, errs.Conflict(lendingstore.CodeNotPayable, "Nothing is left to pay.")
		}
	}
	today := x.d.Calendar.Today(ctx, x.d.Clock)
	penalty := func(ctx context.Context, in lendingstore.Installment) (decimal.Decimal, error) {
		late := lending.DaysLate(in.DueDate, today)
		if late == 0 {
			return decimal.Zero, nil // on time: no need to read the borrower's score
		}
		score, err := x.creditScore(ctx, cur.Loan.UserID)
		if err != nil {
			return decimal.Decimal{}, err
		}
		return lending.Penalty(in.Amount, late, score), nil
	}
	return x.loans.Repay(ctx, x.ledger, cur, n, penalty, x.d.Clock.Now(ctx), actor, correlation.FromContext(ctx), key)
}

func repaymentView(loanID string, res lendingstore.RepaymentResult) map[string]any {
	in := res.Installment
	return map[string]any{
		"loanId": loanID, "installmentNo": in.No, "dueDate": in.DueDate.String(), "txId": res.TxID,
		"amount": money.Format(in.Amount), "principal": money.Format(in.Principal), "interest": money.Format(in.Interest),
		"penalty": money.Format(res.Penalty), "total": money.Format(res.Total), "status": string(in.Status),
		"loanClosed": res.Closed,
	}
}

type quoteView struct {
	QuoteID              string `json:"quoteId"`
	LoanID               string `json:"loanId"`
	OutstandingPrincipal string `json:"outstandingPrincipal"`
	OverdueInterest      string `json:"overdueInterest"`
	AccruedInterest      string `json:"accruedInterest"`
	AccruedDays          int    `json:"accruedDays"`
	Penalties            string `json:"penalties"`
	Fee                  string `json:"fee"`
	Total                string `json:"total"`
	ValidUntil           string `json:"validUntil"`
}

func viewQuote(q lendingstore.QuoteView) quoteView {
	return quoteView{QuoteID: q.ID, LoanID: q.LoanID, OutstandingPrincipal: money.Format(q.Quote.OutstandingPrincipal),
		OverdueInterest: money.Format(q.Quote.OverdueInterest), AccruedInterest: money.Format(q.Quote.AccruedInterest),
		AccruedDays: q.Quote.Days, Penalties: money.Format(q.Quote.Penalties), Fee: money.Format(q.Quote.Fee),
		Total: money.Format(q.Quote.Total), ValidUntil: q.ValidUntil.UTC().Format(time.RFC3339Nano)}
}

// ForeclosureQuote builds GET /api/v1/loans/{id}/foreclosure-quote.
func ForeclosureQuote(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
	return onLoan(d, false, func(r *http.Request, x *deps, id string) (*httpapi.Response, error) {
		ctx := r.Context()
		cur, err := x.loadOwned(ctx, id, true)
		if err != nil {
			return nil, err
		}
		score, err := x.creditScore(ctx, cur.Loan.UserID)
		if err != nil {
			return nil, err
		}
		q, err := lendingstore.QuoteFor(cur, d.Calendar.Today(ctx, d.Clock), d.Calendar, score)
		if err != nil {
			return nil, err
		}
		return httpapi.JSON(http.StatusOK, viewQuote(q))
	})
}

type forecloseRequest struct {
	QuoteID *string `json:"quoteId"`
}

// Foreclose builds POST /api/v1/loans/{id}/foreclosure {quoteId}: settles exactly that quote.
func Foreclose(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
	return onLoan(d, true, func(r *http.Request, x *deps, id string) (*httpapi.Response, error) {
		ctx := r.Context()
		var req forecloseRequest
		if err := httpapi.Decode(r, &req); err != nil {
			return nil, err
		}
		if req.QuoteID == nil || *req.QuoteID == "" || len(*req.QuoteID) > 64 || !ledger.ValidOwnerID(*req.QuoteID) {
			return nil, errs.Validation(errs.Field("quoteId", "must be a quote ID from the foreclosure quote"))
		}
		cur, err := x.loadOwned(ctx, id, true)
		if err != nil {
			return nil, err
		}
		audit.SetEntity(ctx, "loan", id)
		score, err := x.creditScore(ctx, cur.Loan.UserID)
		if err != nil {
			return nil, err
		}
		q, err := lendingstore.QuoteFor(cur, d.Calendar.Today(ctx, d.Clock), d.Calendar, score)
		if err != nil {
			return nil, err
		}
		if q.ID != *req.QuoteID {
			return nil, errs.Conflict(lendingstore.CodeQuoteInvalid, "The quote has expired or the loan changed since; ask for a new quote.")
		}
		c, err := x.loans.Foreclose(ctx, x.ledger, cur, q, d.Clock.Now(ctx), identity.FromContext(ctx).Subject,
			correlation.FromContext(ctx), idempotency.Key(r))
		if err != nil {
			return nil, err
		}
		return httpapi.JSON(http.StatusOK, map[string]any{"loan": viewLoan(c.Loan), "quote": viewQuote(q),
			"txId": lendingstore.ForeclosureTxID(id)})
	})
}
