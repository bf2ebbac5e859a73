package ledgerstore

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"holdfast/shared/ledger"
	"holdfast/shared/platform/errs"
)

func TestCommitAndRead(t *testing.T) {
	e := newEnv(t)
	s := e.store(e.raw)
	ctx := context.Background()
	c := e.mustCommit(s, deposit("u1", "k1", "1500.00"))
	if c.Replayed || c.Attempts != 1 || len(c.Entries) != 2 || c.Hash != ledger.TxHash(c.Tx) {
		t.Fatalf("committed: %+v", c)
	}
	ext := c.Tx.Postings[0].From
	if ext.Base() != ledger.External || !ext.Physical() {
		t.Fatalf("external not sharded: %s", ext)
	}
	w, _ := c.Entry("wallet:u1")
	if w.Seq != 1 || ledger.FormatAmount(w.BalanceAfter) != "1500.00" {
		t.Fatalf("wallet entry %+v", w)
	}
	e.mustCommit(s, withdrawal("u1", "k2", "200.5"))
	e.mustCommit(s, deposit("u1", "k3", "0.01"))

	h, err := s.Head(ctx, "wallet:u1")
	if err != nil || h.Seq != 3 || ledger.FormatAmount(h.Balance) != "1299.51" {
		t.Fatalf("head %+v %v", h, err)
	}
	if g, err := s.Head(ctx, "wallet:nobody"); err != nil || g.Seq != 0 || g.Hash != ledger.GenesisHash || !g.Balance.IsZero() {
		t.Fatalf("genesis head %+v %v", g, err)
	}
	if _, err := s.Head(ctx, ledger.External); !errors.Is(err, ledger.ErrInvalidAccount) {
		t.Fatalf("head of a logical account: %v", err)
	}
	bal, err := s.Balance(ctx, ledger.External)
	if err != nil || ledger.FormatAmount(bal) != "-1299.51" {
		t.Fatalf("external balance (sum of shards) %s %v", bal, err)
	}
	if bal, err := s.Balance(ctx, "wallet:u1"); err != nil || ledger.FormatAmount(bal) != "1299.51" {
		t.Fatalf("wallet balance %s %v", bal, err)
	}
	st, err := s.Transaction(ctx, c.Tx.ID)
	if err != nil || !ledger.SameContent(st.Tx, c.Tx) || st.Hash != c.Hash || ledger.TxHash(st.Tx) != st.Hash || len(st.Entries) != 2 {
		t.Fatalf("transaction record %+v %v", st, err)
	}
	if st.Tx.Meta != c.Tx.Meta || !st.Tx.At.Equal(c.Tx.At) {
		t.Fatalf("record meta/at %+v vs %+v", st.Tx, c.Tx)
	}
	if _, err := s.Transaction(ctx, "nope"); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("missing transaction: %v", err)
	}
	entries, more, err := s.Entries(ctx, "wallet:u1", 1, 10)
	if err != nil || more || len(entries) != 2 || entries[0].Seq != 2 {
		t.Fatalf("entries after 1: %v %v %v", entries, more, err)
	}
	v, err := s.VerifyAccount(ctx, "wallet:u1", VerifyOptions{})
	if err != nil || !v.Valid || v.Entries != 3 || v.HeadSeq != 3 || v.HeadHash != h.Hash {
		t.Fatalf("verify %+v %v", v, err)
	}
	e.mustAudit(s)
}

func TestStatementPages(t *testing.T) {
	e := newEnv(t)
	s := e.store(e.raw)
	for i := 0; i < 7; i++ {
		e.mustCommit(s, deposit("u1", "k"+string(rune('a'+i)), "10"))
	}
	ctx := context.Background()
	var seqs []uint64
	var before uint64
	pages := 0
	for {
		p, err := s.Statement(ctx, "wallet:u1", before, 3)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, it := range p.Items {
			seqs = append(seqs, it.Seq)
			if ledger.FormatAmount(it.BalanceAfter) != ledger.FormatAmount(amount("10").Mul(amount(string(rune('0'+it.Seq))))) {
				t.Errorf("running balance of %d: %s", it.Seq, it.BalanceAfter)
			}
		}
		if p.Before == 0 {
			break
		}
		before = p.Before
	}
	if !slices.Equal(seqs, []uint64{7, 6, 5, 4, 3, 2, 1}) || pages != 3 {
		t.Fatalf("statement seqs %v in %d pages", seqs, pages)
	}
	// A page starts below any seq; nothing lies below 1; above the head is from the newest.
	for before, want := range map[uint64][]uint64{5: {4, 3, 2}, 2: {1}, 1: nil, 100: {7, 6, 5}} {
		p, err := s.Statement(ctx, "wallet:u1", before, 3)
		var got []uint64
		for _, it := range p.Items {
			got = append(got, it.Seq)
		}
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("below %d: %v %v, want %v", before, got, err, want)
		}
	}
	if p, err := s.Statement(ctx, "wallet:empty", 0, 0); err != nil || len(p.Items) != 0 || p.Before != 0 {
		t.Fatalf("empty statement %+v %v", p, err)
	}
}

