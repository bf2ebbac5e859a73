package ledgerstore

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"holdfast/shared/ledger"
	"holdfast/shared/platform/dynamoitem"
)

// markPaid is the kind of business write a repayment carries: installment DUE → PAID.
func markPaid(no string) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{
		TableName:                           aws.String(testTable),
		Key:                                 dynamoitem.Key("LOAN#L1", "INST#"+no),
		UpdateExpression:                    aws.String("SET #state = :paid"),
		ConditionExpression:                 aws.String("#state = :due"),
		ExpressionAttributeNames:            map[string]string{"#state": "state"},
		ExpressionAttributeValues:           map[string]types.AttributeValue{":paid": dynamoitem.S("PAID"), ":due": dynamoitem.S("DUE")},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}
}

func repayment(no string) ledger.Transaction {
	tx := withdrawal("payer", "rpy-"+no, "100.00")
	tx.ID = ledger.DeriveID("rpy", "L1", no)
	tx.Type = ledger.TypeRepayment
	tx.Postings = []ledger.Posting{{From: "wallet:payer", To: "loan:L1", Amount: amount("100.00")}}
	tx.Meta.LoanID, tx.Meta.InstallmentNo = "L1", 1
	return tx
}

func TestCommitWithBusinessWrites(t *testing.T) {
	e := newEnv(t)
	s := e.store(e.raw)
	ctx := context.Background()
	e.mustCommit(s, deposit("payer", "fund", "1000.00"))
	for _, no := range []string{"001", "002"} {
		item := dynamoitem.Key("LOAN#L1", "INST#"+no)
		item["state"] = dynamoitem.S("DUE")
		e.putItem(item)
	}

	// Posted together with the state change.
	c, err := s.CommitWith(ctx, repayment("001"), []types.TransactWriteItem{markPaid("001")})
	if err != nil || c.Replayed {
		t.Fatalf("commit with: %+v %v", c, err)
	}
	if st := e.getItem("LOAN#L1", "INST#001")["state"].(*types.AttributeValueMemberS).Value; st != "PAID" {
		t.Fatalf("installment %s", st)
	}
	// Retried: the stored record answers and the business write is not applied again (its
	// condition would now fail).
	if c, err := s.CommitWith(ctx, repayment("001"), []types.TransactWriteItem{markPaid("001")}); err != nil || !c.Replayed {
		t.Fatalf("replay: %+v %v", c, err)
	}
	// A business condition that does not hold: nothing written, the failing item named and
	// returned as it stands.
	tx := repayment("002")
	tx.ID = ledger.DeriveID("rpy", "L1", "001-again")
	_, err = s.CommitWith(ctx, tx, []types.TransactWriteItem{markPaid("002"), markPaid("001")})
	var xe *ExtraConditionError
	if !errors.As(err, &xe) || !errors.Is(err, ErrExtraConditionFailed) || xe.Index != 1 {
		t.Fatalf("failed business condition: %v", err)
	}
	if st, ok := xe.Item["state"].(*types.AttributeValueMemberS); !ok || st.Value != "PAID" {
		t.Fatalf("ALL_OLD item %v", xe.Item)
	}
	if _, err := s.Transaction(ctx, tx.ID); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("posted despite the failed condition: %v", err)
	}
	if st := e.getItem("LOAN#L1", "INST#002")["state"].(*types.AttributeValueMemberS).Value; st != "DUE" {
		t.Fatalf("installment 2 changed: %s", st)
	}
	if h, _ := s.Head(ctx, "wallet:payer"); ledger.FormatAmount(h.Balance) != "900.00" {
		t.Fatalf("balance %s", h.Balance)
	}

	// A lost race on the wallet is retried with the business write still attached.
	racer := e.store(e.raw)
	hook := &writeHook{DynamoDB: e.raw, before: func() {
		if _, err := racer.Commit(ctx, deposit("payer", "racer", "1.00")); err != nil {
			t.Errorf("racer: %v", err)
		}
	}}
	c, err = e.store(hook).CommitWith(ctx, repayment("002"), []types.TransactWriteItem{markPaid("002")})
	if err != nil || c.Attempts != 2 {
		t.Fatalf("lost race with extras: %+v %v", c, err)
	}
	if st := e.getItem("LOAN#L1", "INST#002")["state"].(*types.AttributeValueMemberS).Value; st != "PAID" {
		t.Fatalf("installment 2: %s", st)
	}
	e.mustAudit(s)
}

func TestCommitWithRefusesWhatItCannotCarry(t *testing.T) {
	e := newEnv(t)
	s := e.store(e.counted())
	ctx := context.Background()
	e.calls.Take()
	ledgerItem := types.TransactWriteItem{Put: &types.Put{TableName: aws.String(testTable), Item: headKey("wallet:x")}}
	if _, err := s.CommitWith(ctx, deposit("x", "1", "1"), []types.TransactWriteItem{ledgerItem}); err == nil {
		t.Fatal("an extra item wrote a ledger head")
	}
	if _, err := s.CommitWith(ctx, deposit("x", "1", "1"), []types.TransactWriteItem{{}}); err == nil {
		t.Fatal("an empty extra item was accepted")
	}
	many := make([]types.TransactWriteItem, 96)
	for i := range many {
		many[i] = types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: aws.String(testTable),
			Key: dynamoitem.Key("X", string(rune('a'+i))), ConditionExpression: aws.String("attribute_not_exists(pk)")}}
	}
	if _, err := s.CommitWith(ctx, deposit("x", "1", "1"), many); !errors.Is(err, ledger.ErrInvalidTransaction) {
		t.Fatalf("101 items: %v", err)
	}
	if calls := e.calls.Take(); len(calls) != 0 {
		t.Fatalf("refused commits made calls: %v", calls)
	}
	// Another table is the caller's business.
	other := types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: aws.String(testTable),
		Key: dynamoitem.Key("LOAN#L9", "META"), ConditionExpression: aws.String("attribute_not_exists(pk)")}}
	if _, err := s.CommitWith(ctx, deposit("x", "1", "1"), []types.TransactWriteItem{other}); err != nil {
		t.Fatal(err)
	}
}
