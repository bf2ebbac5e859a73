package ledgerstore

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"holdfast/shared/ledger"
	"holdfast/shared/platform/dynamoitem"
)

const victim = ledger.Account("wallet:victim")

// victimLedger is a wallet with 12 entries: deposits, and every third a withdrawal.
func victimLedger(t *testing.T) (*env, *Store) {
	t.Helper()
	e := newEnv(t)
	s := e.store(e.raw)
	for i := 1; i <= 12; i++ {
		if i%3 == 0 {
			e.mustCommit(s, withdrawal("victim", fmt.Sprintf("k%02d", i), "25.00"))
		} else {
			e.mustCommit(s, deposit("victim", fmt.Sprintf("k%02d", i), "100.00"))
		}
	}
	return e, s
}

func verifyInvalid(t *testing.T, s *Store, a ledger.Account, seq uint64, problem string) ledger.Verification {
	t.Helper()
	v, err := s.VerifyAccount(context.Background(), a, VerifyOptions{})
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if v.Valid || v.FirstInvalidSeq == nil || *v.FirstInvalidSeq != seq || v.Problem != problem {
		t.Fatalf("want invalid at seq %d (%s), got %+v", seq, problem, v)
	}
	return v
}

func (e *env) update(k map[string]types.AttributeValue, expr string, values map[string]types.AttributeValue) {
	e.t.Helper()
	_, err := e.raw.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
		TableName: aws.String(testTable), Key: k, UpdateExpression: aws.String(expr), ExpressionAttributeValues: values,
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) delete(k map[string]types.AttributeValue) {
	e.t.Helper()
	if _, err := e.raw.DeleteItem(context.Background(), &dynamodb.DeleteItemInput{TableName: aws.String(testTable), Key: k}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) auditInvalid(s *Store, acct ledger.Account) ledger.AuditReport {
	e.t.Helper()
	r, err := s.Audit(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	if r.Valid {
		e.t.Fatalf("the audit missed the tampering: %+v", r)
	}
	for _, c := range r.InvalidChains {
		if c.Account == acct {
			return r
		}
	}
	e.t.Fatalf("the audit did not name %s: %+v", acct, r)
	return r
}

func TestTamperEntryAmount(t *testing.T) {
	e, s := victimLedger(t)
	e.update(entryKey(victim, 5), "SET delta = :d, balanceAfter = :b", map[string]types.AttributeValue{
		":d": dynamoitem.Number("1100.00"), ":b": dynamoitem.Number("1325.00"),
	})
	verifyInvalid(t, s, victim, 5, ledger.ProblemHashMismatch)
	e.auditInvalid(s, victim)
}

func TestTamperEntryDeleted(t *testing.T) {
	e, s := victimLedger(t)
	e.delete(entryKey(victim, 7))
	verifyInvalid(t, s, victim, 7, ledger.ProblemSeqGap)
	r := e.auditInvalid(s, victim)
	if !hasProblem(r, ledger.AuditPostingMissing, victim) {
		t.Fatalf("the audit did not find the missing posting: %+v", r.Problems)
	}
	e.delete(entryKey(victim, 12)) // the last one: the head points past the chain
	verifyInvalid(t, s, victim, 7, ledger.ProblemSeqGap)
}

func TestTamperLastEntryDeleted(t *testing.T) {
	e, s := victimLedger(t)
	e.delete(entryKey(victim, 12))
	verifyInvalid(t, s, victim, 12, ledger.ProblemHeadBeyondChain)
}

func TestTamperHeadMoved(t *testing.T) {
	e, s := victimLedger(t)
	ctx := context.Background()
	entries, _, err := s.Entries(ctx, victim, 0, 20)
	if err != nil {
		t.Fatal(err)
	}
	e11 := entries[10]
	// Back one step, consistent with entry 11: entry 12 now lies beyond the head.
	_, err = e.raw.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(testTable), Key: headKey(victim),
		UpdateExpression:         aws.String("SET #seq = :s, #hash = :h, #balance = :b"),
		ExpressionAttributeNames: map[string]string{"#seq": "seq", "#hash": "hash", "#balance": "balance"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":s": dynamoitem.N(11), ":h": dynamoitem.S(e11.Hash), ":b": amt(e11.BalanceAfter),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	verifyInvalid(t, s, victim, 12, ledger.ProblemEntriesBeyondHead)
	// The writer refuses to fork the chain at seq 12.
	_, err = s.Commit(ctx, deposit("victim", "after-tamper", "1.00"))
	if !errors.Is(err, ledger.ErrInconsistent) {
		t.Fatalf("commit onto a moved-back head: %v", err)
	}
	e.auditInvalid(s, victim)

	// Forward past the chain.
	_, err = e.raw.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(testTable), Key: headKey(victim),
		UpdateExpression:          aws.String("SET #seq = :s"),
		ExpressionAttributeNames:  map[string]string{"#seq": "seq"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": dynamoitem.N(14)},
	})
	if err != nil {
		t.Fatal(err)
	}
	verifyInvalid(t, s, victim, 13, ledger.ProblemHeadBeyondChain)
}

// rewrite forges the victim's chain from seq `from` on: every deposit in it inflated by 1000.00,
// balances and hashes recomputed, the head moved to match — and, if records is set, the
// transaction records rewritten to match too, so only a digest can tell.
func rewrite(t *testing.T, e *env, s *Store, from uint64, records bool) {
	t.Helper()
	ctx := context.Background()
	entries, _, err := s.Entries(ctx, victim, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	prev := ledger.GenesisHead(victim)
	for _, en := range entries {
		if en.Seq >= from {
			if en.Delta.IsPositive() {
				en.Delta = en.Delta.Add(amount("1000.00"))
				if records {
					st, err := s.Transaction(ctx, en.TxID)
					if err != nil {
						t.Fatal(err)
					}
					st.Tx.Postings[0].Amount = en.Delta
					en.TxHash = ledger.TxHash(st.Tx)
					e.putItem(txItem(st.Tx, en.TxHash, nil, st.CommittedAt))
				}
			}
			en.PrevHash = prev.Hash
			en.BalanceAfter = prev.Balance.Add(en.Delta)
			en.Hash = ledger.EntryHash(en)
			e.putItem(entryItem(en))
		}
		prev = en.Head()
	}
	_, err = e.raw.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(testTable), Key: headKey(victim),
		UpdateExpression:         aws.String("SET #seq = :s, #hash = :h, #balance = :b"),
		ExpressionAttributeNames: map[string]string{"#seq": "seq", "#hash": "hash", "#balance": "balance"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":s": dynamoitem.N(prev.Seq), ":h": dynamoitem.S(prev.Hash), ":b": amt(prev.Balance),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A chain rewritten wholesale — every hash recomputed and the records rewritten to match —
// is consistent in itself; the digest taken before the rewrite exposes it, from seq 1.
func TestTamperWholesaleRewriteCaughtByDigest(t *testing.T) {
	e, s := victimLedger(t)
	ctx := context.Background()
	e.now.Advance(ledger.DigestInterval)
	if _, err := s.RecordDigest(ctx); err != nil {
		t.Fatal(err)
	}
	rewrite(t, e, s, 1, true)

	// Without the digest's anchors nothing looks wrong: that is what a wholesale rewrite is.
	noDigest := e.store(e.raw)
	e.delete(dynamoitem.Key(accountPrefix+string(victim), anchorPrefix+seq20(1)))
	if v, err := noDigest.VerifyAccount(ctx, victim, VerifyOptions{}); err != nil || !v.Valid {
		t.Fatalf("the forgery should pass without a digest: %+v %v", v, err)
	}
	// The digest job's next run restores the anchor row from the digest itself.
	e.update(digestHeadKey(), "SET anchorsIndexedThrough = :z", map[string]types.AttributeValue{":z": dynamoitem.N(0)})
	e.now.Advance(ledger.DigestInterval)
	if _, err := s.RecordDigest(ctx); err != nil {
		t.Fatal(err)
	}
	v := verifyInvalid(t, s, victim, 1, ledger.ProblemDigestMismatch)
	if v.AnchorsChecked == 0 {
		t.Fatalf("no anchor checked: %+v", v)
	}
	// The whole-ledger check sees it too: through the digest, and through the counterparties'
	// entries, which still carry the original transactions' hashes.
	r := e.auditInvalid(s, victim)
	if len(r.InvalidChains) < 2 {
		t.Fatalf("the counterparty chains should break too: %+v", r.InvalidChains)
	}
}

// Rewritten from seq 7 with recomputed hashes but the records left alone: the entries no longer
// match their transactions, exactly from seq 7 — no digest needed.
func TestTamperRewriteFromTheMiddle(t *testing.T) {
	e, s := victimLedger(t)
	rewrite(t, e, s, 7, false)
	verifyInvalid(t, s, victim, 7, ledger.ProblemTxDeltaMismatch)
	v, err := s.VerifyAccount(context.Background(), victim, VerifyOptions{SkipTransactions: true})
	if err != nil || !v.Valid {
		t.Fatalf("on its own the forged chain is consistent: %+v %v", v, err)
	}
	e.auditInvalid(s, victim)
}

func TestTamperUndecodableEntry(t *testing.T) {
	e, s := victimLedger(t)
	e.update(entryKey(victim, 4), "SET delta = :d", map[string]types.AttributeValue{":d": dynamoitem.S("a lot")})
	verifyInvalid(t, s, victim, 4, ledger.ProblemUndecodable)
	r := e.auditInvalid(s, victim)
	if !hasProblem(r, ledger.AuditUndecodable, victim) {
		t.Fatalf("%+v", r.Problems)
	}
}

func hasProblem(r ledger.AuditReport, code string, acct ledger.Account) bool {
	for _, p := range r.Problems {
		if p.Code == code && (acct == "" || p.Account == acct) {
			return true
		}
	}
	return false
}
