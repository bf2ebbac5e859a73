package dynamo_test

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

const dt = "Developer Guide, Supported data types and naming rules → "

// sortOrderCase writes sort keys in a scrambled order and queries them back.
func sortOrderCase(name, doc, typ string, vals []types.AttributeValue, forward bool) ccase {
	return ccase{
		name: name,
		doc:  doc,
		setup: func(c *env) {
			c.createTable("tbl", keyAttr{"pk", "S"}, &keyAttr{"sk", typ})
			for i := len(vals) - 1; i >= 0; i-- {
				j := (i * 7) % len(vals) // scramble insertion order
				c.put("tbl", item{"pk": S("p"), "sk": vals[j]})
			}
		},
		do: func(c *env) (any, error) {
			return c.db.Query(c.ctx, &dynamodb.QueryInput{TableName: aws.String("tbl"), KeyConditionExpression: aws.String("pk = :p"),
				ExpressionAttributeValues: item{":p": S("p")}, ScanIndexForward: aws.Bool(forward)})
		},
		check: func(c *env, out any, _ error) {
			items := out.(*dynamodb.QueryOutput).Items
			if len(items) != len(vals) {
				c.t.Fatalf("%d items, want %d", len(items), len(vals))
			}
			for i := range vals {
				want := vals[i]
				if !forward {
					want = vals[len(vals)-1-i]
				}
				if !avEq(items[i]["sk"], want) {
					var got []string
					for _, it := range items {
						got = append(got, avString(it["sk"]))
					}
					c.t.Fatalf("order: got %v", got)
				}
			}
		},
	}
}

func bigString(n int) string { return strings.Repeat("x", n) }

