package ledger

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// walletBook is a wallet with n entries: deposits and withdrawals against external shards.
func walletBook(t testing.TB, n int) (*book, Account) {
	t.Helper()
	b := newBook(t, 4)
	w := Account("wallet:w1")
	for i := 0; i < n; i++ {
		if i%3 == 2 {
			b.mustPost(t, TypeWithdrawal, Posting{From: w, To: External, Amount: amount("10.25")})
		} else {
			b.mustPost(t, TypeDeposit, Posting{From: External, To: w, Amount: amount("100.10")})
		}
	}
	return b, w
}

func wantInvalid(t *testing.T, v Verification, seq uint64, problem string) {
	t.Helper()
	if v.Valid || v.FirstInvalidSeq == nil || *v.FirstInvalidSeq != seq || v.Problem != problem {
		got := "nil"
		if v.FirstInvalidSeq != nil {
			got = strconv.FormatUint(*v.FirstInvalidSeq, 10)
		}
		t.Fatalf("want invalid at %d (%s); got valid=%v first=%s %+v", seq, problem, v.Valid, got, v)
	}
}

// reseal recomputes the hashes and balances of chain[from:] as a forger would.
func reseal(chain []Entry, from int) {
	for i := from; i < len(chain); i++ {
		if i > 0 {
			chain[i].PrevHash = chain[i-1].Hash
			chain[i].BalanceAfter = chain[i-1].BalanceAfter.Add(chain[i].Delta)
		} else {
			chain[i].PrevHash = GenesisHash
			chain[i].BalanceAfter = chain[i].Delta
		}
		chain[i].Hash = EntryHash(chain[i])
	}
}

func TestVerifyIntactChain(t *testing.T) {
	b, w := walletBook(t, 30)
	v := VerifyChain(w, b.chains[w], b.head(w), nil, b.txs)
	if !v.Valid || v.Entries != 30 || v.HeadSeq != 30 || v.HeadHash != b.heads[w].Hash || v.FirstInvalidSeq != nil {
		t.Fatalf("intact chain: %+v", v)
	}
	if v := VerifyChain(w, nil, nil, nil, nil); !v.Valid || v.HeadHash != GenesisHash {
		t.Fatalf("empty chain: %+v", v)
	}
	genesis := GenesisHead(w)
	if v := VerifyChain(w, nil, &genesis, nil, nil); !v.Valid {
		t.Fatalf("genesis head: %+v", v)
	}
}

