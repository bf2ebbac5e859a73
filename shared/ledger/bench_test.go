package ledger

import (
	"testing"
	"time"
)

// BenchmarkVerifyChain measures chain verification throughput, compute only, on one goroutine:
// links, SHA-256 hashes, running balances and the head, over a 100,000-entry wallet chain held
// in memory. Reported as entries/s.
func BenchmarkVerifyChain(b *testing.B) {
	const n = 100_000
	chain, head := benchChain(b, n)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		v := NewChainVerifier(head.Account, nil)
		for _, e := range chain {
			v.Add(e)
		}
		if r := v.Result(&head); !r.Valid {
			b.Fatalf("%+v", r)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/time.Since(start).Seconds(), "entries/s")
}

// BenchmarkVerifyChainWithTransactions adds the cross-check of every entry against its
// transaction record (re-hashing each record).
func BenchmarkVerifyChainWithTransactions(b *testing.B) {
	const n = 20_000
	bk, w := walletBook(b, n)
	chain, head := bk.chains[w], bk.heads[w]
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		v := NewChainVerifier(w, nil)
		for _, e := range chain {
			v.AddWithTransaction(e, bk.txs[e.TxID])
		}
		if r := v.Result(&head); !r.Valid {
			b.Fatalf("%+v", r)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/time.Since(start).Seconds(), "entries/s")
}

func benchChain(b *testing.B, n int) ([]Entry, Head) {
	b.Helper()
	chain := make([]Entry, 0, n)
	head := GenesisHead("wallet:bench")
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		delta := amount("125.50")
		if i%4 == 3 {
			delta = amount("-300.25")
		}
		e := Entry{
			Account: head.Account, Seq: head.Seq + 1, TxID: DeriveID("bench", string(rune(i))),
			Delta: delta, BalanceAfter: head.Balance.Add(delta), At: at.Add(time.Duration(i) * time.Second),
			PrevHash: head.Hash, TxHash: "5e8f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f",
		}
		e.Hash = EntryHash(e)
		chain = append(chain, e)
		head = e.Head()
	}
	return chain, head
}