func valueCases() []ccase {
	numTable := func(c *env) { c.hashTable("tbl") }
	putN := func(v string) func(c *env) (any, error) {
		return func(c *env) (any, error) {
			return c.db.PutItem(c.ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: item{"pk": S("k"), "n": N(v)}})
		}
	}
	roundTrip := func(v string) func(c *env, _ any, _ error) {
		return func(c *env, _ any, _ error) {
			got := c.get("tbl", pk("k"))
			n, ok := got["n"].(*types.AttributeValueMemberN)
			if !ok || !numEq(n.Value, v) {
				c.t.Errorf("read back %s, want exactly %s", itemString(got), v)
			}
		}
	}
	return []ccase{
		{name: "Number/38-digits-exact", doc: dt + "Number (\"Numbers can have up to 38 digits of precision\")", setup: numTable,
			do: putN("12345678901234567890123456789012345678"), check: roundTrip("12345678901234567890123456789012345678")},
		{name: "Number/38-digit-decimal-exact", doc: dt + "Number (38 digits of precision, decimals included)", setup: numTable,
			do: putN("-1.2345678901234567890123456789012345678"), check: roundTrip("-1.2345678901234567890123456789012345678")},
		{name: "Number/39-digits-refused", doc: dt + "Number (\"Exceeding this results in an exception\"); ValidationException", setup: numTable,
			do: putN("123456789012345678901234567890123456789"), wantErr: "ValidationException"},
		{name: "Number/trailing-zeros-not-precision", doc: dt + "Number (\"Leading and trailing zeroes are trimmed\": 1 followed by 40 zeros has one digit of precision)", setup: numTable,
			do: putN("10000000000000000000000000000000000000000"), check: roundTrip("1E40")},
		{name: "Number/largest-positive-accepted", doc: dt + "Number (\"Positive range: 1E-130 to 9.9999999999999999999999999999999999999E+125\")", setup: numTable,
			do: putN("9.9999999999999999999999999999999999999E+125"), check: roundTrip("9.9999999999999999999999999999999999999E+125")},
		{name: "Number/beyond-range-refused", doc: dt + "Number (positive range ends at 9.99…E+125); ValidationException", setup: numTable,
			do: putN("1E+126"), wantErr: "ValidationException"},
		{name: "Number/smallest-positive-accepted", doc: dt + "Number (\"Positive range: 1E-130 …\")", setup: numTable,
			do: putN("1E-130"), check: roundTrip("1E-130")},
		{name: "Number/not-a-number-refused", doc: dt + "Number (numbers are sent as strings holding a number); ValidationException", setup: numTable,
			do: putN("12abc"), wantErr: "ValidationException"},
		{
			name:  "Number/ADD-0.1-ten-times-is-exactly-1",
			doc:   dt + "Number (exact decimal arithmetic with 38 digits: \"DynamoDB … number … with up to 38 digits of precision\"); Developer Guide, Using update expressions → ADD",
			setup: numTable,
			do: func(c *env) (any, error) {
				for i := 0; i < 10; i++ {
					if _, err := c.db.UpdateItem(c.ctx, upd("tbl", pk("k"), "ADD n :d", item{":d": N("0.1")})); err != nil {
						return nil, err
					}
				}
				return nil, nil
			},
			check: roundTrip("1"),
		},
		{
			name:  "Number/SET-plus-decimal-exact",
			doc:   dt + "Number (38 digits of precision: 0.1 + 0.2 is exactly 0.3, not a binary float)",
			setup: func(c *env) { c.hashTable("tbl"); c.put("tbl", item{"pk": S("k"), "n": N("0.1")}) },
			do: func(c *env) (any, error) {
				return c.db.UpdateItem(c.ctx, upd("tbl", pk("k"), "SET n = n + :d", item{":d": N("0.2")}))
			},
			check: roundTrip("0.3"),
		},
		sortOrderCase("Query/numeric-sort-key-order", "Developer Guide, Query → Key condition expressions (\"Query results are always sorted by the sort key value. If the data type of the sort key is Number, the results are returned in numeric order\")",
			"N", []types.AttributeValue{N("-100"), N("-10"), N("-2.5"), N("-0.5"), N("0"), N("0.001"), N("2"), N("10"), N("100")}, true),
		sortOrderCase("Query/numeric-sort-key-descending", "API Reference, Query → ScanIndexForward (\"If ScanIndexForward is false, DynamoDB reads the results in reverse order by sort key value\")",
			"N", []types.AttributeValue{N("-10"), N("-2.5"), N("0"), N("3"), N("25")}, false),
		sortOrderCase("Query/string-sort-key-bytewise", "Developer Guide, Query → Key condition expressions (\"otherwise, the results are returned in order of UTF-8 bytes\")",
			"S", []types.AttributeValue{S("A"), S("Z"), S("a"), S("ab"), S("b"), S("é"), S("\uFF21"), S("😀")}, true),
		sortOrderCase("Query/binary-sort-key-unsigned-bytes", dt+"Binary (\"DynamoDB treats each byte of the binary data as unsigned\" when comparing)",
			"B", []types.AttributeValue{B(0), B(1), B(1, 2), B(0x7f), B(0x80), B(0xff)}, true),
		{
			name:  "Item/400KB-accepted",
			doc:   "Developer Guide, Service quotas → Item size (\"The maximum item size in DynamoDB is 400 KB, which includes both attribute name binary length (UTF-8 length) and attribute value lengths\")",
			setup: numTable,
			do: func(c *env) (any, error) {
				// 2 ("pk") + 1 ("k") + 1 ("d") + 409596 = 409600 bytes
				return c.db.PutItem(c.ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: item{"pk": S("k"), "d": S(bigString(409596))}})
			},
		},
		{
			name:  "Item/over-400KB-refused",
			doc:   "Developer Guide, Service quotas → Item size (400 KB); PutItem → Errors: ValidationException (\"Item size has exceeded the maximum allowed size\")",
			setup: numTable,
			do: func(c *env) (any, error) {
				return c.db.PutItem(c.ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: item{"pk": S("k"), "d": S(bigString(409597))}})
			},
			wantErr: "ValidationException",
			check: func(c *env, _ any, _ error) {
				if it := c.get("tbl", pk("k")); it != nil {
					c.t.Error("oversized item was stored")
				}
			},
		},
		{
			name:  "Item/UpdateItem-growing-past-400KB-refused",
			doc:   "Developer Guide, Service quotas → Item size (400 KB applies to the item after an update); ValidationException",
			setup: func(c *env) { c.hashTable("tbl"); c.put("tbl", item{"pk": S("k"), "d": S(bigString(300000))}) },
			do: func(c *env) (any, error) {
				return c.db.UpdateItem(c.ctx, upd("tbl", pk("k"), "SET e = :e", item{":e": S(bigString(200000))}))
			},
			wantErr: "ValidationException",
		},
		{
			name:  "Set/empty-set-refused",
			doc:   dt + "Sets (\"an empty set is not allowed\" / sets must contain at least one element); ValidationException",
			setup: numTable,
			do: func(c *env) (any, error) {
				return c.db.PutItem(c.ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: item{"pk": S("k"), "ss": SS()}})
			},
			wantErr: "ValidationException",
		},
		{
			name:  "Set/duplicates-refused",
			doc:   dt + "Sets (\"the values within a set must be unique\"); ValidationException (\"Input collection contains duplicates\")",
			setup: numTable,
			do: func(c *env) (any, error) {
				return c.db.PutItem(c.ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: item{"pk": S("k"), "ss": SS("a", "a")}})
			},
			wantErr: "ValidationException",
		},
	}
}

