package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/shopspring/decimal"

	"holdfast/shared/ledger"
	"holdfast/shared/ledger/ledgerapi"
	"holdfast/shared/ledger/ledgerstore"
	"holdfast/shared/localcloud/emulator"
	"holdfast/shared/platform/platformtest"
)

// ledgerFixture is an emulator with a lending table holding a few committed transactions.
func ledgerFixture(t *testing.T) (*dynamodb.Client, *ledgerstore.Store) {
	t.Helper()
	ctx := context.Background()
	em, err := emulator.Start(ctx, emulator.Options{})
	if err != nil {
		t.Fatalf("this test needs the AWS emulator: %v", err)
	}
	t.Cleanup(func() { em.Close() })
	cfg, err := em.AWSConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	db := dynamodb.NewFromConfig(cfg)
	platformtest.CreateTables(t, db, platformtest.Table{LogicalID: "LendingTable", Name: "cli-lending"})
	store, err := ledgerstore.New(db, ledgerstore.Options{Table: "cli-lending", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	for i, user := range []string{"ann", "ann", "ann", "ben"} {
		w, _ := ledger.Wallet(user)
		if _, err := store.Commit(ctx, ledger.Transaction{ID: ledger.DeriveID("dep", user, string(rune('a'+i))), Type: ledger.TypeDeposit,
			Postings: []ledger.Posting{{From: ledger.External, To: w, Amount: decimal.RequireFromString("25.50")}},
			Meta:     ledger.Meta{CorrelationID: "cli-test", Actor: user}, At: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := store.RecordDigest(ctx); err != nil {
		t.Fatal(err)
	}
	return db, store
}

func TestLedgerVerifyCommand(t *testing.T) {
	db, _ := ledgerFixture(t)
	ctx := context.Background()
	var out, errOut bytes.Buffer
	if err := verifyLedger(ctx, db, "cli-lending", "", 0, &out, &errOut); err != nil {
		t.Fatalf("sound ledger: %v\n%s", err, errOut.String())
	}
	var res ledgerapi.AuditResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil || !res.Valid || res.Transactions != 4 || res.Entries != 8 || res.Total != "0.00" || res.Digests != 1 {
		t.Fatalf("%+v %v\n%s", res, err, out.String())
	}
	out.Reset()
	if err := verifyLedger(ctx, db, "cli-lending", "wallet:ann", 0, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	var v ledger.Verification
	if err := json.Unmarshal(out.Bytes(), &v); err != nil || !v.Valid || v.Entries != 3 || v.HeadSeq != 3 || v.AnchorsChecked != 1 {
		t.Fatalf("%+v %v", v, err)
	}
	if err := verifyLedger(ctx, db, "cli-lending", "wallet:nobody", 0, &out, &errOut); err == nil || !strings.Contains(err.Error(), "holds no account wallet:nobody") {
		t.Fatalf("unknown account: %v", err)
	}
	for _, bad := range []string{"external", "bogus", "wallet:a b"} {
		if err := verifyLedger(ctx, db, "cli-lending", bad, 0, &out, &errOut); err == nil || !strings.Contains(err.Error(), "--account") {
			t.Fatalf("%q: %v", bad, err)
		}
	}
	if err := verifyLedger(ctx, db, "no-such-table", "", 0, &out, &errOut); err == nil {
		t.Fatal("a missing table verified")
	}

	// Tamper with ann's second entry: both forms name the account and the exact seq.
	if _, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String("cli-lending"),
		Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "ACCT#wallet:ann"},
			"sk": &types.AttributeValueMemberS{Value: "ENTRY#00000000000000000002"}},
		UpdateExpression:          aws.String("SET balanceAfter = :b"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":b": &types.AttributeValueMemberN{Value: "1000000"}},
	}); err != nil {
		t.Fatal(err)
	}
	want := "account wallet:ann is broken at seq 2"
	if err := verifyLedger(ctx, db, "cli-lending", "wallet:ann", 0, &out, &errOut); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("tampered account: %v", err)
	}
	if err := verifyLedger(ctx, db, "cli-lending", "", 0, &out, &errOut); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("tampered ledger: %v", err)
	}
	// ben's chain is untouched.
	if err := verifyLedger(ctx, db, "cli-lending", "wallet:ben", 0, &out, &errOut); err != nil {
		t.Fatal(err)
	}
}

func TestLedgerCommandArguments(t *testing.T) {
	var out, errOut bytes.Buffer
	for _, args := range [][]string{{}, {"check"}, {"verify", "--nope"}, {"verify", "extra"}} {
		if err := runLedger(args, &out, &errOut); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
	if !strings.Contains(errOut.String(), "holdfast ledger verify [--account ID]") {
		t.Errorf("no usage: %s", errOut.String())
	}
}

func TestProgressShowsRateOnLongRunsOnly(t *testing.T) {
	c := &countingDB{}
	var w bytes.Buffer
	stop := startProgress(c, time.Hour, &w)
	stop()
	if w.Len() != 0 {
		t.Fatalf("a short run printed %q", w.String())
	}
	c.count([]map[string]types.AttributeValue{
		{"pk": &types.AttributeValueMemberS{Value: "ACCT#wallet:a"}, "sk": &types.AttributeValueMemberS{Value: "ENTRY#00000000000000000001"}},
		{"pk": &types.AttributeValueMemberS{Value: "LTX#x"}, "sk": &types.AttributeValueMemberS{Value: "LTX"}},
	})
	// A long run is one that lasts past the first tick: stop once the progress line is drawn.
	drawn := &signalWriter{wrote: make(chan struct{}, 1)}
	stop = startProgress(c, time.Millisecond, drawn)
	select {
	case <-drawn.wrote:
	case <-time.After(10 * time.Second): // only turns a hang into a failure
		t.Fatal("no progress line drawn")
	}
	stop()
	stop()
	s := drawn.String()
	if !strings.Contains(s, "\rverifying: 2 items read, 1 entries, ") || !strings.Contains(s, "entries/s") || !strings.HasSuffix(s, "\n") {
		t.Fatalf("%q", s)
	}
}

// signalWriter keeps what is written and signals each write; startProgress writes from its
// own goroutine, and stop waits for that goroutine, so the text is read only after stop.
type signalWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	wrote chan struct{}
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	select {
	case w.wrote <- struct{}{}:
	default:
	}
	return w.buf.Write(p)
}

func (w *signalWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}
