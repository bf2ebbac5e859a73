package ledgerstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"holdfast/shared/ledger"
	"holdfast/shared/platform/dynamoitem"
)

func TestDigestJob(t *testing.T) {
	e := newEnv(t)
	s := e.store(e.raw)
	ctx := context.Background()
	e.mustCommit(s, deposit("a", "1", "100"))
	e.mustCommit(s, deposit("b", "1", "50"))
	e.mustCommit(s, withdrawal("a", "2", "30"))

	e.now.Advance(ledger.DigestInterval)
	run1, err := s.RecordDigest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	heads := 0
	for _, d := range run1.Digests {
		heads += len(d.Heads)
	}
	if len(run1.Digests) != 1 || run1.Digests[0].Seq != 1 || run1.Digests[0].PrevHash != ledger.GenesisHash {
		t.Fatalf("first run: %+v", run1)
	}
	wantHeads := map[ledger.Account]uint64{"wallet:a": 2, "wallet:b": 1}
	for _, h := range run1.Digests[0].Heads {
		if want, ok := wantHeads[h.Account]; ok && want != h.Seq {
			t.Errorf("digest holds %s at %d, want %d", h.Account, h.Seq, want)
		}
		delete(wantHeads, h.Account)
	}
	if len(wantHeads) != 0 || heads < 4 { // two wallets and at least two external shards
		t.Fatalf("digest 1 misses heads: %v (%d heads)", wantHeads, heads)
	}
	st, err := s.DigestState(ctx)
	if err != nil || st.Seq != 1 || st.AnchorsIndexedThrough != 1 || !st.Cutoff.Equal(run1.Cutoff) {
		t.Fatalf("digest state %+v %v", st, err)
	}
	v, err := s.VerifyAccount(ctx, "wallet:a", VerifyOptions{})
	if err != nil || !v.Valid || v.AnchorsChecked != 1 {
		t.Fatalf("verify against the digest: %+v %v", v, err)
	}

	// Only what moved since the cut-off goes into the next digest.
	e.now.Advance(time.Minute)
	e.mustCommit(s, deposit("b", "2", "1"))
	e.now.Advance(ledger.DigestInterval)
	run2, err := s.RecordDigest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	d2 := run2.Digests[0]
	if d2.Seq != 2 || d2.PrevHash != run1.Digests[0].Hash || !d2.Since.Equal(run1.Cutoff) {
		t.Fatalf("digest 2: %+v", d2)
	}
	for _, h := range d2.Heads {
		if h.Account == "wallet:a" {
			t.Fatalf("wallet:a did not move but is in digest 2")
		}
	}
	if len(d2.Heads) != 2 {
		t.Fatalf("digest 2 heads: %+v", d2.Heads)
	}
	// Nothing moved: an empty digest still extends the chain.
	e.now.Advance(ledger.DigestInterval)
	run3, err := s.RecordDigest(ctx)
	if err != nil || len(run3.Digests) != 1 || len(run3.Digests[0].Heads) != 0 || run3.Digests[0].Seq != 3 {
		t.Fatalf("empty run: %+v %v", run3, err)
	}
	all, more, err := s.Digests(ctx, 0, 10)
	if err != nil || more || len(all) != 3 {
		t.Fatalf("digests %v %v %v", len(all), more, err)
	}
	if dv := ledger.VerifyDigests(0, "", all); !dv.Valid || dv.HeadSeq != 3 {
		t.Fatalf("digest chain %+v", dv)
	}
	e.mustAudit(s)

	// A second runner that read the head before this one moved it loses cleanly.
	stale := DigestState{Seq: 2, Hash: all[1].Hash}
	err = s.writeDigest(ctx, all[2], stale, DigestState{Seq: 3, Hash: all[2].Hash}, e.now.Now())
	if !errors.Is(err, ledger.ErrDigestConflict) {
		t.Fatalf("a conflicting digest write: %v", err)
	}
}

func TestDigestSplitsLargeRuns(t *testing.T) {
	e := newEnv(t)
	s := e.store(e.raw, func(o *Options) { o.DigestMaxBytes = 300; o.Shards = 2 })
	ctx := context.Background()
	for _, u := range []string{"u1", "u2", "u3", "u4", "u5", "u6"} {
		e.mustCommit(s, deposit(u, "k", "10"))
	}
	e.now.Advance(ledger.DigestInterval)
	run, err := s.RecordDigest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Digests) < 2 {
		t.Fatalf("expected the run to split, got %d digests", len(run.Digests))
	}
	all, _, err := s.Digests(ctx, 0, 100)
	if err != nil || len(all) != len(run.Digests) {
		t.Fatalf("%d stored, %v", len(all), err)
	}
	if dv := ledger.VerifyDigests(0, "", all); !dv.Valid {
		t.Fatalf("%+v", dv)
	}
	st, _ := s.DigestState(ctx)
	if st.Seq != uint64(len(all)) || st.AnchorsIndexedThrough != st.Seq || !st.Cutoff.Equal(run.Cutoff) {
		t.Fatalf("state %+v", st)
	}
	e.mustAudit(s)
}

// A run interrupted after recording a digest but before writing its anchor rows is completed by
// the next run.
func TestDigestAnchorRepair(t *testing.T) {
	e := newEnv(t)
	s := e.store(e.raw)
	ctx := context.Background()
	e.mustCommit(s, deposit("a", "1", "5"))
	e.now.Advance(ledger.DigestInterval)
	if _, err := s.RecordDigest(ctx); err != nil {
		t.Fatal(err)
	}
	e.delete(dynamoitem.Key(accountPrefix+"wallet:a", anchorPrefix+seq20(1)))
	e.update(digestHeadKey(), "SET anchorsIndexedThrough = :z", map[string]types.AttributeValue{":z": dynamoitem.N(0)})
	r, err := s.Audit(ctx)
	if err != nil || !r.Valid { // not indexed yet: a missing row is not a problem
		t.Fatalf("%+v %v", r, err)
	}
	e.update(digestHeadKey(), "SET anchorsIndexedThrough = :z", map[string]types.AttributeValue{":z": dynamoitem.N(1)})
	if r, _ := s.Audit(ctx); r.Valid || !hasProblem(r, ledger.AuditAnchorMissing, "wallet:a") {
		t.Fatalf("a missing anchor row of an indexed digest: %+v", r)
	}
	e.update(digestHeadKey(), "SET anchorsIndexedThrough = :z", map[string]types.AttributeValue{":z": dynamoitem.N(0)})
	e.now.Advance(ledger.DigestInterval)
	if _, err := s.RecordDigest(ctx); err != nil {
		t.Fatal(err)
	}
	if item := e.getItem(accountPrefix+"wallet:a", anchorPrefix+seq20(1)); len(item) == 0 {
		t.Fatal("the anchor row was not restored")
	}
	e.mustAudit(s)
}
