package ledger

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// book is an in-memory ledger for tests: what the store does, without the store.
type book struct {
	sh     Sharding
	heads  map[Account]Head
	chains map[Account][]Entry
	txs    map[string]*Transaction
	hashes map[string]string
	n      int
	at     time.Time
}

func newBook(t testing.TB, shards int) *book {
	t.Helper()
	sh, err := NewSharding(shards)
	if err != nil {
		t.Fatal(err)
	}
	return &book{sh: sh, heads: map[Account]Head{}, chains: map[Account][]Entry{}, txs: map[string]*Transaction{},
		hashes: map[string]string{}, at: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
}

// post commits tx (logical accounts allowed) or returns why not; nothing changes on error.
func (b *book) post(typ TxType, postings ...Posting) (Transaction, []Entry, error) {
	b.n++
	b.at = b.at.Add(1500 * time.Millisecond)
	tx, err := b.sh.Prepare(Transaction{
		ID: fmt.Sprintf("tx-%06d", b.n), Type: typ, Postings: postings,
		Meta: Meta{CorrelationID: fmt.Sprintf("c-%d", b.n), Actor: "test"}, At: b.at,
	})
	if err != nil {
		return Transaction{}, nil, err
	}
	h := TxHash(tx)
	entries, err := Plan(tx, h, b.heads)
	if err != nil {
		return Transaction{}, nil, err
	}
	for _, e := range entries {
		b.chains[e.Account] = append(b.chains[e.Account], e)
		b.heads[e.Account] = e.Head()
	}
	b.txs[tx.ID] = &tx
	b.hashes[tx.ID] = h
	return tx, entries, nil
}

func (b *book) mustPost(t testing.TB, typ TxType, postings ...Posting) (Transaction, []Entry) {
	t.Helper()
	tx, es, err := b.post(typ, postings...)
	if err != nil {
		t.Fatalf("post %s: %v", typ, err)
	}
	return tx, es
}

func (b *book) total() decimal.Decimal {
	sum := decimal.Zero
	for _, h := range b.heads {
		sum = sum.Add(h.Balance)
	}
	return sum
}

func (b *book) head(a Account) *Head {
	h, ok := b.heads[a]
	if !ok {
		return nil
	}
	return &h
}

func (b *book) audit(digests ...Digest) AuditReport {
	a := NewAudit(0)
	for id, tx := range b.txs {
		a.AddTransaction(*tx, b.hashes[id])
	}
	for _, es := range b.chains {
		for _, e := range es {
			a.AddEntry(e)
		}
	}
	for _, h := range b.heads {
		a.AddHead(h)
	}
	for _, d := range digests {
		a.AddDigest(d)
	}
	return a.Report()
}

func (b *book) digest(prev *Digest) Digest {
	var heads []DigestHead
	for _, h := range b.heads {
		heads = append(heads, DigestHead{Account: h.Account, Seq: h.Seq, Hash: h.Hash})
	}
	var seq uint64
	prevHash := GenesisHash
	if prev != nil {
		seq, prevHash = prev.Seq, prev.Hash
	}
	return NewDigests(seq, prevHash, b.at, b.at.Add(-time.Hour), heads, 0)[0]
}

// randomActivity posts n random transactions of every type; insufficient funds are expected
// and leave the book unchanged.
func randomActivity(t testing.TB, b *book, rng *rand.Rand, n int) (posted, refused int) {
	t.Helper()
	wallets := []Account{"wallet:u0", "wallet:u1", "wallet:u2", "wallet:u3"}
	loans := []Account{"loan:L0", "loan:L1"}
	amt := func(max int) decimal.Decimal { return decimal.New(int64(1+rng.IntN(max*100)), -2) }
	for i := 0; i < n; i++ {
		w := wallets[rng.IntN(len(wallets))]
		var err error
		switch rng.IntN(6) {
		case 0:
			_, _, err = b.post(TypeDeposit, Posting{From: External, To: w, Amount: amt(5000)})
		case 1:
			_, _, err = b.post(TypeWithdrawal, Posting{From: w, To: External, Amount: amt(3000)})
		case 2:
			_, _, err = b.post(TypeDisbursal, Posting{From: loans[rng.IntN(2)], To: w, Amount: amt(10000)})
		case 3:
			_, _, err = b.post(TypeRepayment,
				Posting{From: w, To: loans[rng.IntN(2)], Amount: amt(800)},
				Posting{From: w, To: InterestIncome, Amount: amt(90)},
				Posting{From: w, To: PenaltyIncome, Amount: amt(5)})
		case 4:
			_, _, err = b.post("TRANSFER", Posting{From: w, To: wallets[(slices.Index(wallets, w)+1)%len(wallets)], Amount: amt(500)})
		case 5:
			_, _, err = b.post(TypeForeclosure,
				Posting{From: w, To: loans[rng.IntN(2)], Amount: amt(2000)},
				Posting{From: w, To: FeeIncome, Amount: amt(40)})
		}
		switch {
		case err == nil:
			posted++
		case errors.Is(err, ErrInsufficientFunds):
			refused++
		default:
			t.Fatalf("post: %v", err)
		}
	}
	return posted, refused
}