// seqTable is table "tbl" (pk S, sk N) with items p/1…p/n, each with v = sk and odd = sk%2==1.
func seqTable(n int) func(c *env) {
	return func(c *env) {
		c.createTable("tbl", keyAttr{"pk", "S"}, &keyAttr{"sk", "N"})
		for i := 1; i <= n; i++ {
			c.put("tbl", item{"pk": S("p"), "sk": N(fmt.Sprint(i)), "odd": BOOL(i%2 == 1), "v": S(fmt.Sprint("v", i))})
		}
		c.put("tbl", item{"pk": S("other"), "sk": N("1")})
	}
}

func qIn(kce string, vals item) *dynamodb.QueryInput {
	return &dynamodb.QueryInput{TableName: aws.String("tbl"), KeyConditionExpression: aws.String(kce), ExpressionAttributeValues: vals}
}

func wantSKs(want string) func(c *env, out any, _ error) {
	return func(c *env, out any, _ error) {
		var items []item
		switch o := out.(type) {
		case *dynamodb.QueryOutput:
			items = o.Items
		case *dynamodb.ScanOutput:
			items = o.Items
		}
		if got := strings.Join(attrs(items, "sk"), ","); got != want {
			c.t.Errorf("sort keys [%s], want [%s]", got, want)
		}
	}
}

// fillMB writes n items of about 100 KB under pk "p".
func fillMB(c *env, n int) {
	c.createTable("tbl", keyAttr{"pk", "S"}, &keyAttr{"sk", "N"})
	for i := 0; i < n; i++ {
		c.put("tbl", item{"pk": S("p"), "sk": N(fmt.Sprint(i)), "d": S(bigString(100 * 1024))})
	}
}

func gsiFixture(c *env) {
	_, err := c.db.CreateTable(c.ctx, gsiTableInput("gsi"))
	c.must(err)
	c.put("gsi", item{"pk": S("a"), "sk": S("1"), "g": S("G"), "gs": N("2"), "color": S("red"), "size": S("L")})
	c.put("gsi", item{"pk": S("b"), "sk": S("1"), "g": S("G"), "gs": N("1"), "color": S("blue"), "size": S("S")})
	c.put("gsi", item{"pk": S("c"), "sk": S("1"), "color": S("none")}) // sparse: not in any index
}

func gsiQuery(index string) func(c *env) (any, error) {
	return func(c *env) (any, error) {
		return c.db.Query(c.ctx, &dynamodb.QueryInput{TableName: aws.String("gsi"), IndexName: aws.String(index),
			KeyConditionExpression: aws.String("g = :g"), ExpressionAttributeValues: item{":g": S("G")}})
	}
}

