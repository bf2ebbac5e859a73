package lendingapi

import (
	"context"
	"net/http"

	"github.com/google/uuid"

	"holdfast/shared/ledger"
	"holdfast/shared/lending"
	"holdfast/shared/platform/audit"
	"holdfast/shared/platform/authz"
	"holdfast/shared/platform/correlation"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/httpapi"
	"holdfast/shared/platform/idempotency"
	"holdfast/shared/platform/identity"
)

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
		c := lending.Submit(id, caller.Subject, app, correlation.FromContext(ctx), d.Clock.Now(ctx))
		audit.SetEntity(ctx, "loan", id)
		if err := x.loans.Create(ctx, c.Loan, c.Entry); err != nil {
			return nil, err
		}
		return httpapi.JSONAt(http.StatusAccepted, "/api/v1/loans/"+id, viewLoan(c.Loan))
	}, nil
}
