package dynamo_test

import (
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// fullItem has one attribute of every data type.
func fullItem() item {
	return item{
		"pk": S("all"), "s": S("héllo"), "n": N("-12.5"), "b": B(0, 1, 255), "t": BOOL(true), "z": NULL(),
		"ss": SS("a", "b"), "ns": NS("1", "2.5"), "bs": &types.AttributeValueMemberBS{Value: [][]byte{{1}, {2, 3}}},
		"l": L(S("x"), N("1"), M(item{"k": S("v")})), "m": M(item{"kid": M(item{"x": N("7")}), "e": S("")}),
	}
}

func upd(table string, key item, expr string, vals item) *dynamodb.UpdateItemInput {
	in := &dynamodb.UpdateItemInput{TableName: aws.String(table), Key: key, UpdateExpression: aws.String(expr)}
	if len(vals) > 0 {
		in.ExpressionAttributeValues = vals
	}
	return in
}

func checkCCF(wantItem item) func(c *env, _ any, err error) {
	return func(c *env, _ any, err error) {
		var ccf *types.ConditionalCheckFailedException
		if !errors.As(err, &ccf) {
			c.t.Fatalf("errors.As *types.ConditionalCheckFailedException failed: %T %v", err, err)
		}
		c.wantItem("ConditionalCheckFailedException.Item", ccf.Item, wantItem)
	}
}

// rvItem is the item the ReturnValues cases start from.
func rvItem() item { return item{"pk": S("k"), "a": N("1"), "b": S("x")} }

func returnValuesCase(rv types.ReturnValue, want item) ccase {
	return ccase{
		name:  "UpdateItem/ReturnValues-" + string(rv),
		doc:   "API Reference, UpdateItem → ReturnValues (NONE | ALL_OLD | UPDATED_OLD | ALL_NEW | UPDATED_NEW)",
		setup: func(c *env) { c.hashTable("tbl"); c.put("tbl", rvItem()) },
		do: func(c *env) (any, error) {
			in := upd("tbl", pk("k"), "SET a = a + :one, c = :c", item{":one": N("1"), ":c": S("new")})
			in.ReturnValues = rv
			return c.db.UpdateItem(c.ctx, in)
		},
		check: func(c *env, out any, _ error) {
			got := out.(*dynamodb.UpdateItemOutput).Attributes
			if len(got) == 0 {
				got = nil
			}
			c.wantItem("Attributes", got, want)
			c.wantItem("item after", c.get("tbl", pk("k")), item{"pk": S("k"), "a": N("2"), "b": S("x"), "c": S("new")})
		},
	}
}

func itemCases() []ccase {
	return []ccase{
		{
			name:  "PutItem/GetItem-every-data-type",
			doc:   "Developer Guide, Supported data types and naming rules → Data types (scalar S N B BOOL NULL, document L M, set SS NS BS); API Reference, GetItem → Response Item",
			setup: func(c *env) { c.hashTable("tbl") },
			do: func(c *env) (any, error) {
				if _, err := c.db.PutItem(c.ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: fullItem()}); err != nil {
					return nil, err
				}
				return c.db.GetItem(c.ctx, &dynamodb.GetItemInput{TableName: aws.String("tbl"), Key: pk("all")})
			},
			check: func(c *env, out any, _ error) {
				c.wantItem("Item", out.(*dynamodb.GetItemOutput).Item, fullItem())
			},
		},
		{
			name:  "GetItem/missing-item-has-no-Item",
			doc:   "API Reference, GetItem (\"If there is no matching item, GetItem does not return any data and there will be no Item element in the response\")",
			setup: func(c *env) { c.hashTable("tbl") },
			do: func(c *env) (any, error) {
				return c.db.GetItem(c.ctx, &dynamodb.GetItemInput{TableName: aws.String("tbl"), Key: pk("nope")})
			},
			check: func(c *env, out any, _ error) {
				if it := out.(*dynamodb.GetItemOutput).Item; it != nil {
					c.t.Errorf("Item = %s, want none", itemString(it))
				}
			},
		},
		{
			name:  "GetItem/incomplete-key",
			doc:   "API Reference, GetItem → Key (\"For a composite primary key, you must provide values for both the partition key and the sort key\"); Common Errors → ValidationException",
			setup: func(c *env) { c.compositeTable("tbl") },
			do: func(c *env) (any, error) {
				return c.db.GetItem(c.ctx, &dynamodb.GetItemInput{TableName: aws.String("tbl"), Key: pk("a")})
			},
			wantErr: "ValidationException",
		},
		{
			name: "GetItem/missing-table",
			doc:  "API Reference, GetItem → Errors: ResourceNotFoundException",
			do: func(c *env) (any, error) {
				return c.db.GetItem(c.ctx, &dynamodb.GetItemInput{TableName: aws.String("nope"), Key: pk("a")})
			},
			wantErr: "ResourceNotFoundException",
			check: func(c *env, _ any, err error) {
				var rnf *types.ResourceNotFoundException
				if !errors.As(err, &rnf) {
					c.t.Errorf("errors.As *types.ResourceNotFoundException failed: %T", err)
				}
			},
		},
		{
			name:  "GetItem/projection-nested-paths-and-list-index",
			doc:   "Developer Guide, Projection expressions (nested attributes m.kid.x, list elements l[2].k; only the requested parts are returned)",
			setup: func(c *env) { c.hashTable("tbl"); c.put("tbl", fullItem()) },
			do: func(c *env) (any, error) {
				return c.db.GetItem(c.ctx, &dynamodb.GetItemInput{TableName: aws.String("tbl"), Key: pk("all"),
					ProjectionExpression: aws.String("m.kid.x, l[2].k, #s"), ExpressionAttributeNames: map[string]string{"#s": "s"}})
			},
			check: func(c *env, out any, _ error) {
				c.wantItem("Item", out.(*dynamodb.GetItemOutput).Item, item{
					"m": M(item{"kid": M(item{"x": N("7")})}), "l": L(M(item{"k": S("v")})), "s": S("héllo")})
			},
		},
		{
			name:  "PutItem/ReturnValues-ALL_OLD",
			doc:   "API Reference, PutItem → ReturnValues (ALL_OLD: \"If PutItem overwrote an attribute name-value pair, then the content of the old item is returned\")",
			setup: func(c *env) { c.hashTable("tbl"); c.put("tbl", rvItem()) },
			do: func(c *env) (any, error) {
				return c.db.PutItem(c.ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: item{"pk": S("k"), "z": S("new")}, ReturnValues: types.ReturnValueAllOld})
			},
			check: func(c *env, out any, _ error) {
				c.wantItem("Attributes", out.(*dynamodb.PutItemOutput).Attributes, rvItem())
				c.wantItem("item after", c.get("tbl", pk("k")), item{"pk": S("k"), "z": S("new")})
			},
		},
		{
			name:  "PutItem/ReturnValues-ALL_OLD-new-item",
			doc:   "API Reference, PutItem → ReturnValues (ALL_OLD returns the old item only if one was overwritten)",
			setup: func(c *env) { c.hashTable("tbl") },
			do: func(c *env) (any, error) {
				return c.db.PutItem(c.ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: pk("fresh"), ReturnValues: types.ReturnValueAllOld})
			},
			check: func(c *env, out any, _ error) {
				if a := out.(*dynamodb.PutItemOutput).Attributes; len(a) != 0 {
					c.t.Errorf("Attributes %s, want none", itemString(a))
				}
			},
		},
		{
			name:  "PutItem/ReturnValues-NONE",
			doc:   "API Reference, PutItem → ReturnValues (NONE, the default: nothing is returned)",
			setup: func(c *env) { c.hashTable("tbl"); c.put("tbl", rvItem()) },
			do: func(c *env) (any, error) {
				return c.db.PutItem(c.ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: pk("k"), ReturnValues: types.ReturnValueNone})
			},
			check: func(c *env, out any, _ error) {
				if a := out.(*dynamodb.PutItemOutput).Attributes; len(a) != 0 {
					c.t.Errorf("Attributes %s, want none", itemString(a))
				}
			},
		},
		{
			name:  "PutItem/ReturnValues-UPDATED_NEW-refused",
			doc:   "API Reference, PutItem → ReturnValues (\"PutItem does not recognize any values other than NONE or ALL_OLD\")",
			setup: func(c *env) { c.hashTable("tbl") },
			do: func(c *env) (any, error) {
				return c.db.PutItem(c.ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: pk("k"), ReturnValues: types.ReturnValueUpdatedNew})
			},
			wantErr: "ValidationException",
		},
		{
			name:  "PutItem/empty-string-key-refused",
			doc:   "Developer Guide, Supported data types → String (\"If you use a string as a primary key … the length must be greater than zero\"); Common Errors → ValidationException",
			setup: func(c *env) { c.hashTable("tbl") },
			do: func(c *env) (any, error) {
				return c.db.PutItem(c.ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: pk("")})
			},
			wantErr: "ValidationException",
		},
		{
			name:  "PutItem/empty-string-non-key-allowed",
			doc:   "Developer Guide, Supported data types → String (empty strings are allowed for non-key attributes)",
			setup: func(c *env) { c.hashTable("tbl") },
			do: func(c *env) (any, error) {
				return c.db.PutItem(c.ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: item{"pk": S("k"), "e": S(""), "eb": B()}})
			},
			check: func(c *env, _ any, _ error) {
				c.wantItem("item", c.get("tbl", pk("k")), item{"pk": S("k"), "e": S(""), "eb": B()})
			},
		},
		{
			name:  "PutItem/key-of-wrong-type-refused",
			doc:   "API Reference, PutItem → Item (\"If you specify any attributes that are part of an index key, then the data types for those attributes must match those of the schema in the table's attribute definition\"); ValidationException",
			setup: func(c *env) { c.hashTable("tbl") },
			do: func(c *env) (any, error) {
				return c.db.PutItem(c.ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: item{"pk": N("1")}})
			},
			wantErr: "ValidationException",
		},
		{
			name:  "PutItem/missing-key-refused",
			doc:   "API Reference, PutItem → Item (\"You must provide all of the attributes for the primary key\"); ValidationException",
			setup: func(c *env) { c.compositeTable("tbl") },
			do: func(c *env) (any, error) {
				return c.db.PutItem(c.ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: item{"pk": S("a"), "x": S("y")}})
			},
			wantErr: "ValidationException",
		},
		{
			name:  "PutItem/condition-fails-ALL_OLD-item-in-error",
			doc:   "API Reference, PutItem → ReturnValuesOnConditionCheckFailure (ALL_OLD); Errors: ConditionalCheckFailedException → Item (\"Item which caused the ConditionalCheckFailedException\")",
			setup: func(c *env) { c.hashTable("tbl"); c.put("tbl", rvItem()) },
			do: func(c *env) (any, error) {
				return c.db.PutItem(c.ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: pk("k"),
					ConditionExpression:                 aws.String("attribute_not_exists(pk)"),
					ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
			},
			wantErr: "ConditionalCheckFailedException",
			check: func(c *env, out any, err error) {
				checkCCF(rvItem())(c, out, err)
				c.wantItem("item unchanged", c.get("tbl", pk("k")), rvItem())
			},
		},
		{
			name:  "PutItem/condition-fails-without-ALL_OLD-no-item",
			doc:   "API Reference, PutItem → ReturnValuesOnConditionCheckFailure (NONE, the default, returns nothing)",
			setup: func(c *env) { c.hashTable("tbl"); c.put("tbl", rvItem()) },
			do: func(c *env) (any, error) {
				return c.db.PutItem(c.ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: pk("k"),
					ConditionExpression: aws.String("attribute_not_exists(pk)")})
			},
			wantErr: "ConditionalCheckFailedException",
			check:   checkCCF(nil),
		},
		{
			name:  "PutItem/condition-passes",
			doc:   "Developer Guide, Condition expressions → Preventing overwrites (attribute_not_exists on a new item succeeds)",
			setup: func(c *env) { c.hashTable("tbl") },
			do: func(c *env) (any, error) {
				return c.db.PutItem(c.ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: rvItem(),
					ConditionExpression: aws.String("attribute_not_exists(pk)")})
			},
			check: func(c *env, _ any, _ error) { c.wantItem("item", c.get("tbl", pk("k")), rvItem()) },
		},
		{
			name:  "DeleteItem/ReturnValues-ALL_OLD",
			doc:   "API Reference, DeleteItem → ReturnValues (ALL_OLD: \"The content of the old item is returned\")",
			setup: func(c *env) { c.hashTable("tbl"); c.put("tbl", rvItem()) },
			do: func(c *env) (any, error) {
				return c.db.DeleteItem(c.ctx, &dynamodb.DeleteItemInput{TableName: aws.String("tbl"), Key: pk("k"), ReturnValues: types.ReturnValueAllOld})
			},
			check: func(c *env, out any, _ error) {
				c.wantItem("Attributes", out.(*dynamodb.DeleteItemOutput).Attributes, rvItem())
				if it := c.get("tbl", pk("k")); it != nil {
					c.t.Errorf("item still there: %s", itemString(it))
				}
			},
		},
		{
			name:  "DeleteItem/ReturnValues-NONE",
			doc:   "API Reference, DeleteItem → ReturnValues (NONE, the default)",
			setup: func(c *env) { c.hashTable("tbl"); c.put("tbl", rvItem()) },
			do: func(c *env) (any, error) {
				return c.db.DeleteItem(c.ctx, &dynamodb.DeleteItemInput{TableName: aws.String("tbl"), Key: pk("k")})
			},
			check: func(c *env, out any, _ error) {
				if a := out.(*dynamodb.DeleteItemOutput).Attributes; len(a) != 0 {
					c.t.Errorf("Attributes %s, want none", itemString(a))
				}
			},
		},
		{
			name:  "DeleteItem/ReturnValues-ALL_NEW-refused",
			doc:   "API Reference, DeleteItem → ReturnValues (\"DeleteItem does not recognize any values other than NONE or ALL_OLD\")",
			setup: func(c *env) { c.hashTable("tbl") },
			do: func(c *env) (any, error) {
				return c.db.DeleteItem(c.ctx, &dynamodb.DeleteItemInput{TableName: aws.String("tbl"), Key: pk("k"), ReturnValues: types.ReturnValueAllNew})
			},
			wantErr: "ValidationException",
		},
		{
			name:  "DeleteItem/condition-fails-ALL_OLD",
			doc:   "API Reference, DeleteItem → ConditionExpression, ReturnValuesOnConditionCheckFailure ALL_OLD; Errors: ConditionalCheckFailedException",
			setup: func(c *env) { c.hashTable("tbl"); c.put("tbl", rvItem()) },
			do: func(c *env) (any, error) {
				return c.db.DeleteItem(c.ctx, &dynamodb.DeleteItemInput{TableName: aws.String("tbl"), Key: pk("k"),
					ConditionExpression: aws.String("a > :five"), ExpressionAttributeValues: item{":five": N("5")},
					ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
			},
			wantErr: "ConditionalCheckFailedException",
			check: func(c *env, out any, err error) {
				checkCCF(rvItem())(c, out, err)
				c.wantItem("item kept", c.get("tbl", pk("k")), rvItem())
			},
		},
		{
			name:  "DeleteItem/missing-item-succeeds",
			doc:   "API Reference, DeleteItem (\"Unless you specify conditions, the DeleteItem is an idempotent operation; running it multiple times on the same item or attribute does not result in an error response\")",
			setup: func(c *env) { c.hashTable("tbl") },
			do: func(c *env) (any, error) {
				return c.db.DeleteItem(c.ctx, &dynamodb.DeleteItemInput{TableName: aws.String("tbl"), Key: pk("nope"), ReturnValues: types.ReturnValueAllOld})
			},
			check: func(c *env, out any, _ error) {
				if a := out.(*dynamodb.DeleteItemOutput).Attributes; len(a) != 0 {
					c.t.Errorf("Attributes %s, want none", itemString(a))
				}
			},
		},
		returnValuesCase(types.ReturnValueNone, nil),
		returnValuesCase(types.ReturnValueAllOld, rvItem()),
		returnValuesCase(types.ReturnValueUpdatedOld, item{"a": N("1")}),
		returnValuesCase(types.ReturnValueAllNew, item{"pk": S("k"), "a": N("2"), "b": S("x"), "c": S("new")}),
		returnValuesCase(types.ReturnValueUpdatedNew, item{"a": N("2"), "c": S("new")}),
		{
			name:  "UpdateItem/creates-missing-item",
			doc:   "API Reference, UpdateItem (\"Edits an existing item's attributes, or adds a new item to the table if it does not already exist\")",
			setup: func(c *env) { c.compositeTable("tbl") },
			do: func(c *env) (any, error) {
				in := upd("tbl", pksk("a", "1"), "SET v = :v", item{":v": S("x")})
				in.ReturnValues = types.ReturnValueAllNew
				return c.db.UpdateItem(c.ctx, in)
			},
			check: func(c *env, out any, _ error) {
				want := item{"pk": S("a"), "sk": S("1"), "v": S("x")}
				c.wantItem("Attributes", out.(*dynamodb.UpdateItemOutput).Attributes, want)
				c.wantItem("item", c.get("tbl", pksk("a", "1")), want)
			},
		},
		{
			name:  "UpdateItem/key-attribute-refused",
			doc:   "Developer Guide, Update expressions (key attributes cannot be updated: \"Cannot update attribute pk. This attribute is part of the key\"); ValidationException",
			setup: func(c *env) { c.hashTable("tbl"); c.put("tbl", rvItem()) },
			do: func(c *env) (any, error) {
				return c.db.UpdateItem(c.ctx, upd("tbl", pk("k"), "SET pk = :v", item{":v": S("other")}))
			},
			wantErr: "ValidationException",
		},
		{
			name:  "UpdateItem/condition-fails-ALL_OLD",
			doc:   "API Reference, UpdateItem → ReturnValuesOnConditionCheckFailure ALL_OLD; Errors: ConditionalCheckFailedException",
			setup: func(c *env) { c.hashTable("tbl"); c.put("tbl", rvItem()) },
			do: func(c *env) (any, error) {
				in := upd("tbl", pk("k"), "SET a = :v", item{":v": N("9"), ":x": S("nope")})
				in.ConditionExpression = aws.String("b = :x")
				in.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
				return c.db.UpdateItem(c.ctx, in)
			},
			wantErr: "ConditionalCheckFailedException",
			check: func(c *env, out any, err error) {
				checkCCF(rvItem())(c, out, err)
				c.wantItem("item unchanged", c.get("tbl", pk("k")), rvItem())
			},
		},
		{
			name:  "UpdateItem/condition-on-missing-item-fails",
			doc:   "Developer Guide, Condition expressions (attribute_exists on an item that does not exist is false; the upsert is not made)",
			setup: func(c *env) { c.hashTable("tbl") },
			do: func(c *env) (any, error) {
				in := upd("tbl", pk("ghost"), "SET a = :v", item{":v": N("1")})
				in.ConditionExpression = aws.String("attribute_exists(pk)")
				return c.db.UpdateItem(c.ctx, in)
			},
			wantErr: "ConditionalCheckFailedException",
			check: func(c *env, _ any, _ error) {
				if it := c.get("tbl", pk("ghost")); it != nil {
					c.t.Errorf("item created: %s", itemString(it))
				}
			},
		},
	}
}

