package lendingapi

import (
	"context"
	"net/http"
	"time"

	"holdfast/shared/ledger"
	"holdfast/shared/lending/lendingstore"
	"holdfast/shared/money"
	"holdfast/shared/platform/audit"
	"holdfast/shared/platform/correlation"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/httpapi"
	"holdfast/shared/platform/idempotency"
	"holdfast/shared/platform/identity"
)

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
