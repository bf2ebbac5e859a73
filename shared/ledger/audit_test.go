package ledger

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func auditHas(r AuditReport, code string, acct Account) bool {
	for _, p := range r.Problems {
		if p.Code == code && (acct == "" || p.Account == acct) {
			return true
		}
	}
	return false
}

func TestAuditSoundLedger(t *testing.T) {
	b := newBook(t, 4)
	randomActivity(t, b, rand.New(rand.NewPCG(1, 2)), 300)
	d1 := b.digest(nil)
	randomActivity(t, b, rand.New(rand.NewPCG(3, 4)), 100)
	d2 := b.digest(&d1)
	r := b.audit(d1, d2)
	if !r.Valid || r.Total != "0.00" || r.ProblemCount != 0 || !r.DigestChain.Valid || r.Digests != 2 {
		t.Fatalf("sound ledger: %+v", r)
	}
	if r.Entries == 0 || r.Accounts == 0 {
		t.Fatalf("nothing audited: %+v", r)
	}
}

func TestAuditFindsEveryKindOfDamage(t *testing.T) {
	b := newBook(t, 2)
	w := Account("wallet:u")
	b.mustPost(t, TypeDeposit, Posting{From: External, To: w, Amount: amount("100")})
	tx2, _ := b.mustPost(t, TypeDeposit, Posting{From: External, To: w, Amount: amount("50")})
	b.mustPost(t, TypeWithdrawal, Posting{From: w, To: External, Amount: amount("30")})

	// An entry missing from a chain it should be in (the other side of tx2, head rolled back).
	ext := tx2.Postings[0].From
	t.Run("posting missing", func(t *testing.T) {
		a := NewAudit(0)
		for id, tx := range b.txs {
			a.AddTransaction(*tx, b.hashes[id])
		}
		for acct, es := range b.chains {
			for _, e := range es {
				if !(acct == ext && e.TxID == tx2.ID) {
					a.AddEntry(e)
				}
			}
			a.AddHead(b.heads[acct])
		}
		r := a.Report()
		if r.Valid || !auditHas(r, AuditPostingMissing, ext) || !auditHas(r, AuditChainInvalid, ext) {
			t.Fatalf("%+v", r)
		}
	})
	t.Run("entry for an unknown transaction", func(t *testing.T) {
		a := NewAudit(0)
		for id, tx := range b.txs {
			if id != tx2.ID {
				a.AddTransaction(*tx, b.hashes[id])
			}
		}
		for acct, es := range b.chains {
			for _, e := range es {
				a.AddEntry(e)
			}
			a.AddHead(b.heads[acct])
		}
		r := a.Report()
		if r.Valid || !auditHas(r, AuditChainInvalid, w) || r.InvalidChains[0].Problem != ProblemTxMissing {
			t.Fatalf("%+v", r)
		}
	})
	t.Run("stored hash and duplicate entry and non-zero sum", func(t *testing.T) {
		a := NewAudit(0)
		for id, tx := range b.txs {
			h := b.hashes[id]
			if id == tx2.ID {
				h = GenesisHash
			}
			a.AddTransaction(*tx, h)
		}
		for acct, es := range b.chains {
			for _, e := range es {
				a.AddEntry(e)
			}
			h := b.heads[acct]
			if acct == w {
				a.AddEntry(es[0]) // twice
			}
			a.AddHead(h)
		}
		a.AddHead(Head{Account: "wallet:ghost", Seq: 3, Balance: amount("7"), Hash: GenesisHash})
		r := a.Report()
		for _, code := range []string{AuditTxHashMismatch, AuditDuplicateEntry, AuditNonZeroSum, AuditHeadWithoutChain} {
			if !auditHas(r, code, "") {
				t.Errorf("missing %s in %+v", code, r.Problems)
			}
		}
		if r.Total != "7.00" {
			t.Errorf("total %s", r.Total)
		}
	})
	t.Run("digests and anchor rows", func(t *testing.T) {
		d1 := b.digest(nil)
		d2 := b.digest(&d1)
		d2.PrevHash = GenesisHash // broken link
		a := NewAudit(0)
		for id, tx := range b.txs {
			a.AddTransaction(*tx, b.hashes[id])
		}
		for acct, es := range b.chains {
			for _, e := range es {
				a.AddEntry(e)
			}
			a.AddHead(b.heads[acct])
		}
		a.AddDigest(d1)
		a.AddDigest(d2)
		anchors := d1.Anchors()
		forged := anchors[0]
		forged.Hash = GenesisHash
		a.AddAnchorRow(forged)
		a.SetAnchorsIndexedThrough(1)
		a.AddUndecodable("wallet:u", 9, "delta is not a number")
		r := a.Report()
		for _, code := range []string{AuditDigestInvalid, AuditAnchorMismatch, AuditAnchorMissing, AuditUndecodable} {
			if !auditHas(r, code, "") {
				t.Errorf("missing %s in %+v", code, r.Problems)
			}
		}
	})
	t.Run("problem list is bounded", func(t *testing.T) {
		a := NewAudit(2)
		for i := 0; i < 5; i++ {
			a.AddUndecodable("", uint64(i), "x")
		}
		r := a.Report()
		if len(r.Problems) != 2 || r.ProblemCount != 5 {
			t.Fatalf("%d listed of %d", len(r.Problems), r.ProblemCount)
		}
	})
}