// validationCase is a request refused with ValidationException.
func validationCase(name, doc string, do func(c *env) (any, error)) ccase {
	return ccase{name: name, doc: doc, wantErr: "ValidationException", do: do,
		setup: func(c *env) {
			c.hashTable("tbl")
			c.put("tbl", item{"pk": S("k"), "a": N("1"), "l": L(S("x")), "m": M(item{})})
		},
		check: func(c *env, _ any, err error) {
			if strings.TrimSpace(err.Error()) == "" {
				c.t.Error("empty error message")
			}
		},
	}
}

// updateCase applies UpdateExpression expr to start and compares the item after with want.
func updateCase(name, doc string, start item, expr string, names map[string]string, vals item, want item) ccase {
	return ccase{
		name:  name,
		doc:   doc,
		setup: func(c *env) { c.hashTable("tbl"); c.put("tbl", start) },
		do: func(c *env) (any, error) {
			in := upd("tbl", pk(strAttr(start, "pk")), expr, vals)
			if len(names) > 0 {
				in.ExpressionAttributeNames = names
			}
			return c.db.UpdateItem(c.ctx, in)
		},
		check: func(c *env, _ any, _ error) {
			c.wantItem("item after "+expr, c.get("tbl", pk(strAttr(start, "pk"))), want)
		},
	}
}