func TestVerifyDetectsTampering(t *testing.T) {
	const n = 30
	cases := map[string]struct {
		tamper  func(b *book, w Account) (chain []Entry, head *Head, txs map[string]*Transaction, anchors []Anchor)
		seq     uint64
		problem string
	}{
		"amount changed": {func(b *book, w Account) ([]Entry, *Head, map[string]*Transaction, []Anchor) {
			c := slices.Clone(b.chains[w])
			c[11].Delta = c[11].Delta.Add(amount("1000"))
			return c, b.head(w), b.txs, nil
		}, 12, ProblemHashMismatch},
		"balance changed": {func(b *book, w Account) ([]Entry, *Head, map[string]*Transaction, []Anchor) {
			c := slices.Clone(b.chains[w])
			c[4].BalanceAfter = amount("99999")
			return c, b.head(w), b.txs, nil
		}, 5, ProblemHashMismatch},
		"entry deleted": {func(b *book, w Account) ([]Entry, *Head, map[string]*Transaction, []Anchor) {
			c := slices.Delete(slices.Clone(b.chains[w]), 6, 7)
			return c, b.head(w), b.txs, nil
		}, 7, ProblemSeqGap},
		"last entry deleted": {func(b *book, w Account) ([]Entry, *Head, map[string]*Transaction, []Anchor) {
			c := slices.Clone(b.chains[w])[:n-1]
			return c, b.head(w), b.txs, nil
		}, n, ProblemHeadBeyondChain},
		"head moved forward": {func(b *book, w Account) ([]Entry, *Head, map[string]*Transaction, []Anchor) {
			h := b.heads[w]
			h.Seq++
			return b.chains[w], &h, b.txs, nil
		}, n + 1, ProblemHeadBeyondChain},
		"head moved back": {func(b *book, w Account) ([]Entry, *Head, map[string]*Transaction, []Anchor) {
			h := b.chains[w][n-2].Head()
			return b.chains[w], &h, b.txs, nil
		}, n, ProblemEntriesBeyondHead},
		"head balance changed": {func(b *book, w Account) ([]Entry, *Head, map[string]*Transaction, []Anchor) {
			h := b.heads[w]
			h.Balance = h.Balance.Add(amount("1"))
			return b.chains[w], &h, b.txs, nil
		}, n, ProblemHeadMismatch},
		"link broken": {func(b *book, w Account) ([]Entry, *Head, map[string]*Transaction, []Anchor) {
			c := slices.Clone(b.chains[w])
			c[20].PrevHash = c[18].Hash
			c[20].Hash = EntryHash(c[20])
			return c, b.head(w), b.txs, nil
		}, 21, ProblemBrokenLink},
		"rewritten from 9, records intact": {func(b *book, w Account) ([]Entry, *Head, map[string]*Transaction, []Anchor) {
			c := slices.Clone(b.chains[w])
			c[8].Delta = c[8].Delta.Add(amount("5000"))
			reseal(c, 8)
			h := c[n-1].Head()
			return c, &h, b.txs, nil
		}, 9, ProblemTxDeltaMismatch},
		"record rewritten, chain intact": {func(b *book, w Account) ([]Entry, *Head, map[string]*Transaction, []Anchor) {
			txs := cloneTxs(b.txs)
			id := b.chains[w][14].TxID
			tx := *txs[id]
			tx.Postings = slices.Clone(tx.Postings)
			tx.Postings[0].Amount = tx.Postings[0].Amount.Add(amount("1"))
			txs[id] = &tx
			return b.chains[w], b.head(w), txs, nil
		}, 15, ProblemTxHashMismatch},
		"record deleted": {func(b *book, w Account) ([]Entry, *Head, map[string]*Transaction, []Anchor) {
			txs := cloneTxs(b.txs)
			delete(txs, b.chains[w][2].TxID)
			return b.chains[w], b.head(w), txs, nil
		}, 3, ProblemTxMissing},
		"negative wallet forged": {func(b *book, w Account) ([]Entry, *Head, map[string]*Transaction, []Anchor) {
			c := slices.Clone(b.chains[w])
			c[0].Delta = amount("-5")
			reseal(c, 0)
			h := c[n-1].Head()
			return c, &h, nil, nil
		}, 1, ProblemNegativeBalance},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			b, w := walletBook(t, n)
			chain, head, txs, anchors := c.tamper(b, w)
			wantInvalid(t, VerifyChain(w, chain, head, anchors, txs), c.seq, c.problem)
		})
	}
}

func cloneTxs(m map[string]*Transaction) map[string]*Transaction {
	out := make(map[string]*Transaction, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// A chain rewritten wholesale — records rewritten too, every hash recomputed — verifies on its
// own; only a digest taken before the rewrite exposes it.
func TestDigestExposesWholesaleRewrite(t *testing.T) {
	for _, tc := range []struct {
		name      string
		anchorsAt []uint64 // seqs at which digests anchored the chain
		rewriteAt int      // first rewritten seq
		want      uint64
	}{
		{"whole chain", []uint64{10, 20}, 1, 1},
		{"right after an anchor", []uint64{10, 20}, 11, 11},
		{"between anchors", []uint64{10, 20}, 15, 11},
		{"after the last anchor", []uint64{10, 20}, 25, 0}, // not detectable: no digest covers it
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, w := walletBook(t, 30)
			var anchors []Anchor
			for i, s := range tc.anchorsAt {
				anchors = append(anchors, Anchor{DigestSeq: uint64(i + 1), Account: w, Seq: s, Hash: b.chains[w][s-1].Hash})
			}
			forged := slices.Clone(b.chains[w])
			txs := cloneTxs(b.txs)
			for i := tc.rewriteAt - 1; i < len(forged); i++ {
				// the forger inflates every amount by 1.00 and rewrites the records to match
				tx := *txs[forged[i].TxID]
				tx.Postings = slices.Clone(tx.Postings)
				tx.Postings[0].Amount = tx.Postings[0].Amount.Add(decimal.NewFromInt(1))
				txs[tx.ID] = &tx
				forged[i].TxHash = TxHash(tx)
				forged[i].Delta = tx.Deltas()[slices.IndexFunc(tx.Deltas(), func(d Delta) bool { return d.Account == w })].Amount
			}
			reseal(forged, tc.rewriteAt-1)
			head := forged[len(forged)-1].Head()
			if v := VerifyChain(w, forged, &head, nil, txs); !v.Valid {
				t.Fatalf("the forgery should be self-consistent: %+v", v)
			}
			v := VerifyChain(w, forged, &head, anchors, txs)
			if tc.want == 0 {
				if !v.Valid {
					t.Fatalf("no digest covers the rewrite, yet: %+v", v)
				}
				return
			}
			wantInvalid(t, v, tc.want, ProblemDigestMismatch)
		})
	}
}

