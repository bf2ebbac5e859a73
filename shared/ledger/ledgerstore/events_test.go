package ledgerstore

import (
	"context"
	"encoding/json"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"holdfast/shared/ledger"
	"holdfast/shared/platform/dynamoitem"
)

func record(name lambdaevents.DynamoDBOperationType, image map[string]lambdaevents.DynamoDBAttributeValue) lambdaevents.DynamoDBEventRecord {
	return lambdaevents.DynamoDBEventRecord{EventName: string(name), Change: lambdaevents.DynamoDBStreamRecord{NewImage: image}}
}

func TestMapRecord(t *testing.T) {
	e := newEnv(t)
	s := e.store(e.raw)
	ctx := context.Background()
	e.mustCommit(s, deposit("u1", "k1", "2000"))
	tx := ledger.Transaction{
		ID:   "rpy-L1-3",
		Type: ledger.TypeRepayment,
		Postings: []ledger.Posting{
			{From: "wallet:u1", To: "loan:L1", Amount: amount("800.00")},
			{From: "wallet:u1", To: ledger.InterestIncome, Amount: amount("84.88")},
		},
		Meta: ledger.Meta{LoanID: "L1", InstallmentNo: 3, CorrelationID: "corr-rpy", Actor: "u1", IdempotencyKey: "idem-9"},
		At:   deposit("u1", "x", "1").At,
	}
	c := e.mustCommit(s, tx)
	item := e.getItem(txPrefix+tx.ID, txSK)
	envs, err := MapRecord(record(lambdaevents.DynamoDBOperationTypeInsert, streamImage(item)))
	if err != nil || len(envs) != 1 {
		t.Fatalf("map: %v %v", envs, err)
	}
	env := envs[0]
	if env.Source() != "holdfast.ledger" || env.DetailType() != "LedgerTransactionCommitted.v1" ||
		env.Meta.EventID != "LTX#rpy-L1-3" || env.Meta.CorrelationID != "corr-rpy" || env.Meta.Actor.ID != "u1" ||
		!env.Meta.OccurredAt.Equal(c.Tx.At) {
		t.Fatalf("envelope meta %+v", env.Meta)
	}
	var data TransactionCommitted
	if err := json.Unmarshal(env.Data, &data); err != nil {
		t.Fatal(err)
	}
	if data.TxID != tx.ID || data.Type != "REPAYMENT" || data.Hash != c.Hash || len(data.Postings) != 2 ||
		data.Postings[0].Amount != "800.00" || data.Postings[1].Amount != "84.88" ||
		data.Postings[1].To != string(c.Tx.Postings[1].To) || data.Meta.LoanID != "L1" || data.Meta.InstallmentNo != 3 ||
		data.At != ledger.FormatTime(c.Tx.At) || len(data.Entries) != 3 {
		t.Fatalf("data %+v", data)
	}
	for _, en := range data.Entries {
		if en.Account == "wallet:u1" && (en.Seq != 2 || en.BalanceAfter != "1115.12") {
			t.Fatalf("wallet entry in event %+v", en)
		}
	}

	// Nothing else announces anything.
	none := []lambdaevents.DynamoDBEventRecord{
		record(lambdaevents.DynamoDBOperationTypeModify, streamImage(item)),
		record(lambdaevents.DynamoDBOperationTypeRemove, streamImage(item)),
		record(lambdaevents.DynamoDBOperationTypeInsert, streamImage(txKey(tx.ID))), // keys only
		record(lambdaevents.DynamoDBOperationTypeInsert, streamImage(e.getItem(accountPrefix+"wallet:u1", headSK))),
		record(lambdaevents.DynamoDBOperationTypeInsert, streamImage(e.getItem(accountPrefix+"wallet:u1", entryPrefix+seq20(1)))),
		record(lambdaevents.DynamoDBOperationTypeInsert, streamImage(dynamoitem.Key("LOAN#L1", "META"))),
	}
	for i, rec := range none {
		if envs, err := MapRecord(rec); err != nil || len(envs) != 0 {
			t.Errorf("record %d announced %v (%v)", i, envs, err)
		}
	}
	// A record that should announce something but cannot be read is an error (the relay retries).
	broken := streamImage(item)
	broken[attrPostings] = lambdaevents.NewStringAttribute("oops")
	if _, err := MapRecord(record(lambdaevents.DynamoDBOperationTypeInsert, broken)); err == nil {
		t.Fatal("a broken record mapped without error")
	}

	// Digests announce themselves.
	e.now.Advance(ledger.DigestInterval)
	run, err := s.RecordDigest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	d := run.Digests[0]
	envs, err = MapRecord(record(lambdaevents.DynamoDBOperationTypeInsert, streamImage(e.getItem(digestPK, digestPrefix+seq20(1)))))
	if err != nil || len(envs) != 1 || envs[0].DetailType() != "LedgerDigestRecorded.v1" || envs[0].Meta.EventID != "DIGEST#1" {
		t.Fatalf("digest event %v %v", envs, err)
	}
	var dd DigestRecorded
	if err := json.Unmarshal(envs[0].Data, &dd); err != nil || dd.Hash != d.Hash || dd.HeadCount != len(d.Heads) || dd.Seq != 1 {
		t.Fatalf("digest data %+v %v", dd, err)
	}
}