func readCases() []ccase {
	const q = "Developer Guide, Querying tables → "
	const sc = "Developer Guide, Scanning tables → "
	return []ccase{
		{name: "Query/key-condition-BETWEEN", doc: q + "Key condition expressions (sk BETWEEN :a AND :b)", setup: seqTable(6),
			do: func(c *env) (any, error) {
				return c.db.Query(c.ctx, qIn("pk = :p AND sk BETWEEN :a AND :b", item{":p": S("p"), ":a": N("2"), ":b": N("4")}))
			}, check: wantSKs("2,3,4")},
		{name: "Query/key-condition-greater-than", doc: q + "Key condition expressions (sk > :v)", setup: seqTable(6),
			do: func(c *env) (any, error) {
				return c.db.Query(c.ctx, qIn("pk = :p AND sk > :v", item{":p": S("p"), ":v": N("4")}))
			}, check: wantSKs("5,6")},
		{name: "Query/key-condition-begins_with", doc: q + "Key condition expressions (begins_with(sk, :prefix))",
			setup: func(c *env) {
				c.compositeTable("tbl")
				for _, s := range []string{"order#1", "order#2", "item#1", "orders"} {
					c.put("tbl", pksk("p", s))
				}
			},
			do: func(c *env) (any, error) {
				return c.db.Query(c.ctx, qIn("pk = :p AND begins_with(sk, :pre)", item{":p": S("p"), ":pre": S("order#")}))
			}, check: wantSKs("order#1,order#2")},
		{name: "Query/ScanIndexForward-false", doc: "API Reference, Query → ScanIndexForward (false reads in descending sort key order)", setup: seqTable(4),
			do: func(c *env) (any, error) {
				in := qIn("pk = :p", item{":p": S("p")})
				in.ScanIndexForward = aws.Bool(false)
				in.Limit = aws.Int32(3)
				return c.db.Query(c.ctx, in)
			}, check: wantSKs("4,3,2")},
		{name: "Query/Limit-counts-before-filter", doc: q + "Filter expressions for Query (\"A filter expression is applied after a Query finishes, but before the results are returned\") and Limiting the number of items (Limit caps items evaluated; ScannedCount vs Count)",
			setup: seqTable(6),
			do: func(c *env) (any, error) {
				in := qIn("pk = :p", item{":p": S("p"), ":f": BOOL(false)})
				in.FilterExpression = aws.String("odd = :f")
				in.Limit = aws.Int32(3)
				return c.db.Query(c.ctx, in)
			},
			check: func(c *env, out any, err error) {
				o := out.(*dynamodb.QueryOutput)
				wantSKs("2")(c, out, err)
				if o.ScannedCount != 3 || o.Count != 1 {
					c.t.Errorf("ScannedCount %d Count %d, want 3 and 1", o.ScannedCount, o.Count)
				}
				if strAttr(o.LastEvaluatedKey, "sk") != "3" {
					c.t.Errorf("LastEvaluatedKey %s, want sk 3", itemString(o.LastEvaluatedKey))
				}
			}},
		{name: "Query/pagination-ExclusiveStartKey", doc: q + "Paginating table query results (LastEvaluatedKey → ExclusiveStartKey; absent on the last page)", setup: seqTable(5),
			do: func(c *env) (any, error) {
				var all []item
				var start item
				for i := 0; i < 10; i++ {
					in := qIn("pk = :p", item{":p": S("p")})
					in.Limit = aws.Int32(2)
					in.ExclusiveStartKey = start
					o, err := c.db.Query(c.ctx, in)
					if err != nil {
						return nil, err
					}
					all = append(all, o.Items...)
					if len(o.LastEvaluatedKey) == 0 {
						break
					}
					start = o.LastEvaluatedKey
				}
				return &dynamodb.QueryOutput{Items: all}, nil
			}, check: wantSKs("1,2,3,4,5")},
		{name: "Query/ExclusiveStartKey-outside-the-partition", doc: "API Reference, Query → ExclusiveStartKey (\"The primary key of the first item that this operation will evaluate\": a key of another partition lies outside the query, a ValidationException)", setup: seqTable(3),
			do: func(c *env) (any, error) {
				in := qIn("pk = :p", item{":p": S("p")})
				in.ExclusiveStartKey = item{"pk": S("other"), "sk": N("1")}
				return c.db.Query(c.ctx, in)
			}, wantErr: "ValidationException"},
		{name: "Query/ExclusiveStartKey-outside-the-sort-condition", doc: "API Reference, Query → ExclusiveStartKey (a start key outside the key condition's range lies outside the query, a ValidationException)", setup: seqTable(5),
			do: func(c *env) (any, error) {
				in := qIn("pk = :p AND sk > :lo", item{":p": S("p"), ":lo": N("3")})
				in.ExclusiveStartKey = item{"pk": S("p"), "sk": N("1")}
				return c.db.Query(c.ctx, in)
			}, wantErr: "ValidationException"},
		{name: "Query/Select-COUNT", doc: "API Reference, Query → Select (COUNT: \"Returns the number of matching items, rather than the matching items themselves\")", setup: seqTable(4),
			do: func(c *env) (any, error) {
				in := qIn("pk = :p", item{":p": S("p")})
				in.Select = types.SelectCount
				return c.db.Query(c.ctx, in)
			},
			check: func(c *env, out any, _ error) {
				o := out.(*dynamodb.QueryOutput)
				if o.Count != 4 || len(o.Items) != 0 {
					c.t.Errorf("Count %d with %d items, want 4 and none", o.Count, len(o.Items))
				}
			}},
		{name: "Query/Select-COUNT-with-projection-refused", doc: "API Reference, Query → Select (\"If you use the ProjectionExpression parameter, then the value for Select can only be SPECIFIC_ATTRIBUTES\"); ValidationException",
			setup: seqTable(1),
			do: func(c *env) (any, error) {
				in := qIn("pk = :p", item{":p": S("p")})
				in.Select = types.SelectCount
				in.ProjectionExpression = aws.String("v")
				return c.db.Query(c.ctx, in)
			}, wantErr: "ValidationException"},
		{name: "Query/projection", doc: q + "(ProjectionExpression returns only the named attributes)", setup: seqTable(2),
			do: func(c *env) (any, error) {
				in := qIn("pk = :p", item{":p": S("p")})
				in.ProjectionExpression = aws.String("v")
				return c.db.Query(c.ctx, in)
			},
			check: func(c *env, out any, _ error) {
				o := out.(*dynamodb.QueryOutput)
				if len(o.Items) != 2 {
					c.t.Fatalf("%d items", len(o.Items))
				}
				c.wantItem("item 0", o.Items[0], item{"v": S("v1")})
			}},
		{name: "Query/key-condition-on-non-key-refused", doc: q + "Key condition expressions (only the partition key and sort key may appear); ValidationException",
			setup: seqTable(1),
			do: func(c *env) (any, error) {
				return c.db.Query(c.ctx, qIn("pk = :p AND v = :v", item{":p": S("p"), ":v": S("v1")}))
			}, wantErr: "ValidationException"},
		{name: "Query/partition-key-needs-equality", doc: q + "Key condition expressions (\"You must specify the partition key name and value as an equality condition\"); ValidationException",
			setup: seqTable(1),
			do: func(c *env) (any, error) {
				return c.db.Query(c.ctx, qIn("pk > :p", item{":p": S("a")}))
			}, wantErr: "ValidationException"},
		{name: "Query/missing-table", doc: "API Reference, Query → Errors: ResourceNotFoundException",
			do: func(c *env) (any, error) {
				return c.db.Query(c.ctx, &dynamodb.QueryInput{TableName: aws.String("nope"), KeyConditionExpression: aws.String("pk = :p"),
					ExpressionAttributeValues: item{":p": S("a")}})
			}, wantErr: "ResourceNotFoundException"},
		{name: "Query/1MB-page", doc: "API Reference, Query (\"A single Query operation will read up to the maximum number of items set (if using the Limit parameter) or a maximum of 1 MB of data\"; LastEvaluatedKey when more remain)",
			setup: func(c *env) { fillMB(c, 25) },
			do: func(c *env) (any, error) {
				return c.db.Query(c.ctx, qIn("pk = :p", item{":p": S("p")}))
			},
			check: func(c *env, out any, _ error) {
				o := out.(*dynamodb.QueryOutput)
				if len(o.LastEvaluatedKey) == 0 || len(o.Items) < 9 || len(o.Items) > 11 {
					c.t.Errorf("first page: %d items of 100 KB, LastEvaluatedKey %s; want about 10 (1 MB) and a key", len(o.Items), itemString(o.LastEvaluatedKey))
				}
			}},
		{name: "Scan/1MB-page-then-all", doc: sc + "Paginating the results (\"Scan … read a maximum of 1 MB of data\"; LastEvaluatedKey; \"If LastEvaluatedKey is empty, then the last page of results has been processed\")",
			setup: func(c *env) { fillMB(c, 25) },
			do: func(c *env) (any, error) {
				return c.db.Scan(c.ctx, &dynamodb.ScanInput{TableName: aws.String("tbl"), ProjectionExpression: aws.String("sk")})
			},
			check: func(c *env, out any, _ error) {
				o := out.(*dynamodb.ScanOutput)
				if len(o.LastEvaluatedKey) == 0 || len(o.Items) < 9 || len(o.Items) > 11 {
					c.t.Errorf("first page: %d items of 100 KB, LastEvaluatedKey %s; want about 10 (1 MB, counted before projection) and a key", len(o.Items), itemString(o.LastEvaluatedKey))
				}
				all := c.scanAll("tbl")
				seen := map[string]bool{}
				for _, it := range all {
					seen[strAttr(it, "sk")] = true
				}
				if len(all) != 25 || len(seen) != 25 {
					c.t.Errorf("paging returned %d items (%d distinct), want 25", len(all), len(seen))
				}
			}},
		{name: "Scan/Limit-counts-before-filter", doc: sc + "Limiting the number of items in the result set and Counting the items (ScannedCount before the filter, Count after)",
			setup: seqTable(6),
			do: func(c *env) (any, error) {
				return c.db.Scan(c.ctx, &dynamodb.ScanInput{TableName: aws.String("tbl"), Limit: aws.Int32(4),
					FilterExpression: aws.String("v = :v"), ExpressionAttributeValues: item{":v": S("no such")}})
			},
			check: func(c *env, out any, _ error) {
				o := out.(*dynamodb.ScanOutput)
				if o.ScannedCount != 4 || o.Count != 0 || len(o.Items) != 0 || len(o.LastEvaluatedKey) == 0 {
					c.t.Errorf("ScannedCount %d Count %d items %d LEK %s; want 4, 0, 0 and a key", o.ScannedCount, o.Count, len(o.Items), itemString(o.LastEvaluatedKey))
				}
			}},
		{name: "Scan/Select-COUNT", doc: "API Reference, Scan → Select (COUNT)", setup: seqTable(3),
			do: func(c *env) (any, error) {
				return c.db.Scan(c.ctx, &dynamodb.ScanInput{TableName: aws.String("tbl"), Select: types.SelectCount})
			},
			check: func(c *env, out any, _ error) {
				o := out.(*dynamodb.ScanOutput)
				if o.Count != 4 || len(o.Items) != 0 {
					c.t.Errorf("Count %d with %d items, want 4 and none", o.Count, len(o.Items))
				}
			}},
		{name: "Scan/parallel-segments-partition-the-table", doc: sc + "Parallel scan (Segment / TotalSegments: every item is returned by exactly one segment)",
			setup: func(c *env) {
				c.hashTable("tbl")
				for i := 0; i < 40; i++ {
					c.put("tbl", pk(fmt.Sprint("k", i)))
				}
			},
			do: func(c *env) (any, error) {
				counts := map[string]int{}
				for seg := int32(0); seg < 4; seg++ {
					o, err := c.db.Scan(c.ctx, &dynamodb.ScanInput{TableName: aws.String("tbl"), Segment: aws.Int32(seg), TotalSegments: aws.Int32(4)})
					if err != nil {
						return nil, err
					}
					for _, it := range o.Items {
						counts[strAttr(it, "pk")]++
					}
				}
				return counts, nil
			},
			check: func(c *env, out any, _ error) {
				counts := out.(map[string]int)
				if len(counts) != 40 {
					c.t.Errorf("segments returned %d distinct items, want 40", len(counts))
				}
				for k, n := range counts {
					if n != 1 {
						c.t.Errorf("%s returned by %d segments", k, n)
					}
				}
			}},
		{name: "Scan/Segment-out-of-range-refused", doc: "API Reference, Scan → Segment (\"The value of Segment must be greater than or equal to 0, and less than the value provided for TotalSegments\"); ValidationException",
			setup: func(c *env) { c.hashTable("tbl") },
			do: func(c *env) (any, error) {
				return c.db.Scan(c.ctx, &dynamodb.ScanInput{TableName: aws.String("tbl"), Segment: aws.Int32(4), TotalSegments: aws.Int32(4)})
			}, wantErr: "ValidationException"},
		{name: "Scan/Segment-without-TotalSegments-refused", doc: "API Reference, Scan → Segment (\"If you provide Segment, you must also provide TotalSegments\"); ValidationException",
			setup: func(c *env) { c.hashTable("tbl") },
			do: func(c *env) (any, error) {
				return c.db.Scan(c.ctx, &dynamodb.ScanInput{TableName: aws.String("tbl"), Segment: aws.Int32(0)})
			}, wantErr: "ValidationException"},
		{name: "Query/GSI-projection-ALL", doc: "Developer Guide, Global secondary indexes → Attribute projections (ALL: every attribute; items sorted by the index sort key; items without the index key are not in the index)",
			setup: gsiFixture, do: gsiQuery("all"),
			check: func(c *env, out any, _ error) {
				o := out.(*dynamodb.QueryOutput)
				if len(o.Items) != 2 {
					c.t.Fatalf("%d items, want 2 (sparse index)", len(o.Items))
				}
				c.wantItem("first (gs 1)", o.Items[0], item{"pk": S("b"), "sk": S("1"), "g": S("G"), "gs": N("1"), "color": S("blue"), "size": S("S")})
			}},
		{name: "Query/GSI-projection-KEYS_ONLY", doc: "Developer Guide, Global secondary indexes → Attribute projections (KEYS_ONLY: \"the index and primary keys are projected\")",
			setup: gsiFixture, do: gsiQuery("keys"),
			check: func(c *env, out any, _ error) {
				o := out.(*dynamodb.QueryOutput)
				if len(o.Items) != 2 {
					c.t.Fatalf("%d items, want 2", len(o.Items))
				}
				for _, it := range o.Items {
					if len(it) != 3 || it["pk"] == nil || it["sk"] == nil || it["g"] == nil {
						c.t.Errorf("KEYS_ONLY item %s, want exactly pk, sk, g", itemString(it))
					}
				}
			}},
		{name: "Query/GSI-projection-INCLUDE", doc: "Developer Guide, Global secondary indexes → Attribute projections (INCLUDE: keys plus NonKeyAttributes)",
			setup: gsiFixture, do: gsiQuery("incl"),
			check: func(c *env, out any, _ error) {
				o := out.(*dynamodb.QueryOutput)
				if len(o.Items) != 2 {
					c.t.Fatalf("%d items, want 2", len(o.Items))
				}
				c.wantItem("first", o.Items[0], item{"pk": S("b"), "sk": S("1"), "g": S("G"), "gs": N("1"), "color": S("blue")})
			}},
		{name: "Query/GSI-ConsistentRead-refused", doc: "API Reference, Query → ConsistentRead (\"Strongly consistent reads are not supported on global secondary indexes. If you query a global secondary index with ConsistentRead set to true, you will receive a ValidationException\")",
			setup: gsiFixture,
			do: func(c *env) (any, error) {
				return c.db.Query(c.ctx, &dynamodb.QueryInput{TableName: aws.String("gsi"), IndexName: aws.String("all"), ConsistentRead: aws.Bool(true),
					KeyConditionExpression: aws.String("g = :g"), ExpressionAttributeValues: item{":g": S("G")}})
			}, wantErr: "ValidationException"},
		{name: "Query/GSI-follows-updates", doc: "Developer Guide, Global secondary indexes (DynamoDB maintains the index on every write: an item whose index key is removed leaves the index)",
			setup: func(c *env) {
				gsiFixture(c)
				_, err := c.db.UpdateItem(c.ctx, upd("gsi", pksk("a", "1"), "REMOVE g", nil))
				c.must(err)
			},
			do: gsiQuery("all"),
			check: func(c *env, out any, _ error) {
				if got := attrs(out.(*dynamodb.QueryOutput).Items, "pk"); strings.Join(got, ",") != "b" {
					c.t.Errorf("index items %v, want [b]", got)
				}
			}},
		{name: "Query/missing-index-refused", doc: "API Reference, Query → IndexName (the index must exist: \"The table does not have the specified index\"); ValidationException",
			setup: gsiFixture,
			do:    gsiQuery("nope"), wantErr: "ValidationException"},
	}
}

