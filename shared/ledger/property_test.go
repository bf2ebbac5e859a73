package ledger

import (
	mrand "math/rand"
	"math/rand/v2"
	"testing"
	"testing/quick"

	"github.com/shopspring/decimal"
)

// Law: whatever sequence of transactions is posted (some refused for insufficient funds), the
// balances of all accounts sum to exactly zero, no wallet is ever negative, every chain verifies
// against its head and records, and the whole-ledger audit passes.
func TestPropertyRandomTransactionsKeepTheInvariants(t *testing.T) {
	law := func(seed uint64, steps uint8) bool {
		b := newBook(t, 1+int(seed%16))
		rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
		n := 20 + int(steps)
		for i := 0; i < n; i += 10 {
			randomActivity(t, b, rng, 10)
			if !b.total().IsZero() {
				t.Logf("seed %d: total %s after %d steps", seed, b.total(), i+10)
				return false
			}
			for a, h := range b.heads {
				if !a.MayGoNegative() && h.Balance.IsNegative() {
					t.Logf("seed %d: %s at %s", seed, a, h.Balance)
					return false
				}
			}
		}
		for a, chain := range b.chains {
			if v := VerifyChain(a, chain, b.head(a), nil, b.txs); !v.Valid {
				t.Logf("seed %d: %s: %+v", seed, a, v)
				return false
			}
		}
		d := b.digest(nil)
		r := b.audit(d)
		if !r.Valid || r.Total != "0.00" || r.Transactions != len(b.txs) {
			t.Logf("seed %d: audit %+v", seed, r)
			return false
		}
		return true
	}
	if err := quick.Check(law, &quick.Config{MaxCount: 60, Rand: mrand.New(mrand.NewSource(20250131))}); err != nil {
		t.Fatal(err)
	}
}

// Law: postings sum to zero by construction — the deltas of any valid transaction sum to zero.
func TestPropertyDeltasSumToZero(t *testing.T) {
	accounts := []Account{"wallet:a", "wallet:b", "loan:c", "external#01", "fee-income#02"}
	law := func(picks []uint16) bool {
		if len(picks) == 0 {
			return true
		}
		var tx Transaction
		for i, p := range picks {
			if i == MaxPostings {
				break
			}
			from := accounts[int(p)%len(accounts)]
			to := accounts[(int(p)/7+1+int(p)%len(accounts))%len(accounts)]
			if from == to {
				continue
			}
			tx.Postings = append(tx.Postings, Posting{From: from, To: to, Amount: decimal.New(int64(p)+1, -2)})
		}
		sum := decimal.Zero
		for _, d := range tx.Deltas() {
			sum = sum.Add(d.Amount)
		}
		return sum.IsZero()
	}
	if err := quick.Check(law, &quick.Config{MaxCount: 500, Rand: mrand.New(mrand.NewSource(7))}); err != nil {
		t.Fatal(err)
	}
}
