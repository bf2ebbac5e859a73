package lendingapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"holdfast/shared/ledger"
	"holdfast/shared/ledger/ledgerstore"
	"holdfast/shared/lending/lendingstore"
	"holdfast/shared/platform/authz"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/httpapi"
	"holdfast/shared/platform/page"
)

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
		limit, start, err := spec.Read(r)
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