func batchCases() []ccase {
	const bg = "API Reference, BatchGetItem"
	const bw = "API Reference, BatchWriteItem"
	twoTables := func(c *env) {
		c.hashTable("tb1")
		c.compositeTable("tb2")
		c.put("tb1", item{"pk": S("a"), "x": S("1"), "y": S("2")})
		c.put("tb1", item{"pk": S("b"), "x": S("3")})
		c.put("tb2", item{"pk": S("a"), "sk": S("1"), "z": N("9")})
	}
	return []ccase{
		{name: "BatchGetItem/two-tables-projection-missing-omitted", doc: bg + " (Responses per table; \"If a requested item does not exist, it is not returned in the result\"; ProjectionExpression per table; UnprocessedKeys empty)",
			setup: twoTables,
			do: func(c *env) (any, error) {
				return c.db.BatchGetItem(c.ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
					"tb1": {Keys: []item{pk("a"), pk("b"), pk("missing")}, ProjectionExpression: aws.String("pk, x")},
					"tb2": {Keys: []item{pksk("a", "1"), pksk("a", "2")}, ConsistentRead: aws.Bool(true)},
				}})
			},
			check: func(c *env, out any, _ error) {
				o := out.(*dynamodb.BatchGetItemOutput)
				got1 := o.Responses["tb1"]
				if len(got1) != 2 {
					c.t.Fatalf("t1: %d items", len(got1))
				}
				byPK := map[string]item{}
				for _, it := range got1 {
					byPK[strAttr(it, "pk")] = it
				}
				c.wantItem("t1 a", byPK["a"], item{"pk": S("a"), "x": S("1")})
				c.wantItem("t1 b", byPK["b"], item{"pk": S("b"), "x": S("3")})
				if len(o.Responses["tb2"]) != 1 {
					c.t.Fatalf("t2: %d items", len(o.Responses["tb2"]))
				}
				c.wantItem("t2", o.Responses["tb2"][0], item{"pk": S("a"), "sk": S("1"), "z": N("9")})
				if len(o.UnprocessedKeys) != 0 {
					c.t.Errorf("UnprocessedKeys %v", o.UnprocessedKeys)
				}
			}},
		{name: "BatchGetItem/more-than-100-keys-refused", doc: bg + " (\"A single operation can retrieve up to 16 MB of data, which can contain as many as 100 items\"; more keys is a ValidationException)",
			setup: func(c *env) { c.hashTable("tb1") },
			do: func(c *env) (any, error) {
				var keys []item
				for i := 0; i < 101; i++ {
					keys = append(keys, pk(fmt.Sprint(i)))
				}
				return c.db.BatchGetItem(c.ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{"tb1": {Keys: keys}}})
			}, wantErr: "ValidationException"},
		{name: "BatchGetItem/duplicate-keys-refused", doc: bg + " (duplicate keys: \"Provided list of item keys contains duplicates\"); ValidationException",
			setup: func(c *env) { c.hashTable("tb1") },
			do: func(c *env) (any, error) {
				return c.db.BatchGetItem(c.ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{"tb1": {Keys: []item{pk("a"), pk("a")}}}})
			}, wantErr: "ValidationException"},
		{name: "BatchGetItem/missing-table", doc: bg + " → Errors: ResourceNotFoundException",
			do: func(c *env) (any, error) {
				return c.db.BatchGetItem(c.ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{"nope": {Keys: []item{pk("a")}}}})
			}, wantErr: "ResourceNotFoundException"},
		{name: "BatchWriteItem/put-and-delete-two-tables", doc: bw + " (PutRequest and DeleteRequest across tables; UnprocessedItems empty when all were written)",
			setup: twoTables,
			do: func(c *env) (any, error) {
				return c.db.BatchWriteItem(c.ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
					"tb1": {{PutRequest: &types.PutRequest{Item: item{"pk": S("c"), "x": S("new")}}}, {DeleteRequest: &types.DeleteRequest{Key: pk("a")}}},
					"tb2": {{PutRequest: &types.PutRequest{Item: item{"pk": S("a"), "sk": S("1"), "z": N("10")}}}},
				}})
			},
			check: func(c *env, out any, _ error) {
				if u := out.(*dynamodb.BatchWriteItemOutput).UnprocessedItems; len(u) != 0 {
					c.t.Errorf("UnprocessedItems %v", u)
				}
				c.wantItem("t1 c", c.get("tb1", pk("c")), item{"pk": S("c"), "x": S("new")})
				if it := c.get("tb1", pk("a")); it != nil {
					c.t.Errorf("t1 a not deleted: %s", itemString(it))
				}
				c.wantItem("t2 a/1", c.get("tb2", pksk("a", "1")), item{"pk": S("a"), "sk": S("1"), "z": N("10")})
			}},
		{name: "BatchWriteItem/more-than-25-refused", doc: bw + " (\"up to 25 put or delete requests\"; more is a ValidationException)",
			setup: func(c *env) { c.hashTable("tb1") },
			do: func(c *env) (any, error) {
				var reqs []types.WriteRequest
				for i := 0; i < 26; i++ {
					reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: pk(fmt.Sprint(i))}})
				}
				return c.db.BatchWriteItem(c.ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"t1": reqs}})
			},
			wantErr: "ValidationException",
			check: func(c *env, _ any, _ error) {
				if n := len(c.scanAll("tb1")); n != 0 {
					c.t.Errorf("%d items written by a refused batch", n)
				}
			}},
		{name: "BatchWriteItem/same-key-twice-refused", doc: bw + " (\"You try to perform multiple operations on the same item in the same BatchWriteItem request\" → ValidationException)",
			setup: func(c *env) { c.hashTable("tb1") },
			do: func(c *env) (any, error) {
				return c.db.BatchWriteItem(c.ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"tb1": {
					{PutRequest: &types.PutRequest{Item: pk("a")}}, {DeleteRequest: &types.DeleteRequest{Key: pk("a")}}}}})
			}, wantErr: "ValidationException"},
		{name: "BatchWriteItem/missing-table", doc: bw + " (\"One or more tables specified in the BatchWriteItem request does not exist\") → Errors: ResourceNotFoundException",
			do: func(c *env) (any, error) {
				return c.db.BatchWriteItem(c.ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"nope": {
					{PutRequest: &types.PutRequest{Item: pk("a")}}}}})
			}, wantErr: "ResourceNotFoundException"},
		{name: "TransactGetItems/in-request-order-missing-empty", doc: "API Reference, TransactGetItems → Response Responses (\"An ordered array of up to 100 ItemResponse objects, each of which corresponds to the TransactGetItem object in the same position\"; an item that does not exist gives an ItemResponse without Item)",
			setup: twoTables,
			do: func(c *env) (any, error) {
				return c.db.TransactGetItems(c.ctx, &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
					{Get: &types.Get{TableName: aws.String("tb2"), Key: pksk("a", "1")}},
					{Get: &types.Get{TableName: aws.String("tb1"), Key: pk("missing")}},
					{Get: &types.Get{TableName: aws.String("tb1"), Key: pk("a"), ProjectionExpression: aws.String("y")}},
				}})
			},
			check: func(c *env, out any, _ error) {
				r := out.(*dynamodb.TransactGetItemsOutput).Responses
				if len(r) != 3 {
					c.t.Fatalf("%d responses, want 3", len(r))
				}
				c.wantItem("0", r[0].Item, item{"pk": S("a"), "sk": S("1"), "z": N("9")})
				if len(r[1].Item) != 0 {
					c.t.Errorf("1: %s, want no item", itemString(r[1].Item))
				}
				c.wantItem("2", r[2].Item, item{"y": S("2")})
			}},
	}
}
