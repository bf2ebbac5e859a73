package dynamo_test

import (
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

const tw = "API Reference, TransactWriteItems"

func txPut(table string, it item) types.TransactWriteItem {
	return types.TransactWriteItem{Put: &types.Put{TableName: aws.String(table), Item: it}}
}

func txAdd(table, key, token string) *dynamodb.TransactWriteItemsInput {
	in := &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{TableName: aws.String(table), Key: pk(key), UpdateExpression: aws.String("ADD cnt :one"),
			ExpressionAttributeValues: item{":one": N("1")}}},
	}}
	if token != "" {
		in.ClientRequestToken = aws.String(token)
	}
	return in
}

func reasonCodes(err error) ([]string, []types.CancellationReason) {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return nil, nil
	}
	codes := make([]string, len(tce.CancellationReasons))
	for i, r := range tce.CancellationReasons {
		codes[i] = aws.ToString(r.Code)
	}
	return codes, tce.CancellationReasons
}

func txCases() []ccase {
	fixture := func(c *env) {
		c.hashTable("tbl")
		c.hashTable("tbu")
		c.put("tbl", item{"pk": S("a"), "bal": N("10")})
		c.put("tbu", item{"pk": S("b"), "bal": N("0")})
	}
	return []ccase{
		{name: "TransactWriteItems/100-actions-accepted", doc: tw + " (\"groups up to 100 action requests\")",
			setup: func(c *env) { c.hashTable("tbl") },
			do: func(c *env) (any, error) {
				in := &dynamodb.TransactWriteItemsInput{}
				for i := 0; i < 100; i++ {
					in.TransactItems = append(in.TransactItems, txPut("tbl", pk(fmt.Sprint(i))))
				}
				return c.db.TransactWriteItems(c.ctx, in)
			},
			check: func(c *env, _ any, _ error) {
				if n := len(c.scanAll("tbl")); n != 100 {
					c.t.Errorf("%d items, want 100", n)
				}
			}},
		{name: "TransactWriteItems/101-actions-refused", doc: tw + " → TransactItems (\"An ordered array of up to 100 TransactWriteItem objects\"); ValidationException",
			setup: func(c *env) { c.hashTable("tbl") },
			do: func(c *env) (any, error) {
				in := &dynamodb.TransactWriteItemsInput{}
				for i := 0; i < 101; i++ {
					in.TransactItems = append(in.TransactItems, txPut("tbl", pk(fmt.Sprint(i))))
				}
				return c.db.TransactWriteItems(c.ctx, in)
			},
			wantErr: "ValidationException",
			check: func(c *env, _ any, _ error) {
				if n := len(c.scanAll("tbl")); n != 0 {
					c.t.Errorf("%d items written by a refused transaction", n)
				}
			}},
		{name: "TransactWriteItems/two-actions-one-item-refused", doc: tw + " (\"no two actions can target the same item. For example, you cannot both ConditionCheck and Update the same item\"); ValidationException",
			setup: fixture,
			do: func(c *env) (any, error) {
				return c.db.TransactWriteItems(c.ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
					{ConditionCheck: &types.ConditionCheck{TableName: aws.String("tbl"), Key: pk("a"), ConditionExpression: aws.String("attribute_exists(pk)")}},
					{Update: &types.Update{TableName: aws.String("tbl"), Key: pk("a"), UpdateExpression: aws.String("SET bal = :z"), ExpressionAttributeValues: item{":z": N("0")}}},
				}})
			},
			wantErr: "ValidationException",
			check: func(c *env, _ any, _ error) {
				c.wantItem("unchanged", c.get("tbl", pk("a")), item{"pk": S("a"), "bal": N("10")})
			}},
		{name: "TransactWriteItems/all-or-nothing-with-reasons-in-order", doc: tw + " (\"The actions are completed atomically so that either all of them succeed, or all of them fail\"); Errors: TransactionCanceledException → CancellationReasons (\"ordered … in the same order as the TransactItems\"; Code None / ConditionalCheckFailed)",
			setup: fixture,
			do: func(c *env) (any, error) {
				return c.db.TransactWriteItems(c.ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
					{Update: &types.Update{TableName: aws.String("tbl"), Key: pk("a"), UpdateExpression: aws.String("SET bal = bal - :amt"),
						ExpressionAttributeValues: item{":amt": N("20")}}},
					txPut("tbu", item{"pk": S("new"), "x": S("y")}),
					{Update: &types.Update{TableName: aws.String("tbu"), Key: pk("b"), UpdateExpression: aws.String("SET bal = bal + :amt"),
						ConditionExpression: aws.String("bal > :min"), ExpressionAttributeValues: item{":amt": N("20"), ":min": N("5")}}},
				}})
			},
			wantErr: "TransactionCanceledException",
			check: func(c *env, _ any, err error) {
				codes, _ := reasonCodes(err)
				if fmt.Sprint(codes) != "[None None ConditionalCheckFailed]" {
					c.t.Errorf("CancellationReasons codes %v, want [None None ConditionalCheckFailed] (errors.As ok: %v)", codes, codes != nil)
				}
				c.wantItem("t/a unchanged", c.get("tbl", pk("a")), item{"pk": S("a"), "bal": N("10")})
				c.wantItem("u/b unchanged", c.get("tbu", pk("b")), item{"pk": S("b"), "bal": N("0")})
				if it := c.get("tbu", pk("new")); it != nil {
					c.t.Errorf("put of a cancelled transaction applied: %s", itemString(it))
				}
			}},
		{name: "TransactWriteItems/reason-carries-ALL_OLD-item", doc: tw + " → Put/Update/Delete/ConditionCheck ReturnValuesOnConditionCheckFailure (ALL_OLD); TransactionCanceledException → CancellationReason.Item",
			setup: fixture,
			do: func(c *env) (any, error) {
				return c.db.TransactWriteItems(c.ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
					{ConditionCheck: &types.ConditionCheck{TableName: aws.String("tbl"), Key: pk("a"), ConditionExpression: aws.String("bal > :big"),
						ExpressionAttributeValues: item{":big": N("100")}, ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}},
					txPut("tbu", pk("c")),
				}})
			},
			wantErr: "TransactionCanceledException",
			check: func(c *env, _ any, err error) {
				codes, reasons := reasonCodes(err)
				if fmt.Sprint(codes) != "[ConditionalCheckFailed None]" {
					c.t.Fatalf("codes %v, want [ConditionalCheckFailed None]", codes)
				}
				c.wantItem("reason 0 Item", reasons[0].Item, item{"pk": S("a"), "bal": N("10")})
				if len(reasons[1].Item) != 0 {
					c.t.Errorf("reason 1 Item %s, want none", itemString(reasons[1].Item))
				}
			}},
		{name: "TransactWriteItems/condition-check-put-update-delete-applied", doc: tw + " (ConditionCheck, Put, Update and Delete in one transaction; all applied when every condition holds)",
			setup: fixture,
			do: func(c *env) (any, error) {
				return c.db.TransactWriteItems(c.ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
					{ConditionCheck: &types.ConditionCheck{TableName: aws.String("tbu"), Key: pk("b"), ConditionExpression: aws.String("attribute_exists(pk)")}},
					{Update: &types.Update{TableName: aws.String("tbl"), Key: pk("a"), UpdateExpression: aws.String("SET bal = bal - :amt"),
						ConditionExpression: aws.String("bal >= :amt"), ExpressionAttributeValues: item{":amt": N("4")}}},
					{Put: &types.Put{TableName: aws.String("tbl"), Item: pk("p"), ConditionExpression: aws.String("attribute_not_exists(pk)")}},
					{Delete: &types.Delete{TableName: aws.String("tbu"), Key: pk("gone")}},
				}})
			},
			check: func(c *env, _ any, _ error) {
				c.wantItem("t/a", c.get("tbl", pk("a")), item{"pk": S("a"), "bal": N("6")})
				c.wantItem("t/p", c.get("tbl", pk("p")), pk("p"))
			}},
		{name: "TransactWriteItems/token-replay-not-reapplied", doc: tw + " → ClientRequestToken (\"multiple identical calls have the same effect as one single call\"; valid 10 minutes)",
			setup: func(c *env) { c.hashTable("tbl") },
			do: func(c *env) (any, error) {
				for i := 0; i < 3; i++ {
					if _, err := c.db.TransactWriteItems(c.ctx, txAdd("tbl", "ctr", "token-1")); err != nil {
						return nil, fmt.Errorf("call %d: %w", i+1, err)
					}
				}
				return nil, nil
			},
			check: func(c *env, _ any, _ error) {
				c.wantItem("counter", c.get("tbl", pk("ctr")), item{"pk": S("ctr"), "cnt": N("1")})
			}},
		{name: "TransactWriteItems/no-token-applies-each-time", doc: tw + " → ClientRequestToken (without a token each call is a new transaction)",
			setup: func(c *env) { c.hashTable("tbl") },
			do: func(c *env) (any, error) {
				for i := 0; i < 3; i++ {
					if _, err := c.db.TransactWriteItems(c.ctx, txAdd("tbl", "ctr", "")); err != nil {
						return nil, err
					}
				}
				return nil, nil
			},
			check: func(c *env, _ any, _ error) {
				c.wantItem("counter", c.get("tbl", pk("ctr")), item{"pk": S("ctr"), "cnt": N("3")})
			}},
		{name: "TransactWriteItems/token-with-different-request", doc: tw + " → ClientRequestToken (\"If you submit a request with the same client token but a change in other parameters within the 10-minute idempotency window, DynamoDB returns an IdempotentParameterMismatch exception\")",
			setup: func(c *env) {
				c.hashTable("tbl")
				_, err := c.db.TransactWriteItems(c.ctx, txAdd("tbl", "ctr", "token-2"))
				c.must(err)
			},
			do: func(c *env) (any, error) {
				return c.db.TransactWriteItems(c.ctx, txAdd("tbl", "other", "token-2"))
			},
			wantErr: "IdempotentParameterMismatchException",
			check: func(c *env, _ any, err error) {
				var ipm *types.IdempotentParameterMismatchException
				if !errors.As(err, &ipm) {
					c.t.Errorf("errors.As *types.IdempotentParameterMismatchException failed: %T", err)
				}
				if it := c.get("tbl", pk("other")); it != nil {
					c.t.Errorf("mismatched request applied: %s", itemString(it))
				}
				c.wantItem("first still once", c.get("tbl", pk("ctr")), item{"pk": S("ctr"), "cnt": N("1")})
			}},
		{name: "TransactWriteItems/missing-table", doc: tw + " → Errors: ResourceNotFoundException",
			do: func(c *env) (any, error) {
				return c.db.TransactWriteItems(c.ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{txPut("nope", pk("a"))}})
			}, wantErr: "ResourceNotFoundException"},
		{name: "TransactWriteItems/item-over-400KB-refused", doc: tw + " (item size limit 400 KB applies to each Put); ValidationException",
			setup: func(c *env) { c.hashTable("tbl") },
			do: func(c *env) (any, error) {
				return c.db.TransactWriteItems(c.ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
					txPut("tbl", item{"pk": S("k"), "d": S(bigString(409597))})}})
			}, wantErr: "ValidationException"},
		{name: "TransactGetItems/101-refused", doc: "API Reference, TransactGetItems → TransactItems (\"An ordered array of up to 100 TransactGetItem objects\"); ValidationException",
			setup: func(c *env) { c.hashTable("tbl") },
			do: func(c *env) (any, error) {
				in := &dynamodb.TransactGetItemsInput{}
				for i := 0; i < 101; i++ {
					in.TransactItems = append(in.TransactItems, types.TransactGetItem{Get: &types.Get{TableName: aws.String("tbl"), Key: pk(fmt.Sprint(i))}})
				}
				return c.db.TransactGetItems(c.ctx, in)
			}, wantErr: "ValidationException"},
	}
}
