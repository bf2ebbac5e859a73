package lendingapi

import (
	"context"
	"net/http"
	"time"

	"holdfast/shared/lending"
	"holdfast/shared/lending/lendingstore"
	"holdfast/shared/money"
	"holdfast/shared/platform/authz"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/httpapi"
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

// Page sizes of the caller's loans and of a loan's timeline.
const (
	DefaultLoansLimit    = 25
	MaxLoansLimit        = 100
	DefaultTimelineLimit = 50
	MaxTimelineLimit     = 100
)

// ListLoans builds GET /api/v1/loans?limit=&cursor=: the caller's loans, newest first; one
// Query of the caller's gsi1 partition per page, the cursor bound to the caller.
func ListLoans(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
	x, err := newDeps(d, false)
	if err != nil {
		return nil, err
	}
	return func(r *http.Request) (*httpapi.Response, error) {
		ctx := r.Context()
		q, err := httpapi.Query(r, "limit", "cursor")
		if err != nil {
			return nil, err
		}
		limit, err := page.Limit(q, DefaultLoansLimit, MaxLoansLimit)
		if err != nil {
			return nil, err
		}
		sub := identity.FromContext(ctx).Subject
		if err := authz.RequireOwner(ctx, sub); err != nil {
			return nil, err
		}
		cur := page.For("loans", sub)
		start, err := cur.StartKey(q, lendingstore.LoanListKeys, map[string]string{"gsi1pk": lendingstore.LoansIndexPK(sub)})
		if err != nil {
			return nil, err
		}
		loans, last, err := x.loans.LoansPage(ctx, sub, limit, start)
		if err != nil {
			return nil, err
		}
		items := make([]loanView, len(loans))
		for i, l := range loans {
			items[i] = viewLoan(l)
		}
		next, err := cur.NextKey(last)
		if err != nil {
			return nil, err
		}
		return httpapi.JSON(http.StatusOK, map[string]any{"items": items, "nextCursor": next})
	}, nil
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

// timelinePos is where a page of a timeline ends: the next page lists the versions after After.
type timelinePos struct {
	After int64 `json:"after"`
}

// Timeline builds GET /api/v1/loans/{id}/timeline?limit=&cursor=: the loan's transitions,
// oldest first; one consistent Query per page, the cursor bound to the loan.
func Timeline(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
	return onLoan(d, false, func(r *http.Request, x *deps, id string) (*httpapi.Response, error) {
		ctx := r.Context()
		q, err := httpapi.Query(r, "limit", "cursor")
		if err != nil {
			return nil, err
		}
		limit, err := page.Limit(q, DefaultTimelineLimit, MaxTimelineLimit)
		if err != nil {
			return nil, err
		}
		if _, err := x.loadOwned(ctx, id, false); err != nil {
			return nil, err
		}
		cur := page.For("loans.timeline", id)
		var pos timelinePos
		if ok, err := cur.Parse(q, &pos); err != nil {
			return nil, err
		} else if ok && (pos.After < 1 || pos.After >= lendingstore.MaxTimelineVersion) {
			return nil, errs.InvalidCursor() // never issued: no version lies there
		}
		entries, after, err := x.loans.TimelinePage(ctx, id, pos.After, limit)
		if err != nil {
			return nil, err
		}
		items := make([]timelineView, len(entries))
		for i, e := range entries {
			items[i] = timelineView{Version: e.Version, At: e.At.UTC().Format(time.RFC3339Nano), Actor: e.Actor,
				From: string(e.From), To: string(e.To), Action: string(e.Action), Reason: e.Reason, CorrelationID: e.CorrelationID}
		}
		var next *string
		if after != 0 {
			if next, err = cur.Next(timelinePos{After: after}); err != nil {
				return nil, err
			}
		}
		return httpapi.JSON(http.StatusOK, map[string]any{"loanId": id, "items": items, "nextCursor": next})
	})
}
