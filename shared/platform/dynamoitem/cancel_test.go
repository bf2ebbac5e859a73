package dynamoitem_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"holdfast/shared/platform/dynamoitem"
)

// A real cancelled TransactWriteItems: four items, of which the second and fourth fail their
// conditions (the fourth asks for the item as it stood). The reasons come back one per item, in
// request order, and the error can be wrapped on the way up.
func TestCancellationReasonsOfARealTransaction(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	for _, sk := range []string{"taken", "versioned"} {
		item := dynamoitem.Key("P", sk)
		item["version"] = dynamoitem.N(3)
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
			t.Fatal(err)
		}
	}
	absent := aws.String("attribute_not_exists(pk)")
	_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String(table), Item: dynamoitem.Key("P", "fresh"), ConditionExpression: absent}},
		{Put: &types.Put{TableName: aws.String(table), Item: dynamoitem.Key("P", "taken"), ConditionExpression: absent}},
		{Put: &types.Put{TableName: aws.String(table), Item: dynamoitem.Key("P", "also-fresh")}},
		{ConditionCheck: &types.ConditionCheck{TableName: aws.String(table), Key: dynamoitem.Key("P", "versioned"),
			ConditionExpression:                 aws.String("version = :v"),
			ExpressionAttributeValues:           map[string]types.AttributeValue{":v": dynamoitem.N(2)},
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}},
	}})
	if err == nil {
		t.Fatal("the transaction committed")
	}
	reasons, cancelled := dynamoitem.CancellationReasons(fmt.Errorf("commit: %w", err))
	if !cancelled {
		t.Fatalf("not read as cancelled: %v", err)
	}
	want := []string{dynamoitem.ReasonNone, dynamoitem.ReasonConditionalCheckFailed, dynamoitem.ReasonNone, dynamoitem.ReasonConditionalCheckFailed}
	if len(reasons) != len(want) {
		t.Fatalf("%d reasons %+v, want %d", len(reasons), reasons, len(want))
	}
	for i, r := range reasons {
		if r.Code != want[i] || r.ConditionFailed() != (want[i] == dynamoitem.ReasonConditionalCheckFailed) {
			t.Errorf("reason %d: %+v, want code %s", i, r, want[i])
		}
	}
	old := dynamoitem.NewReader(reasons[3].Item)
	if old.S("sk") != "versioned" || old.Int("version") != 3 || old.Err() != nil {
		t.Errorf("reason 3 carries %v, want the item as it stood (err %v)", reasons[3].Item, old.Err())
	}
	if reasons[0].Item != nil || reasons[2].Item != nil {
		t.Errorf("items that were not the cause carry an item: %+v", reasons)
	}
}

func TestCancellationReasonsOfOtherErrors(t *testing.T) {
	db := newDB(t)
	_, err := db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table),
		Item: dynamoitem.Key("P", "x"), ConditionExpression: aws.String("attribute_exists(pk)")})
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		t.Fatalf("a failed PutItem condition gave %v", err)
	}
	for _, err := range []error{nil, errors.New("boom"), err} {
		if reasons, cancelled := dynamoitem.CancellationReasons(err); cancelled || reasons != nil {
			t.Errorf("%v read as a cancelled transaction: %+v", err, reasons)
		}
	}
}

// DynamoDB (and the SDK) may leave a reason's code empty for an item that was fine.
func TestAnEmptyCodeIsNone(t *testing.T) {
	err := &types.TransactionCanceledException{CancellationReasons: []types.CancellationReason{
		{}, {Code: aws.String("")}, {Code: aws.String("TransactionConflict")},
	}}
	reasons, cancelled := dynamoitem.CancellationReasons(err)
	if !cancelled || len(reasons) != 3 || reasons[0].Code != dynamoitem.ReasonNone || reasons[1].Code != dynamoitem.ReasonNone ||
		reasons[2].Code != dynamoitem.ReasonTransactionConflict {
		t.Fatalf("got %+v", reasons)
	}
}