func expressionCases() []ccase {
	base := func(kv ...any) item {
		it := item{"pk": S("k")}
		for i := 0; i < len(kv); i += 2 {
			it[kv[i].(string)] = kv[i+1].(types.AttributeValue)
		}
		return it
	}
	const ue = "Developer Guide, Using update expressions"
	cases := []ccase{
		{
			name:  "UpdateItem/SET-if_not_exists-counter",
			doc:   ue + " → Preventing overwrites of an existing attribute (if_not_exists) and Incrementing and decrementing numeric attributes",
			setup: func(c *env) { c.hashTable("tbl") },
			do: func(c *env) (any, error) {
				for i := 0; i < 2; i++ {
					if _, err := c.db.UpdateItem(c.ctx, upd("tbl", pk("k"), "SET cnt = if_not_exists(cnt, :zero) + :one",
						item{":zero": N("0"), ":one": N("1")})); err != nil {
						return nil, err
					}
				}
				return nil, nil
			},
			check: func(c *env, _ any, _ error) { c.wantItem("item", c.get("tbl", pk("k")), base("cnt", N("2"))) },
		},
		updateCase("UpdateItem/SET-if_not_exists-keeps-existing", ue+" → Preventing overwrites of an existing attribute",
			base("a", N("5")), "SET a = if_not_exists(a, :v)", nil, item{":v": N("9")}, base("a", N("5"))),
		updateCase("UpdateItem/SET-list_append-end", ue+" → Appending elements to a list (list_append)",
			base("l", L(S("a"))), "SET l = list_append(l, :more)", nil, item{":more": L(S("b"), S("c"))}, base("l", L(S("a"), S("b"), S("c")))),
		updateCase("UpdateItem/SET-list_append-front", ue+" → Appending elements to a list (list_append with the list operands swapped prepends)",
			base("l", L(S("a"))), "SET l = list_append(:front, l)", nil, item{":front": L(S("z"))}, base("l", L(S("z"), S("a")))),
		updateCase("UpdateItem/SET-plus-and-minus", ue+" → SET: Incrementing and decrementing numeric attributes (+ and -)",
			base("a", N("10"), "b", N("3")), "SET a = a - b, c = b + :two", nil, item{":two": N("2")}, base("a", N("7"), "b", N("3"), "c", N("5"))),
		updateCase("UpdateItem/SET-nested-map-path", ue+" → SET: Adding nested map attributes",
			base("m", M(item{"kid": M(item{"x": N("1")})})), "SET m.kid.y = :v, m.kid.x = :w", nil, item{":v": S("new"), ":w": N("2")},
			base("m", M(item{"kid": M(item{"x": N("2"), "y": S("new")})}))),
		updateCase("UpdateItem/SET-list-element", ue+" → SET: Modifying list elements (l[1] replaces the element)",
			base("l", L(S("a"), S("b"))), "SET l[1] = :v", nil, item{":v": S("B")}, base("l", L(S("a"), S("B")))),
		updateCase("UpdateItem/SET-list-index-past-end-appends", ue+" → SET: Adding elements to a list (\"If you add an element at an index beyond the end of the list, DynamoDB appends it\")",
			base("l", L(S("a"))), "SET l[10] = :v", nil, item{":v": S("b")}, base("l", L(S("a"), S("b")))),
		updateCase("UpdateItem/REMOVE-attribute-and-list-element", ue+" → REMOVE: Removing attributes and Removing elements from a list (later elements shift down)",
			base("a", N("1"), "l", L(S("x"), S("y"), S("z"))), "REMOVE a, l[0]", nil, nil, base("l", L(S("y"), S("z")))),
		updateCase("UpdateItem/ADD-number-to-missing-attribute", ue+" → ADD (\"If the attribute doesn't exist, ADD uses 0 as the initial value\")",
			base(), "ADD cnt :five", nil, item{":five": N("5")}, base("cnt", N("5"))),
		updateCase("UpdateItem/ADD-negative-number", ue+" → ADD (a negative number is subtracted)",
			base("cnt", N("5")), "ADD cnt :m", nil, item{":m": N("-7")}, base("cnt", N("-2"))),
		updateCase("UpdateItem/ADD-to-string-set", ue+" → ADD: Adding elements to a set",
			base("ss", SS("a", "b")), "ADD ss :more", nil, item{":more": SS("b", "c")}, base("ss", SS("a", "b", "c"))),
		updateCase("UpdateItem/ADD-set-to-missing-attribute", ue+" → ADD: Adding elements to a set (a missing set is created)",
			base(), "ADD ns :v", nil, item{":v": NS("1", "2")}, base("ns", NS("1", "2"))),
		updateCase("UpdateItem/DELETE-from-set", ue+" → DELETE: Removing elements from a set",
			base("ss", SS("a", "b", "c")), "DELETE ss :gone", nil, item{":gone": SS("a", "c", "zz")}, base("ss", SS("b"))),
		updateCase("UpdateItem/SET-and-REMOVE-together", ue+" (an update expression may contain SET, REMOVE, ADD and DELETE clauses together)",
			base("a", N("1"), "b", S("x"), "ss", SS("p")), "SET c = :c REMOVE b ADD a :one DELETE ss :p", nil, item{":c": S("c"), ":one": N("1"), ":p": SS("p")},
			base("a", N("2"), "c", S("c"))),
		updateCase("UpdateItem/escaped-reserved-word", "Developer Guide, Expression attribute names (#name substitutes a reserved word such as STATUS)",
			base(), "SET #st = :v", map[string]string{"#st": "status"}, item{":v": S("open")}, base("status", S("open"))),
		validationCase("UpdateItem/nested-path-with-missing-parent", ue+" → SET (\"The document path provided in the update expression is invalid for update\" when the parent does not exist)",
			func(c *env) (any, error) {
				return c.db.UpdateItem(c.ctx, upd("tbl", pk("k"), "SET nope.child = :v", item{":v": S("x")}))
			}),
		validationCase("UpdateItem/overlapping-paths", ue+" (\"Two document paths overlap with each other; must remove or rewrite one of these paths\")",
			func(c *env) (any, error) {
				return c.db.UpdateItem(c.ctx, upd("tbl", pk("k"), "SET a = :v REMOVE a", item{":v": N("2")}))
			}),
		validationCase("UpdateItem/ADD-on-list-refused", ue+" → ADD (\"The ADD action only supports Number and set data types\")",
			func(c *env) (any, error) {
				return c.db.UpdateItem(c.ctx, upd("tbl", pk("k"), "ADD l :v", item{":v": L(S("y"))}))
			}),
		validationCase("UpdateItem/plus-on-string-refused", ue+" → SET: + and - need Number operands (\"Incorrect operand type for operator or function\")",
			func(c *env) (any, error) {
				return c.db.UpdateItem(c.ctx, upd("tbl", pk("k"), "SET a = a + :s", item{":s": S("x")}))
			}),
		validationCase("UpdateItem/unescaped-reserved-word", "Developer Guide, Reserved words in DynamoDB (\"Attribute name is a reserved keyword\"); Expression attribute names",
			func(c *env) (any, error) {
				return c.db.UpdateItem(c.ctx, upd("tbl", pk("k"), "SET status = :v", item{":v": S("x")}))
			}),
		validationCase("ConditionExpression/unescaped-reserved-word", "Developer Guide, Reserved words in DynamoDB (SIZE/STATUS/… cannot be used as attribute names in expressions)",
			func(c *env) (any, error) {
				return c.db.PutItem(c.ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: pk("k"),
					ConditionExpression: aws.String("status = :v"), ExpressionAttributeValues: item{":v": S("x")}})
			}),
		validationCase("Expression/unused-value", "Developer Guide, Expression attribute values (\"Value provided in ExpressionAttributeValues unused in expressions\")",
			func(c *env) (any, error) {
				return c.db.UpdateItem(c.ctx, upd("tbl", pk("k"), "SET a = :v", item{":v": N("2"), ":extra": N("3")}))
			}),
		validationCase("Expression/unused-name", "Developer Guide, Expression attribute names (\"Value provided in ExpressionAttributeNames unused in expressions\")",
			func(c *env) (any, error) {
				in := upd("tbl", pk("k"), "SET a = :v", item{":v": N("2")})
				in.ExpressionAttributeNames = map[string]string{"#unused": "x"}
				return c.db.UpdateItem(c.ctx, in)
			}),
		validationCase("Expression/undefined-value", "Developer Guide, Expression attribute values (\"An expression attribute value used in expression is not defined\")",
			func(c *env) (any, error) {
				return c.db.UpdateItem(c.ctx, upd("tbl", pk("k"), "SET a = :nope", item{":v": N("2")}))
			}),
		validationCase("Expression/undefined-name", "Developer Guide, Expression attribute names (\"An expression attribute name used in the document path is not defined\")",
			func(c *env) (any, error) {
				return c.db.GetItem(c.ctx, &dynamodb.GetItemInput{TableName: aws.String("tbl"), Key: pk("k"), ProjectionExpression: aws.String("#nope")})
			}),
		validationCase("Expression/syntax-error", "Developer Guide, Condition and filter expressions → Syntax (an expression that does not parse is a ValidationException)",
			func(c *env) (any, error) {
				return c.db.DeleteItem(c.ctx, &dynamodb.DeleteItemInput{TableName: aws.String("tbl"), Key: pk("k"),
					ConditionExpression: aws.String("a = = :v"), ExpressionAttributeValues: item{":v": N("1")}})
			}),
		validationCase("Expression/values-without-expression", "API Reference, PutItem → ExpressionAttributeValues (only for use in an expression; supplying them with no expression is \"ExpressionAttributeValues can only be specified when using expressions\")",
			func(c *env) (any, error) {
				return c.db.PutItem(c.ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: pk("k"), ExpressionAttributeValues: item{":v": N("1")}})
			}),
		{
			name: "ConditionExpression/attribute_type-and-size-pass",
			doc:  "Developer Guide, Condition and filter expressions → Functions (attribute_type, size, contains, begins_with)",
			setup: func(c *env) {
				c.hashTable("tbl")
				c.put("tbl", item{"pk": S("k"), "s": S("hello"), "ss": SS("a", "b"), "l": L(N("1"))})
			},
			do: func(c *env) (any, error) {
				return c.db.DeleteItem(c.ctx, &dynamodb.DeleteItemInput{TableName: aws.String("tbl"), Key: pk("k"),
					ConditionExpression:       aws.String("attribute_type(ss, :SS) AND size(s) = :five AND contains(ss, :a) AND begins_with(s, :he) AND size(l) = :one"),
					ExpressionAttributeValues: item{":SS": S("SS"), ":five": N("5"), ":a": S("a"), ":he": S("he"), ":one": N("1")}})
			},
			check: func(c *env, _ any, _ error) {
				if it := c.get("tbl", pk("k")); it != nil {
					c.t.Errorf("item not deleted: %s", itemString(it))
				}
			},
		},
		{
			name:  "ConditionExpression/attribute_type-mismatch-fails",
			doc:   "Developer Guide, Condition and filter expressions → attribute_type (true only if the attribute is of the given type)",
			setup: func(c *env) { c.hashTable("tbl"); c.put("tbl", item{"pk": S("k"), "n": N("1")}) },
			do: func(c *env) (any, error) {
				return c.db.DeleteItem(c.ctx, &dynamodb.DeleteItemInput{TableName: aws.String("tbl"), Key: pk("k"),
					ConditionExpression: aws.String("attribute_type(n, :S)"), ExpressionAttributeValues: item{":S": S("S")}})
			},
			wantErr: "ConditionalCheckFailedException",
		},
	}
	return append(cases, filterCases()...)
}