func TestDigests(t *testing.T) {
	b := newBook(t, 4)
	randomActivity(t, b, rand.New(rand.NewPCG(5, 6)), 50)
	var heads []DigestHead
	for _, h := range b.heads {
		heads = append(heads, DigestHead{Account: h.Account, Seq: h.Seq, Hash: h.Hash})
	}
	// Small chunks: several chained digests, each under the limit, covering every head once.
	ds := NewDigests(7, "ab", b.at, b.at.Add(-DigestInterval), heads, 300)
	if len(ds) < 2 {
		t.Fatalf("expected several digests, got %d", len(ds))
	}
	v := VerifyDigests(7, "ab", ds)
	if !v.Valid || v.HeadSeq != ds[len(ds)-1].Seq || ds[0].Seq != 8 {
		t.Fatalf("%+v", v)
	}
	var all []DigestHead
	for _, d := range ds {
		if len(AppendDigestHeadLines(nil, d.Heads)) > 300 && len(d.Heads) > 1 {
			t.Errorf("digest %d too large", d.Seq)
		}
		all = append(all, d.Heads...)
		back, err := ParseDigestHeadLines(string(AppendDigestHeadLines(nil, d.Heads)))
		if err != nil || !slices.Equal(back, d.Heads) {
			t.Fatalf("head lines round trip: %v", err)
		}
	}
	if len(all) != len(b.heads) {
		t.Fatalf("%d heads in digests, %d heads", len(all), len(b.heads))
	}
	// Tampering with any digest breaks the chain there.
	for i := range ds {
		bad := slices.Clone(ds)
		bad[i].Heads = slices.Clone(bad[i].Heads)
		bad[i].Heads[0].Seq++
		v := VerifyDigests(7, "ab", bad)
		if v.Valid || *v.FirstInvalidSeq != bad[i].Seq {
			t.Fatalf("tampered digest %d: %+v", bad[i].Seq, v)
		}
	}
	if v := VerifyDigests(0, "", ds); v.Valid || *v.FirstInvalidSeq != 1 {
		t.Fatalf("a gap before the first digest: %+v", v)
	}
	// An empty window still records a digest.
	empty := NewDigests(0, "", b.at, b.at, nil, 0)
	if len(empty) != 1 || len(empty[0].Heads) != 0 || empty[0].PrevHash != GenesisHash {
		t.Fatalf("%+v", empty)
	}
	for _, bad := range []string{"head=a 1 x", "head=a x y\n", "nope\n", "head=a 1\n"} {
		if _, err := ParseDigestHeadLines(bad); err == nil {
			t.Errorf("ParseDigestHeadLines(%q) accepted", bad)
		}
	}
	unsorted := ds[0]
	unsorted.Heads = slices.Clone(unsorted.Heads)
	slices.Reverse(unsorted.Heads)
	unsorted.Hash = DigestHash(unsorted)
	if v := VerifyDigests(7, "ab", []Digest{unsorted}); v.Valid {
		t.Fatal("unsorted heads accepted")
	}
}
