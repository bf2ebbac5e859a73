package lendingapi

import (
	"context"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"holdfast/shared/lending"
	"holdfast/shared/lending/lendingstore"
	"holdfast/shared/platform/audit"
	"holdfast/shared/platform/authz"
	"holdfast/shared/platform/correlation"
	"holdfast/shared/platform/httpapi"
	"holdfast/shared/platform/identity"
	"holdfast/shared/platform/page"
)

// reviewItem is a loan in the approval queue, with whether the caller may approve it.
type reviewItem struct {
	loanView
	// CanApprove is whether the approve route would accept the caller's approval: the policy
	// table lets the caller call it, and lending.Loan.CanApprove (false for the caller's own
	// application and for a loan the caller already approved, which waits for a second approver).
	CanApprove bool `json:"canApprove"`
}

// approveRoute is the route whose policy says who may approve.
const approveRoute = "POST /api/v1/loans/{id}/approve"

// mayCallApprove reports whether the authz policy lets caller call the approve route (asked of
// the one policy table, not of a role named here).
func mayCallApprove(caller identity.Principal) bool {
	p, ok := authz.Lookup(approveRoute)
	return ok && authz.Decide(p, caller, nil) == nil
}

// reviewPage is the paging of GET /api/v1/approvals.
var reviewPage = page.Spec{Default: 25, Max: 100, Bound: map[string]string{"gsi2pk": lendingstore.ReviewIndexPK},
	Keys: []string{"pk", "sk", "gsi2pk", "gsi2sk"}, List: "approvals"}

// ReviewQueue builds GET /api/v1/approvals?limit=&cursor= (approver, admin): the loans awaiting
// an approval decision, oldest application first.
func ReviewQueue(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
	return onList(d, reviewPage, func(r *http.Request, x *deps, limit int, start map[string]types.AttributeValue) (*httpapi.Response, error) {
		loans, last, err := x.loans.ReviewQueue(r.Context(), limit, start)
		if err != nil {
			return nil, err
		}
		caller := identity.FromContext(r.Context())
		mayApprove := mayCallApprove(caller)
		items := make([]reviewItem, len(loans))
		for i, l := range loans {
			items[i] = reviewItem{loanView: viewLoan(l), CanApprove: mayApprove && l.CanApprove(caller.Subject)}
		}
		next, err := reviewPage.Next(last)
		if err != nil {
			return nil, err
		}
		return httpapi.JSON(http.StatusOK, map[string]any{"items": items, "nextCursor": next})
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
		note, err := lending.ParseRejectionNote(req.Note)
		if err != nil {
			return nil, err
		}
		return x.decide(ctx, d, id, func(cur lendingstore.Loaded, approver string, now time.Time) (lending.Change, error) {
			return cur.Loan.Reject(approver, note, correlation.FromContext(ctx), now)
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
