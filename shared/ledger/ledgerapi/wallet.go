package ledgerapi

import (
	"context"
	"net/http"

	"holdfast/shared/ledger"
	"holdfast/shared/ledger/ledgerstore"
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

// AmountBounds are the amounts a deposit or withdrawal may move (SPEC §1.2).
var AmountBounds = money.MustBounds("0.01", "10000000.00")

// Statement page sizes.
const (
	DefaultStatementLimit = 50
	MaxStatementLimit     = 200
)

// movementRequest is the body of a deposit or a withdrawal. The amount is a JSON string; a
// JSON number is refused by the strict decoder as the wrong type.
type movementRequest struct {
	Amount *string `json:"amount"`
}

// EntryView is where a transaction's entry landed in the caller's wallet chain.
type EntryView struct {
	Account      string `json:"account"`
	Seq          uint64 `json:"seq"`
	BalanceAfter string `json:"balanceAfter"`
	Hash         string `json:"hash"`
}

// MovementView is the answer to a deposit or a withdrawal. Every field comes from the committed
// transaction record, so a request replayed after its idempotency record expired still gets
// the original answer.
type MovementView struct {
	TxID          string    `json:"txId"`
	Type          string    `json:"type"`
	Amount        string    `json:"amount"`
	Currency      string    `json:"currency"`
	At            string    `json:"at"`
	CorrelationID string    `json:"correlationId"`
	TxHash        string    `json:"txHash"`
	Wallet        EntryView `json:"wallet"`
}

// WalletView is GET /api/v1/wallet.
type WalletView struct {
	Account  string `json:"account"`
	Currency string `json:"currency"`
	Balance  string `json:"balance"`
	HeadSeq  uint64 `json:"headSeq"`
	HeadHash string `json:"headHash"`
}

// StatementEntry is one entry of a statement with the running balance after it.
type StatementEntry struct {
	Seq          uint64 `json:"seq"`
	TxID         string `json:"txId"`
	Delta        string `json:"delta"`
	BalanceAfter string `json:"balanceAfter"`
	At           string `json:"at"`
	PrevHash     string `json:"prevHash"`
	Hash         string `json:"hash"`
}

// StatementView is a page of GET /api/v1/wallet/statement, newest first.
type StatementView struct {
	Account    string           `json:"account"`
	Items      []StatementEntry `json:"items"`
	NextCursor *string          `json:"nextCursor"`
}

// callerWallet is the caller's own wallet, after asking authz that the caller may act on it.
func callerWallet(ctx context.Context) (string, ledger.Account, error) {
	sub := identity.FromContext(ctx).Subject
	if err := authz.RequireOwner(ctx, sub); err != nil {
		return "", "", err
	}
	a, err := ledger.Wallet(sub)
	if err != nil {
		return "", "", errs.Forbidden("Your identity cannot hold a wallet.").WithCause(err)
	}
	return sub, a, nil
}

// movement is one kind of money movement between the caller's wallet and the outside world.
type movement struct {
	kind     string // DeriveID kind
	txType   ledger.TxType
	toWallet bool // deposit: external → wallet; withdrawal: wallet → external
}

var (
	deposit    = movement{kind: "dep", txType: ledger.TypeDeposit, toWallet: true}
	withdrawal = movement{kind: "wdr", txType: ledger.TypeWithdrawal}
)

// Deposit builds POST /api/v1/wallet/deposits {amount}: external → the caller's wallet.
func Deposit(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
	return move(d, deposit)
}

// Withdraw builds POST /api/v1/wallet/withdrawals {amount}: the caller's wallet → external;
// 422 insufficient_funds when the balance does not cover it.
func Withdraw(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
	return move(d, withdrawal)
}

func move(d *httpapi.Deps, m movement) (httpapi.Handler, error) {
	store, err := newStore(d)
	if err != nil {
		return nil, err
	}
	currency, err := money.ParseCurrency(d.Config.Currency)
	if err != nil {
		return nil, err
	}
	return func(r *http.Request) (*httpapi.Response, error) {
		ctx := r.Context()
		sub, wallet, err := callerWallet(ctx)
		if err != nil {
			return nil, err
		}
		// The chain's idempotency step has already refused a missing or malformed key; the
		// transaction ID depends on it, so never proceed without one.
		key, err := idempotency.RequireKey(r)
		if err != nil {
			return nil, err
		}
		var req movementRequest
		if err := httpapi.Decode(r, &req); err != nil {
			return nil, err
		}
		if req.Amount == nil {
			return nil, errs.Validation(errs.Field("amount", "is required"))
		}
		amount, err := AmountBounds.Parse(*req.Amount)
		if err != nil {
			return nil, errs.Validation(errs.Field("amount", money.Message(err))).WithCause(err)
		}
		id := ledger.DeriveID(m.kind, sub, key)
		audit.SetEntity(ctx, "wallet", sub) // entity wallet:<sub>, the account's own name
		posting := ledger.Posting{From: wallet, To: ledger.External, Amount: amount}
		if m.toWallet {
			posting = ledger.Posting{From: ledger.External, To: wallet, Amount: amount}
		}
		c, err := store.Commit(ctx, ledger.Transaction{
			ID: id, Type: m.txType, Postings: []ledger.Posting{posting},
			Meta: ledger.Meta{CorrelationID: correlation.FromContext(ctx), Actor: sub, IdempotencyKey: key},
			At:   d.Clock.Now(ctx),
		})
		if err != nil {
			return nil, keyReuse(err)
		}
		resp, err := httpapi.JSON(http.StatusCreated, movementView(c, wallet, currency))
		if err == nil && c.Replayed {
			// The posting was made by an earlier request with this key (its idempotency record
			// has expired or was lost): this is that request's answer, not a new posting.
			resp.Header.Set(idempotency.HeaderReplayed, "true")
		}
		return resp, err
	}, nil
}

func movementView(c ledgerstore.Committed, wallet ledger.Account, currency money.Currency) MovementView {
	v := MovementView{TxID: c.Tx.ID, Type: string(c.Tx.Type), Currency: currency.String(),
		At: ledger.FormatTime(c.Tx.At), CorrelationID: c.Tx.Meta.CorrelationID, TxHash: c.Hash}
	if len(c.Tx.Postings) > 0 {
		v.Amount = ledger.FormatAmount(c.Tx.Postings[0].Amount)
	}
	if e, ok := c.Entry(wallet); ok {
		v.Wallet = EntryView{Account: string(e.Account), Seq: e.Seq, BalanceAfter: ledger.FormatAmount(e.BalanceAfter), Hash: e.Hash}
	}
	return v
}

// GetWallet builds GET /api/v1/wallet: the caller's balance, head seq and head hash.
func GetWallet(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
	store, err := newStore(d)
	if err != nil {
		return nil, err
	}
	currency, err := money.ParseCurrency(d.Config.Currency)
	if err != nil {
		return nil, err
	}
	return func(r *http.Request) (*httpapi.Response, error) {
		ctx := r.Context()
		if _, err := httpapi.Query(r); err != nil {
			return nil, err
		}
		_, wallet, err := callerWallet(ctx)
		if err != nil {
			return nil, err
		}
		h, err := store.Head(ctx, wallet)
		if err != nil {
			return nil, err
		}
		return httpapi.JSON(http.StatusOK, WalletView{Account: string(wallet), Currency: currency.String(),
			Balance: ledger.FormatAmount(h.Balance), HeadSeq: h.Seq, HeadHash: h.Hash})
	}, nil
}

// statementPos is where a statement page ends: the next page lists the entries below Before.
type statementPos struct {
	Before uint64 `json:"before"`
}

// statementCursor is the cursor codec of a wallet's statement: bound to the wallet.
func statementCursor(wallet ledger.Account) page.Cursor {
	return page.For("wallet.statement", string(wallet))
}

// Statement builds GET /api/v1/wallet/statement?cursor=&limit=: the caller's chain entries,
// newest first, each with the running balance after it; limit 1..200, default 50, one Query
// per page.
func Statement(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
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
		limit, err := page.Limit(q, DefaultStatementLimit, MaxStatementLimit)
		if err != nil {
			return nil, err
		}
		_, wallet, err := callerWallet(ctx)
		if err != nil {
			return nil, err
		}
		cur := statementCursor(wallet)
		var after statementPos
		if ok, err := cur.Parse(q, &after); err != nil {
			return nil, err
		} else if ok && after.Before < 2 {
			return nil, errs.InvalidCursor() // never issued: nothing lies below seq 1
		}
		p, err := store.Statement(ctx, wallet, after.Before, limit)
		if err != nil {
			return nil, err
		}
		v := StatementView{Account: string(wallet), Items: make([]StatementEntry, 0, len(p.Items))}
		for _, e := range p.Items {
			v.Items = append(v.Items, StatementEntry{Seq: e.Seq, TxID: e.TxID, Delta: ledger.FormatAmount(e.Delta),
				BalanceAfter: ledger.FormatAmount(e.BalanceAfter), At: ledger.FormatTime(e.At), PrevHash: e.PrevHash, Hash: e.Hash})
		}
		if p.Before != 0 {
			if v.NextCursor, err = cur.Next(statementPos{Before: p.Before}); err != nil {
				return nil, err
			}
		}
		return httpapi.JSON(http.StatusOK, v)
	}, nil
}
