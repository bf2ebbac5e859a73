package ledgerapi

import (
	"context"
	"net/http"

	"holdfast/shared/ledger"
	"holdfast/shared/ledger/ledgerstore"
	"holdfast/shared/platform/authz"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/httpapi"
	"holdfast/shared/platform/page"
)

// VerifyAccount builds GET /api/v1/ledger/accounts/{id}/verify: the account's chain recomputed
// from its stored entries and held against its head, its transaction records and every digest
// anchor — {valid, entries, headSeq, headHash, firstInvalidSeq, reason, …}. A customer may
// verify only their own wallet (the owner of wallet:<sub>); admins and auditors any account.
// An account with nothing stored is 404.
func VerifyAccount(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
	store, err := newStore(d)
	if err != nil {
		return nil, err
	}
	return func(r *http.Request) (*httpapi.Response, error) {
		ctx := r.Context()
		if _, err := httpapi.Query(r); err != nil {
			return nil, err
		}
		raw := r.PathValue("id")
		a, err := ledger.ParseAccount(raw)
		if err != nil || !a.Physical() {
			return nil, errs.Validation(errs.Field("id",
				"must be a wallet (wallet:<userId>), a loan (loan:<loanId>) or one shard of a system account (external#03)"))
		}
		// Only a wallet has an owning user; every other account is for override roles only.
		owner := ""
		if a.Kind() == ledger.KindWallet {
			owner = a.Owner()
		}
		if err := authz.RequireOwner(ctx, owner); err != nil {
			return nil, err
		}
		v, err := store.VerifyAccount(ctx, a, ledgerstore.VerifyOptions{})
		if err != nil {
			return nil, err
		}
		if v.Valid && v.Entries == 0 && v.HeadSeq == 0 && v.AnchorsChecked == 0 {
			return nil, errs.NotFound("The ledger holds no such account.")
		}
		return httpapi.JSON(http.StatusOK, v)
	}, nil
}

// Digest page sizes.
const (
	DefaultDigestLimit = 20
	MaxDigestLimit     = 100
)

// DigestView is one digest as GET /api/v1/ledger/digests lists it. The head lines stay in the
// table (a digest may list thousands of heads); headCount says how many it covers.
type DigestView struct {
	Seq       uint64 `json:"seq"`
	Hash      string `json:"hash"`
	PrevHash  string `json:"prevHash"`
	At        string `json:"at"`
	Since     string `json:"since"`
	HeadCount int    `json:"headCount"`
}

// DigestsView is a page of digests, newest first.
type DigestsView struct {
	Items      []DigestView `json:"items"`
	NextCursor *string      `json:"nextCursor"`
}

// digestPos is where a page of digests ends: the next page lists the digests below Before.
type digestPos struct {
	Before uint64 `json:"before"`
}

// digestCursor is the cursor codec of the digest list (one list, selected by nothing).
var digestCursor = page.For("ledger.digests")

// Digests builds GET /api/v1/ledger/digests?cursor=&limit=: the recorded digests, newest
// first (admin, auditor); limit 1..100, default 20, the page read by seq range.
func Digests(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
	store, err := newStore(d)
	if err != nil {
		return nil, err
	}
	return func(r *http.Request) (*httpapi.Response, error) {
		ctx := r.Context()
		q, err := httpapi.Query(r, "cursor", "limit")
		if err != nil {
			return nil, err
		}
		limit, err := page.Limit(q, DefaultDigestLimit, MaxDigestLimit)
		if err != nil {
			return nil, err
		}
		// before: list digests with seq < before.
		var before uint64
		var pos digestPos
		if ok, err := digestCursor.Parse(q, &pos); err != nil {
			return nil, err
		} else if ok {
			if pos.Before < 2 {
				return nil, errs.InvalidCursor() // never issued: nothing lies below digest 1
			}
			before = pos.Before
		} else {
			st, err := store.DigestState(ctx)
			if err != nil {
				return nil, err
			}
			before = st.Seq + 1
		}
		after := uint64(0)
		if before > uint64(limit)+1 {
			after = before - 1 - uint64(limit)
		}
		view := DigestsView{Items: []DigestView{}}
		if before > 1 {
			// A page of large digests can stop short of the limit (1 MB per Query): read on.
			var ds []ledger.Digest
			for from := after; from < before-1; {
				page, more, err := store.Digests(ctx, from, int(before-1-from))
				if err != nil {
					return nil, err
				}
				ds = append(ds, page...)
				if !more || len(page) == 0 {
					break
				}
				from = page[len(page)-1].Seq
			}
			for i := len(ds) - 1; i >= 0; i-- {
				if ds[i].Seq >= before {
					continue
				}
				dg := ds[i]
				view.Items = append(view.Items, DigestView{Seq: dg.Seq, Hash: dg.Hash, PrevHash: dg.PrevHash,
					At: ledger.FormatTime(dg.At), Since: ledger.FormatTime(dg.Since), HeadCount: len(dg.Heads)})
			}
		}
		if after > 0 {
			if view.NextCursor, err = digestCursor.Next(digestPos{Before: after + 1}); err != nil {
				return nil, err
			}
		}
		return httpapi.JSON(http.StatusOK, view)
	}, nil
}
