package ledger

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// Entry is one link of an account's chain: what one transaction did to one account.
type Entry struct {
	Account      Account
	Seq          uint64 // 1, 2, 3, … without a gap
	TxID         string
	Delta        decimal.Decimal // the transaction's net change to this account
	BalanceAfter decimal.Decimal // the running balance, after this entry
	At           time.Time       // the transaction's time
	PrevHash     string          // the previous entry's Hash; GenesisHash for seq 1
	TxHash       string          // the transaction's hash
	Hash         string          // EntryHash of the above
}

// Head is the tip of an account's chain: where the next entry links. An account without
// entries has the genesis head (seq 0, balance 0, GenesisHash).
type Head struct {
	Account   Account
	Seq       uint64
	Balance   decimal.Decimal
	Hash      string
	UpdatedAt time.Time // when the head last moved (the writer's clock, not the business clock)
}

// GenesisHead is the head of an account with no entries.
func GenesisHead(a Account) Head { return Head{Account: a, Hash: GenesisHash} }

// EntryRef locates the entry a transaction appended to one account and what it left there.
type EntryRef struct {
	Account      Account
	Seq          uint64
	BalanceAfter decimal.Decimal
	Hash         string
}

// Ref is e's locator.
func (e Entry) Ref() EntryRef {
	return EntryRef{Account: e.Account, Seq: e.Seq, BalanceAfter: e.BalanceAfter, Hash: e.Hash}
}

// Head is the head e leaves behind.
func (e Entry) Head() Head {
	return Head{Account: e.Account, Seq: e.Seq, Balance: e.BalanceAfter, Hash: e.Hash}
}

// Plan computes the entries a prepared transaction appends, one per account it touches in
// account order, linked to the given current heads (an account missing from heads has the
// genesis head). It fails with CodeInsufficientFunds, naming the account, when a wallet would
// fall below zero, and with CodeInvalidTransaction when tx is not valid.
func Plan(tx Transaction, txHash string, heads map[Account]Head) ([]Entry, error) {
	if err := tx.Validate(); err != nil {
		return nil, err
	}
	deltas := tx.Deltas()
	entries := make([]Entry, 0, len(deltas))
	for _, d := range deltas {
		h, ok := heads[d.Account]
		if !ok {
			h = GenesisHead(d.Account)
		}
		if h.Seq == 0 && h.Hash == "" {
			h.Hash = GenesisHash
		}
		if h.Account != d.Account {
			return nil, fmt.Errorf("ledger: plan %s: head of %s given for %s", tx.ID, h.Account, d.Account)
		}
		after := h.Balance.Add(d.Amount)
		if !d.Account.MayGoNegative() && after.IsNegative() {
			return nil, Fail(ErrInsufficientFunds, "account %s: balance %s, posting %s", d.Account, h.Balance, d.Amount)
		}
		e := Entry{
			Account:      d.Account,
			Seq:          h.Seq + 1,
			TxID:         tx.ID,
			Delta:        d.Amount,
			BalanceAfter: after,
			At:           tx.At,
			PrevHash:     h.Hash,
			TxHash:       txHash,
		}
		e.Hash = EntryHash(e)
		entries = append(entries, e)
	}
	return entries, nil
}