func TestDigestBeyondChain(t *testing.T) {
	b, w := walletBook(t, 10)
	anchors := []Anchor{{DigestSeq: 1, Account: w, Seq: 12, Hash: "x"}}
	wantInvalid(t, VerifyChain(w, b.chains[w], b.head(w), anchors, nil), 11, ProblemDigestBeyondChain)
	// anchors of other accounts are ignored
	other := []Anchor{{DigestSeq: 1, Account: "wallet:zz", Seq: 12, Hash: "x"}}
	if v := VerifyChain(w, b.chains[w], b.head(w), other, nil); !v.Valid || v.AnchorsChecked != 0 {
		t.Fatalf("%+v", v)
	}
}

func TestVerifyWrongAccountAndOrder(t *testing.T) {
	b, w := walletBook(t, 5)
	c := slices.Clone(b.chains[w])
	c[2].Account = "wallet:other"
	wantInvalid(t, VerifyChain(w, c, nil, nil, nil), 3, ProblemWrongAccount)
	c = slices.Clone(b.chains[w])
	c = append(c[:3], c[2:]...) // entry 3 twice
	wantInvalid(t, VerifyChain(w, c, nil, nil, nil), 3, ProblemSeqOrder)
	c = slices.Clone(b.chains[w])
	c[1].Delta = amount("1.005")
	c[1].Hash = EntryHash(c[1])
	wantInvalid(t, VerifyChain(w, c, nil, nil, nil), 2, ProblemBadAmount)
	v := NewChainVerifier(w, nil)
	v.Add(b.chains[w][0])
	v.Undecodable(2, "delta is not a number")
	wantInvalid(t, v.Result(nil), 2, ProblemUndecodable)
	if v.Valid() {
		t.Error("Valid after a failure")
	}
}

func TestVerifyTransactionTime(t *testing.T) {
	b, w := walletBook(t, 3)
	txs := cloneTxs(b.txs)
	id := b.chains[w][1].TxID
	tx := *txs[id]
	tx.At = tx.At.Add(time.Second)
	txs[id] = &tx
	// the record's hash no longer matches either, and that is found first
	wantInvalid(t, VerifyChain(w, b.chains[w], b.head(w), nil, txs), 2, ProblemTxHashMismatch)
	// an entry whose tx does not touch this account
	c := slices.Clone(b.chains[w])
	txs = cloneTxs(b.txs)
	foreign, _ := b.mustPost(t, TypeDeposit, Posting{From: External, To: "wallet:w2", Amount: amount("1")})
	txs[foreign.ID] = &foreign
	c[2].TxID, c[2].TxHash = foreign.ID, TxHash(foreign)
	reseal(c, 2)
	wantInvalid(t, VerifyChain(w, c, nil, nil, txs), 3, ProblemTxDeltaMismatch)
}

// Verification over long chains in the hundredths fast path and beyond it agree.
func TestVerifyLargeBalances(t *testing.T) {
	b := newBook(t, 1)
	loan := Account("loan:big")
	for i := 0; i < 30; i++ { // 30 × 999,999,999,999.99 overflows int64 hundredths
		b.mustPost(t, TypeDisbursal, Posting{From: loan, To: External, Amount: MaxPostingAmount()})
	}
	b.mustPost(t, TypeRepayment, Posting{From: External, To: loan, Amount: amount("0.01")})
	v := VerifyChain(loan, b.chains[loan], b.head(loan), nil, b.txs)
	if !v.Valid {
		t.Fatalf("%+v", v)
	}
	c := slices.Clone(b.chains[loan])
	c[29].BalanceAfter = c[29].BalanceAfter.Add(amount("0.01"))
	c[29].Hash = EntryHash(c[29])
	wantInvalid(t, VerifyChain(loan, c, nil, nil, nil), 30, ProblemBalanceMismatch)
}

func TestRandomTamperingIsFoundExactly(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for round := 0; round < 200; round++ {
		b, w := walletBook(t, 5+rng.IntN(40))
		c := slices.Clone(b.chains[w])
		k := rng.IntN(len(c))
		var want uint64 = uint64(k + 1)
		switch rng.IntN(4) {
		case 0:
			c[k].Delta = c[k].Delta.Add(amount("0.01"))
		case 1:
			c[k].TxID = "forged"
		case 2:
			c[k].At = c[k].At.Add(time.Millisecond)
		case 3:
			c[k].PrevHash = GenesisHash[:63] + "1"
		}
		v := VerifyChain(w, c, b.head(w), nil, b.txs)
		if v.Valid || *v.FirstInvalidSeq != want {
			t.Fatalf("round %d: tampered seq %d, got %+v", round, want, v)
		}
	}
}