// filterItems are what the FilterExpression cases scan.
func filterItems() []item {
	return []item{
		{"pk": S("p1"), "n": N("5"), "s": S("apple pie"), "l": L(S("x"), S("y"), M(item{"k": S("v")})), "ss": SS("red", "blue"),
			"m": M(item{"a": M(item{"b": S("deep")})}), "t": BOOL(true)},
		{"pk": S("p2"), "n": N("15"), "s": S("banana"), "l": L(S("y")), "ss": SS("green"), "m": M(item{"a": M(item{"b": S("other")})}), "nul": NULL()},
		{"pk": S("p3"), "n": N("-1.5"), "s": S("apricot"), "status": S("open"), "bin": B(1, 2, 3)},
	}
}

func filterCases() []ccase {
	const fe = "Developer Guide, Condition and filter expressions → "
	type fc struct {
		name, doc, expr string
		names           map[string]string
		vals            item
		want            string // comma-separated pks, sorted
		motoDiffers     string
	}
	list := []fc{
		{"BETWEEN", fe + "Comparison operator and function reference (a BETWEEN b AND c, inclusive)", "n BETWEEN :a AND :b", nil, item{":a": N("-1.5"), ":b": N("5")}, "p1,p3", ""},
		{"IN", fe + "Comparison operator reference (a IN (b, c, d))", "n IN (:a, :b)", nil, item{":a": N("15"), ":b": N("-1.50")}, "p2,p3", ""},
		{"numeric-less-than", fe + "Comparison operators (numbers compare by value, not as text)", "n < :ten", nil, item{":ten": N("10")}, "p1,p3", ""},
		{"not-equal", fe + "Comparison operators (<>)", "n <> :five", nil, item{":five": N("5.0")}, "p2,p3", ""},
		{"begins_with", fe + "Functions → begins_with", "begins_with(s, :p)", nil, item{":p": S("ap")}, "p1,p3", ""},
		{"begins_with-binary", fe + "Functions → begins_with (binary prefix)", "begins_with(bin, :p)", nil, item{":p": B(1, 2)}, "p3", ""},
		{"contains-substring", fe + "Functions → contains (substring of a String)", "contains(s, :sub)", nil, item{":sub": S("nan")}, "p2", ""},
		{"contains-set-member", fe + "Functions → contains (element of a set)", "contains(ss, :e)", nil, item{":e": S("red")}, "p1", ""},
		{"contains-list-element", fe + "Functions → contains (element of a list)", "contains(l, :e)", nil, item{":e": S("y")}, "p1,p2", ""},
		{"size-string", fe + "Functions → size (length of a String)", "size(s) > :n", nil, item{":n": N("6")}, "p1,p3", ""},
		{"size-list", fe + "Functions → size (elements of a List)", "size(l) = :n", nil, item{":n": N("1")}, "p2", ""},
		{"size-set", fe + "Functions → size (elements of a set)", "size(ss) = :n", nil, item{":n": N("2")}, "p1", ""},
		{"size-binary", fe + "Functions → size (bytes of a Binary)", "size(bin) = :n", nil, item{":n": N("3")}, "p3", ""},
		{"attribute_exists-nested", fe + "Functions → attribute_exists (document path m.a.b)", "attribute_exists(m.a.b)", nil, nil, "p1,p2", ""},
		{"attribute_not_exists", fe + "Functions → attribute_not_exists", "attribute_not_exists(ss)", nil, nil, "p3", ""},
		{"attribute_type-NULL", fe + "Functions → attribute_type (NULL)", "attribute_type(nul, :t)", nil, item{":t": S("NULL")}, "p2", ""},
		{"attribute_type-BOOL", fe + "Functions → attribute_type (BOOL)", "attribute_type(t, :t)", nil, item{":t": S("BOOL")}, "p1", ""},
		{"nested-map-equality", "Developer Guide, Specifying item attributes → Nested attributes (dereference operator .)", "m.a.b = :v", nil, item{":v": S("deep")}, "p1", ""},
		{"list-index", "Developer Guide, Specifying item attributes → List elements ([n])", "l[0] = :x", nil, item{":x": S("x")}, "p1", ""},
		{"list-index-then-map", "Developer Guide, Specifying item attributes → Nested attributes (l[2].k)", "l[2].k = :v", nil, item{":v": S("v")}, "p1", ""},
		{"NOT-OR-precedence", fe + "Precedence in conditions (NOT, then AND, then OR; parentheses)", "NOT (n > :z) OR s = :b", nil, item{":z": N("0"), ":b": S("banana")}, "p2,p3", ""},
		{"AND-OR-precedence", fe + "Precedence in conditions (AND binds tighter than OR)", "s = :b OR n = :five AND t = :true", nil, item{":b": S("banana"), ":five": N("5"), ":true": BOOL(true)}, "p1,p2", ""},
		{"escaped-name", "Developer Guide, Expression attribute names (#st for the reserved word STATUS)", "#st = :o", map[string]string{"#st": "status"}, item{":o": S("open")}, "p3", ""},
		{"missing-attribute-equality-false", fe + "Comparison operators (an equality with an attribute the item lacks is false)", "nope = :o", nil, item{":o": S("x")}, "", ""},
	}
	var cases []ccase
	for _, f := range list {
		f := f
		cs := ccase{
			name:        "Scan/FilterExpression-" + f.name,
			doc:         f.doc,
			motoDiffers: f.motoDiffers,
			setup: func(c *env) {
				c.hashTable("tbl")
				for _, it := range filterItems() {
					c.put("tbl", it)
				}
			},
			do: func(c *env) (any, error) {
				in := &dynamodb.ScanInput{TableName: aws.String("tbl"), FilterExpression: aws.String(f.expr)}
				if len(f.names) > 0 {
					in.ExpressionAttributeNames = f.names
				}
				if len(f.vals) > 0 {
					in.ExpressionAttributeValues = f.vals
				}
				return c.db.Scan(c.ctx, in)
			},
			check: func(c *env, out any, _ error) {
				o := out.(*dynamodb.ScanOutput)
				got := strings.Join(sortedStrings(attrs(o.Items, "pk")), ",")
				if got != f.want {
					c.t.Errorf("%s matched [%s], want [%s]", f.expr, got, f.want)
				}
				if o.ScannedCount != 3 || int(o.Count) != len(o.Items) {
					c.t.Errorf("ScannedCount %d (want 3), Count %d for %d items", o.ScannedCount, o.Count, len(o.Items))
				}
			},
		}
		cases = append(cases, cs)
	}
	return cases
}