// An uncontended deposit costs exactly one TransactWriteItems and one read (the consistent
// BatchGetItem of its record and heads) — the first into new accounts and later ones alike.
func TestUncontendedDepositCost(t *testing.T) {
	e := newEnv(t)
	s := e.store(e.counted())
	for i, key := range []string{"first", "second", "third"} {
		e.calls.Take()
		c := e.mustCommit(s, deposit("u1", key, "100"))
		calls := e.calls.Take()
		if calls["TransactWriteItems"] != 1 || calls["BatchGetItem"] != 1 || len(calls) != 2 || c.Attempts != 1 {
			t.Fatalf("deposit %d cost %v (attempts %d); want one TransactWriteItems and one read", i+1, calls, c.Attempts)
		}
	}
	// Invalid transactions and insufficient funds never write.
	e.calls.Take()
	if _, err := s.Commit(context.Background(), deposit("u1", "bad", "0.001")); !errors.Is(err, ledger.ErrInvalidTransaction) {
		t.Fatal(err)
	}
	if calls := e.calls.Take(); len(calls) != 0 {
		t.Fatalf("an invalid transaction made calls %v", calls)
	}
	if _, err := s.Commit(context.Background(), withdrawal("u1", "big", "1000")); !errors.Is(err, ledger.ErrInsufficientFunds) {
		t.Fatal(err)
	}
	if calls := e.calls.Take(); calls["TransactWriteItems"] != 0 || calls["BatchGetItem"] != 1 {
		t.Fatalf("insufficient funds made calls %v", calls)
	}
}

func TestInsufficientFundsWritesNothing(t *testing.T) {
	e := newEnv(t)
	s := e.store(e.raw)
	ctx := context.Background()
	e.mustCommit(s, deposit("u1", "k1", "100.00"))
	before, _ := s.Head(ctx, "wallet:u1")
	tx := withdrawal("u1", "k2", "100.01")
	_, err := s.Commit(ctx, tx)
	var le *errs.Error
	if !errors.As(err, &le) || le.Code != ledger.CodeInsufficientFunds || !strings.Contains(le.Error(), "account wallet:u1:") {
		t.Fatalf("overdraft: %v", err)
	}
	if _, err := s.Transaction(ctx, tx.ID); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("a refused transaction has a record: %v", err)
	}
	after, _ := s.Head(ctx, "wallet:u1")
	if after.Seq != before.Seq || after.Hash != before.Hash {
		t.Fatalf("head moved: %+v → %+v", before, after)
	}
	e.mustCommit(s, withdrawal("u1", "k3", "100.00"))
	if h, _ := s.Head(ctx, "wallet:u1"); !h.Balance.IsZero() {
		t.Fatalf("balance %s", h.Balance)
	}
	e.mustAudit(s)
}

func TestIdempotentRetry(t *testing.T) {
	e := newEnv(t)
	s := e.store(e.counted())
	ctx := context.Background()
	tx := deposit("u1", "same-key", "250.00")
	first := e.mustCommit(s, tx)

	// The same request again, later, with another correlation ID: the original record answers.
	retry := tx
	retry.At = retry.At.Add(3 * time.Second)
	retry.Meta.CorrelationID = "corr-retry"
	e.calls.Take()
	again, err := s.Commit(ctx, retry)
	if err != nil || !again.Replayed || again.Hash != first.Hash || again.Tx.Meta.CorrelationID != tx.Meta.CorrelationID {
		t.Fatalf("replay: %+v %v", again, err)
	}
	if !sameRefs(again.Entries, first.Entries) {
		t.Fatalf("replay entries %v vs %v", again.Entries, first.Entries)
	}
	if calls := e.calls.Take(); calls["TransactWriteItems"] != 0 {
		t.Fatalf("a replay wrote: %v", calls)
	}
	// Another shard count for the system account between attempts is still the same action.
	s2 := e.store(e.raw, func(o *Options) { o.Shards = 3 })
	if c, err := s2.Commit(ctx, tx); err != nil || !c.Replayed {
		t.Fatalf("replay under another shard count: %+v %v", c, err)
	}
	// The same ID with other content is refused.
	other := deposit("u1", "same-key", "999.00")
	if _, err := s.Commit(ctx, other); !errors.Is(err, ledger.ErrTransactionIDReuse) {
		t.Fatalf("ID reuse: %v", err)
	}
	h, _ := s.Head(ctx, "wallet:u1")
	if h.Seq != 1 || ledger.FormatAmount(h.Balance) != "250.00" {
		t.Fatalf("posted more than once: %+v", h)
	}
	// A record written by a racing request between our read and our write: the write fails on
	// the record's condition and the call answers with that record.
	tx2 := deposit("u1", "racy", "5.00")
	racer := e.store(e.raw)
	hook := &writeHook{DynamoDB: e.raw, before: func() {
		if _, err := racer.Commit(ctx, tx2); err != nil {
			t.Errorf("racer: %v", err)
		}
	}}
	c, err := e.store(hook).Commit(ctx, tx2)
	if err != nil || !c.Replayed {
		t.Fatalf("lost the race to the same ID: %+v %v", c, err)
	}
	e.mustAudit(s)
}

// writeHook runs before() ahead of the first TransactWriteItems it forwards.
type writeHook struct {
	DynamoDB
	before func()
	done   bool
}

func (w *writeHook) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	if !w.done {
		w.done = true
		w.before()
	}
	return w.DynamoDB.TransactWriteItems(ctx, in, optFns...)
}

func sameRefs(a, b []ledger.EntryRef) bool {
	return slices.EqualFunc(a, b, func(x, y ledger.EntryRef) bool {
		return x.Account == y.Account && x.Seq == y.Seq && x.Hash == y.Hash && x.BalanceAfter.Equal(y.BalanceAfter)
	})
}
