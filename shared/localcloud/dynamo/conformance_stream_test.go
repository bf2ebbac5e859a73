package dynamo_test

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	stypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"holdfast/shared/localcloud/dynamo"
)

const sg = "Developer Guide, Change data capture for DynamoDB Streams"

// streamTable is table "str" (hash key pk) with a stream of the given view type.
func streamTable(view types.StreamViewType) func(c *env) {
	return func(c *env) { c.hashTable("str", withStream(view)) }
}

// lifecycle puts, modifies and deletes one item.
func lifecycle(c *env) {
	c.put("str", item{"pk": S("a"), "v": N("1")})
	_, err := c.db.UpdateItem(c.ctx, upd("str", pk("a"), "SET v = :v", item{":v": N("2")}))
	c.must(err)
	_, err = c.db.DeleteItem(c.ctx, &dynamodb.DeleteItemInput{TableName: aws.String("str"), Key: pk("a")})
	c.must(err)
}

func viewTypeCase(view types.StreamViewType) ccase {
	hasNew := view == types.StreamViewTypeNewImage || view == types.StreamViewTypeNewAndOldImages
	hasOld := view == types.StreamViewTypeOldImage || view == types.StreamViewTypeNewAndOldImages
	return ccase{
		name:  "GetRecords/view-type-" + string(view),
		doc:   "API Reference, StreamSpecification → StreamViewType (KEYS_ONLY | NEW_IMAGE | OLD_IMAGE | NEW_AND_OLD_IMAGES); Streams API Reference, StreamRecord (Keys, NewImage, OldImage, StreamViewType)",
		setup: func(c *env) { streamTable(view)(c); lifecycle(c) },
		do:    func(c *env) (any, error) { return c.records("str"), nil },
		check: func(c *env, out any, _ error) {
			recs := out.([]stypes.Record)
			if got := fmt.Sprint(eventNames(recs)); got != "[INSERT MODIFY REMOVE]" {
				c.t.Fatalf("events %s, want [INSERT MODIFY REMOVE]", got)
			}
			v1 := item{"pk": S("a"), "v": N("1")}
			v2 := item{"pk": S("a"), "v": N("2")}
			wantNew := []item{v1, v2, nil}
			wantOld := []item{nil, v1, v2}
			for i, r := range recs {
				d := r.Dynamodb
				c.wantItem(fmt.Sprintf("record %d Keys", i), fromStreamItem(d.Keys), pk("a"))
				if d.StreamViewType != stypes.StreamViewType(view) {
					c.t.Errorf("record %d StreamViewType %q", i, d.StreamViewType)
				}
				wn, wo := item(nil), item(nil)
				if hasNew {
					wn = wantNew[i]
				}
				if hasOld {
					wo = wantOld[i]
				}
				c.wantItem(fmt.Sprintf("record %d NewImage", i), fromStreamItem(d.NewImage), wn)
				c.wantItem(fmt.Sprintf("record %d OldImage", i), fromStreamItem(d.OldImage), wo)
			}
		},
	}
}

func streamCases() []ccase {
	return []ccase{
		{name: "ListStreams/by-table", doc: "Streams API Reference, ListStreams → TableName (\"If this parameter is provided, then only the streams associated with this table name are returned\"); Response Streams (StreamArn, TableName, StreamLabel)",
			setup: func(c *env) {
				streamTable(types.StreamViewTypeKeysOnly)(c)
				c.hashTable("other", withStream(types.StreamViewTypeNewImage))
				c.hashTable("nostream")
			},
			do: func(c *env) (any, error) {
				return c.st.ListStreams(c.ctx, &dynamodbstreams.ListStreamsInput{TableName: aws.String("str")})
			},
			check: func(c *env, out any, _ error) {
				o := out.(*dynamodbstreams.ListStreamsOutput)
				if len(o.Streams) != 1 || aws.ToString(o.Streams[0].TableName) != "str" || aws.ToString(o.Streams[0].StreamArn) != c.streamARN("str") || o.Streams[0].StreamLabel == nil {
					c.t.Errorf("Streams %s", dump(o.Streams))
				}
				all, err := c.st.ListStreams(c.ctx, &dynamodbstreams.ListStreamsInput{})
				c.must(err)
				if len(all.Streams) != 2 {
					c.t.Errorf("all streams: %s, want 2", dump(all.Streams))
				}
			}},
		{name: "DescribeStream/enabled-with-shard", doc: "Streams API Reference, DescribeStream → StreamDescription (StreamStatus ENABLED, StreamViewType, TableName, KeySchema, Shards with SequenceNumberRange)",
			setup: func(c *env) { streamTable(types.StreamViewTypeNewAndOldImages)(c); c.put("str", pk("a")) },
			do: func(c *env) (any, error) {
				return c.st.DescribeStream(c.ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(c.streamARN("str"))})
			},
			check: func(c *env, out any, _ error) {
				d := out.(*dynamodbstreams.DescribeStreamOutput).StreamDescription
				if d.StreamStatus != stypes.StreamStatusEnabled || d.StreamViewType != stypes.StreamViewTypeNewAndOldImages ||
					aws.ToString(d.TableName) != "str" || len(d.KeySchema) != 1 || aws.ToString(d.KeySchema[0].AttributeName) != "pk" {
					c.t.Errorf("StreamDescription %s", dump(d))
				}
				if len(d.Shards) == 0 || d.Shards[0].ShardId == nil || d.Shards[0].SequenceNumberRange == nil ||
					d.Shards[0].SequenceNumberRange.StartingSequenceNumber == nil {
					c.t.Errorf("Shards %s", dump(d.Shards))
				}
			}},
		{name: "DescribeStream/unknown-arn", doc: "Streams API Reference, DescribeStream → Errors: ResourceNotFoundException",
			setup: func(c *env) { streamTable(types.StreamViewTypeKeysOnly)(c) },
			do: func(c *env) (any, error) {
				arn := c.streamARN("str")
				return c.st.DescribeStream(c.ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(strings.Replace(arn, "table/str/", "table/zzz/", 1))})
			}, wantErr: "ResourceNotFoundException"},
		{name: "DescribeTable/no-stream-no-arn", doc: "API Reference, TableDescription → LatestStreamArn (present only when a stream is enabled)",
			setup: func(c *env) { c.hashTable("tbl") },
			do: func(c *env) (any, error) {
				return c.db.DescribeTable(c.ctx, &dynamodb.DescribeTableInput{TableName: aws.String("tbl")})
			},
			check: func(c *env, out any, _ error) {
				if a := out.(*dynamodb.DescribeTableOutput).Table.LatestStreamArn; a != nil {
					c.t.Errorf("LatestStreamArn %s on a table without a stream", *a)
				}
			}},
		{name: "GetRecords/one-record-per-real-change", doc: sg + " (\"each stream record appears exactly once in the stream\"; \"If you perform a PutItem or UpdateItem operation that does not change any data in an item, DynamoDB Streams does not write a stream record for that operation\"); a DeleteItem of a missing item changes nothing",
			setup: func(c *env) {
				streamTable(types.StreamViewTypeNewAndOldImages)(c)
				c.put("str", item{"pk": S("a"), "v": N("1")})                                           // INSERT
				c.put("str", item{"pk": S("a"), "v": N("1")})                                           // identical item: no record
				_, err := c.db.UpdateItem(c.ctx, upd("str", pk("a"), "SET v = :v", item{":v": N("1")})) // no change
				c.must(err)
				_, err = c.db.UpdateItem(c.ctx, upd("str", pk("a"), "SET w = :w", item{":w": S("x")})) // MODIFY
				c.must(err)
				for i := 0; i < 2; i++ { // REMOVE, then nothing
					_, err = c.db.DeleteItem(c.ctx, &dynamodb.DeleteItemInput{TableName: aws.String("str"), Key: pk("a")})
					c.must(err)
				}
				_, err = c.db.DeleteItem(c.ctx, &dynamodb.DeleteItemInput{TableName: aws.String("str"), Key: pk("never")})
				c.must(err)
			},
			do: func(c *env) (any, error) { return c.records("str"), nil },
			check: func(c *env, out any, _ error) {
				if got := fmt.Sprint(eventNames(out.([]stypes.Record))); got != "[INSERT MODIFY REMOVE]" {
					c.t.Errorf("events %s, want [INSERT MODIFY REMOVE]", got)
				}
			}},
		{name: "GetRecords/UpdateItem-creating-item-is-one-INSERT", doc: "Streams API Reference, Record → eventName (\"INSERT - a new item was added to the table\"); " + sg + " (one record per modification)",
			setup: func(c *env) {
				streamTable(types.StreamViewTypeNewAndOldImages)(c)
				_, err := c.db.UpdateItem(c.ctx, upd("str", pk("n"), "SET v = :v, w = :w", item{":v": N("1"), ":w": S("x")}))
				c.must(err)
			},
			do: func(c *env) (any, error) { return c.records("str"), nil },
			check: func(c *env, out any, _ error) {
				recs := out.([]stypes.Record)
				if got := fmt.Sprint(eventNames(recs)); got != "[INSERT]" {
					c.t.Fatalf("events %s, want [INSERT]", got)
				}
				c.wantItem("NewImage", fromStreamItem(recs[0].Dynamodb.NewImage), item{"pk": S("n"), "v": N("1"), "w": S("x")})
				if len(recs[0].Dynamodb.OldImage) != 0 {
					c.t.Errorf("INSERT has an OldImage")
				}
			}},
		viewTypeCase(types.StreamViewTypeKeysOnly),
		viewTypeCase(types.StreamViewTypeNewImage),
		viewTypeCase(types.StreamViewTypeOldImage),
		viewTypeCase(types.StreamViewTypeNewAndOldImages),
		{name: "GetRecords/sequence-numbers-increase", doc: "Streams API Reference, StreamRecord → SequenceNumber; " + sg + " (\"stream records … appear in the same sequence as the actual modifications to the item\"); Record → eventSource aws:dynamodb, eventID unique",
			setup: func(c *env) {
				streamTable(types.StreamViewTypeKeysOnly)(c)
				for i := 0; i < 5; i++ {
					c.put("str", item{"pk": S(fmt.Sprint("k", i%2)), "v": N(fmt.Sprint(i))})
				}
			},
			do: func(c *env) (any, error) { return c.records("str"), nil },
			check: func(c *env, out any, _ error) {
				recs := out.([]stypes.Record)
				if len(recs) != 5 {
					c.t.Fatalf("%d records, want 5", len(recs))
				}
				ids := map[string]bool{}
				for i, r := range recs {
					if aws.ToString(r.EventSource) != "aws:dynamodb" || r.EventID == nil || ids[*r.EventID] {
						c.t.Errorf("record %d: eventSource %q eventID %v", i, aws.ToString(r.EventSource), aws.ToString(r.EventID))
					}
					ids[aws.ToString(r.EventID)] = true
					if i > 0 && !seqLess(aws.ToString(recs[i-1].Dynamodb.SequenceNumber), aws.ToString(r.Dynamodb.SequenceNumber)) {
						c.t.Errorf("sequence %s then %s", aws.ToString(recs[i-1].Dynamodb.SequenceNumber), aws.ToString(r.Dynamodb.SequenceNumber))
					}
				}
			}},
		{name: "GetShardIterator/TRIM_HORIZON-LATEST-AT-AFTER", doc: "Streams API Reference, GetShardIterator → ShardIteratorType (AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER, TRIM_HORIZON: \"the last (untrimmed) stream record … the oldest record\", LATEST: \"just after the most recent stream record in the shard, so that you always read the most recent data\")",
			setup: func(c *env) {
				streamTable(types.StreamViewTypeKeysOnly)(c)
				for _, k := range []string{"a", "b", "c"} {
					c.put("str", pk(k))
				}
			},
			do: func(c *env) (any, error) {
				arn := c.streamARN("str")
				keysOf := func(recs []stypes.Record) string {
					var ks []string
					for _, r := range recs {
						ks = append(ks, strAttr(fromStreamItem(r.Dynamodb.Keys), "pk"))
					}
					return strings.Join(ks, ",")
				}
				res := map[string]string{}
				it, err := c.shardIterator(arn, stypes.ShardIteratorTypeTrimHorizon, "")
				if err != nil {
					return nil, err
				}
				all := c.drain(it)
				res["TRIM_HORIZON"] = keysOf(all)
				if len(all) != 3 {
					return res, nil
				}
				seqB := aws.ToString(all[1].Dynamodb.SequenceNumber)
				if it, err = c.shardIterator(arn, stypes.ShardIteratorTypeAtSequenceNumber, seqB); err != nil {
					return nil, err
				}
				res["AT"] = keysOf(c.drain(it))
				if it, err = c.shardIterator(arn, stypes.ShardIteratorTypeAfterSequenceNumber, seqB); err != nil {
					return nil, err
				}
				res["AFTER"] = keysOf(c.drain(it))
				if it, err = c.shardIterator(arn, stypes.ShardIteratorTypeLatest, ""); err != nil {
					return nil, err
				}
				c.put("str", pk("d"))
				res["LATEST"] = keysOf(c.drain(it))
				return res, nil
			},
			check: func(c *env, out any, _ error) {
				got := out.(map[string]string)
				want := map[string]string{"TRIM_HORIZON": "a,b,c", "AT": "b,c", "AFTER": "c", "LATEST": "d"}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					c.t.Errorf("iterators read %v, want %v", got, want)
				}
			}},
		{name: "GetShardIterator/AT_SEQUENCE_NUMBER-needs-number", doc: "Streams API Reference, GetShardIterator → SequenceNumber (the position AT_SEQUENCE_NUMBER / AFTER_SEQUENCE_NUMBER read from); ValidationException without it",
			setup: func(c *env) { streamTable(types.StreamViewTypeKeysOnly)(c); c.put("str", pk("a")) },
			do: func(c *env) (any, error) {
				return c.shardIterator(c.streamARN("str"), stypes.ShardIteratorTypeAtSequenceNumber, "")
			}, wantErr: "ValidationException"},
		{name: "GetRecords/transaction-writes-one-record-each", doc: sg + " (each modified item gets a record); " + tw + " (a transaction's writes are ordinary item modifications)",
			setup: func(c *env) {
				streamTable(types.StreamViewTypeNewImage)(c)
				c.put("str", pk("x"))
				_, err := c.db.TransactWriteItems(c.ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
					txPut("str", pk("y")),
					{Update: &types.Update{TableName: aws.String("str"), Key: pk("x"), UpdateExpression: aws.String("SET v = :v"), ExpressionAttributeValues: item{":v": N("1")}}},
					{ConditionCheck: &types.ConditionCheck{TableName: aws.String("str"), Key: pk("z"), ConditionExpression: aws.String("attribute_not_exists(pk)")}},
				}})
				c.must(err)
			},
			do: func(c *env) (any, error) { return c.records("str"), nil },
			check: func(c *env, out any, _ error) {
				names := eventNames(out.([]stypes.Record))
				if len(names) != 3 || names[0] != "INSERT" || strings.Join(sortedStrings(names[1:]), ",") != "INSERT,MODIFY" {
					c.t.Errorf("events %v, want INSERT then {INSERT, MODIFY}", names)
				}
			}},
		{name: "TTL/expired-item-swept-with-service-identity", doc: "Developer Guide, Time to Live (TTL) → How TTL works (expired items — TTL a Number of epoch seconds in the past, not more than five years — are deleted; non-Number TTL attributes are ignored) and TTL and DynamoDB Streams (\"userIdentity\":{\"type\":\"Service\",\"principalId\":\"dynamodb.amazonaws.com\"}); Streams API Reference, Record → userIdentity",
			engineOnly: "expiry is triggered with Engine.SweepTTL (moto deletes expired items only on its own schedule)",
			setup: func(c *env) {
				streamTable(types.StreamViewTypeNewAndOldImages)(c)
				_, err := c.db.UpdateTimeToLive(c.ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String("str"),
					TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("exp"), Enabled: aws.Bool(true)}})
				c.must(err)
				now := time.Now().Unix()
				c.put("str", item{"pk": S("old"), "exp": N(fmt.Sprint(now - 3600))})
				c.put("str", item{"pk": S("future"), "exp": N(fmt.Sprint(now + 3600))})
				c.put("str", item{"pk": S("text"), "exp": S(fmt.Sprint(now - 3600))})
				c.put("str", item{"pk": S("ancient"), "exp": N(fmt.Sprint(now - 6*365*24*3600))})
				c.put("str", item{"pk": S("none")})
			},
			do: func(c *env) (any, error) { return c.eng.SweepTTL(), nil },
			check: func(c *env, out any, _ error) {
				if n := out.(int); n != 1 {
					c.t.Errorf("SweepTTL deleted %d, want 1", n)
				}
				if it := c.get("str", pk("old")); it != nil {
					c.t.Errorf("expired item still there")
				}
				for _, k := range []string{"future", "text", "ancient", "none"} {
					if c.get("str", pk(k)) == nil {
						c.t.Errorf("item %s deleted", k)
					}
				}
				recs := c.records("str")
				last := recs[len(recs)-1]
				if last.EventName != stypes.OperationTypeRemove || strAttr(fromStreamItem(last.Dynamodb.Keys), "pk") != "old" {
					c.t.Fatalf("last record %s %s, want REMOVE of old", last.EventName, dump(last.Dynamodb.Keys))
				}
				if last.UserIdentity == nil || aws.ToString(last.UserIdentity.Type) != "Service" || aws.ToString(last.UserIdentity.PrincipalId) != "dynamodb.amazonaws.com" {
					c.t.Errorf("userIdentity %s, want Service / dynamodb.amazonaws.com", dump(last.UserIdentity))
				}
				c.wantItem("OldImage", fromStreamItem(last.Dynamodb.OldImage), item{"pk": S("old"), "exp": recsExp(recs)})
				for _, r := range recs[:len(recs)-1] {
					if r.UserIdentity != nil {
						c.t.Errorf("user write %s has userIdentity %s", r.EventName, dump(r.UserIdentity))
					}
				}
			}},
		{name: "TTL/user-delete-has-no-identity", doc: "Streams API Reference, Record → userIdentity (set only for items deleted by the Time to Live process)",
			setup: func(c *env) { streamTable(types.StreamViewTypeKeysOnly)(c); lifecycle(c) },
			do:    func(c *env) (any, error) { return c.records("str"), nil },
			check: func(c *env, out any, _ error) {
				for _, r := range out.([]stypes.Record) {
					if r.UserIdentity != nil {
						c.t.Errorf("%s has userIdentity %s", r.EventName, dump(r.UserIdentity))
					}
				}
			}},
	}
}

// recsExp is the exp attribute the first record of the TTL case wrote (the expired item's).
func recsExp(recs []stypes.Record) types.AttributeValue {
	for _, r := range recs {
		if strAttr(fromStreamItem(r.Dynamodb.Keys), "pk") == "old" && r.Dynamodb.NewImage != nil {
			return fromStream(r.Dynamodb.NewImage["exp"])
		}
	}
	return nil
}

// ---- capacity ----

const cu = "Developer Guide, DynamoDB read and write operations → Capacity unit consumption"

// item1500 is about 1.5 KB: 2 WCU to write, 1 RCU (strong) to read.
func item1500(key string) item { return item{"pk": S(key), "d": S(bigString(1500))} }

func units(cc *types.ConsumedCapacity) float64 {
	if cc == nil {
		return math.NaN()
	}
	return aws.ToFloat64(cc.CapacityUnits)
}

func sumUnits(ccs []types.ConsumedCapacity) float64 {
	if len(ccs) == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, c := range ccs {
		s += aws.ToFloat64(c.CapacityUnits)
	}
	return s
}

func wantUnits(c *env, what string, got, want float64) {
	c.t.Helper()
	if got != want {
		c.t.Errorf("%s consumed %v capacity units, want %v", what, got, want)
	}
}

func capacityCases() []ccase {
	total := types.ReturnConsumedCapacityTotal
	return []ccase{
		{name: "ConsumedCapacity/PutItem-1.5KB-is-2-WCU", doc: cu + " for write operations (\"one write unit per 1 KB … rounded up\": a 1.5 KB item is 2 WCU); API Reference, PutItem → ReturnConsumedCapacity TOTAL",
			setup: func(c *env) { c.hashTable("tbl") },
			do: func(c *env) (any, error) {
				return c.db.PutItem(c.ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: item1500("a"), ReturnConsumedCapacity: total})
			},
			check: func(c *env, out any, _ error) {
				cc := out.(*dynamodb.PutItemOutput).ConsumedCapacity
				wantUnits(c, "PutItem", units(cc), 2)
				if cc != nil && aws.ToString(cc.TableName) != "tbl" {
					c.t.Errorf("ConsumedCapacity.TableName %q", aws.ToString(cc.TableName))
				}
			}},
		{name: "ConsumedCapacity/small-PutItem-is-1-WCU", doc: cu + " for write operations (an item up to 1 KB is one WCU)",
			setup: func(c *env) { c.hashTable("tbl") },
			do: func(c *env) (any, error) {
				return c.db.PutItem(c.ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: pk("a"), ReturnConsumedCapacity: total})
			},
			check: func(c *env, out any, _ error) {
				wantUnits(c, "PutItem", units(out.(*dynamodb.PutItemOutput).ConsumedCapacity), 1)
			}},
		{name: "ConsumedCapacity/NONE-returns-none", doc: "API Reference, PutItem → ReturnConsumedCapacity (NONE: \"no ConsumedCapacity details are included in the response\")",
			setup: func(c *env) { c.hashTable("tbl") },
			do: func(c *env) (any, error) {
				return c.db.PutItem(c.ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: pk("a"), ReturnConsumedCapacity: types.ReturnConsumedCapacityNone})
			},
			check: func(c *env, out any, _ error) {
				if cc := out.(*dynamodb.PutItemOutput).ConsumedCapacity; cc != nil {
					c.t.Errorf("ConsumedCapacity %s with NONE", dump(cc))
				}
			}},
		{name: "ConsumedCapacity/GetItem-strong-1-eventual-half", doc: cu + " for read operations (\"A strongly consistent read request of an item up to 4 KB requires one read unit. An eventually consistent read request … requires one-half read unit\")",
			setup: func(c *env) { c.hashTable("tbl"); c.put("tbl", item1500("a")) },
			do: func(c *env) (any, error) {
				strong, err := c.db.GetItem(c.ctx, &dynamodb.GetItemInput{TableName: aws.String("tbl"), Key: pk("a"), ConsistentRead: aws.Bool(true), ReturnConsumedCapacity: total})
				if err != nil {
					return nil, err
				}
				eventual, err := c.db.GetItem(c.ctx, &dynamodb.GetItemInput{TableName: aws.String("tbl"), Key: pk("a"), ReturnConsumedCapacity: total})
				if err != nil {
					return nil, err
				}
				return [2]float64{units(strong.ConsumedCapacity), units(eventual.ConsumedCapacity)}, nil
			},
			check: func(c *env, out any, _ error) {
				u := out.([2]float64)
				wantUnits(c, "strong GetItem", u[0], 1)
				wantUnits(c, "eventual GetItem", u[1], 0.5)
			}},
		{name: "ConsumedCapacity/UpdateItem-larger-of-before-and-after", doc: cu + " for write operations (\"UpdateItem … consumes … the larger of the item sizes before and after the update\")",
			setup: func(c *env) { c.hashTable("tbl"); c.put("tbl", item{"pk": S("a"), "d": S(bigString(2500))}) },
			do: func(c *env) (any, error) {
				in := upd("tbl", pk("a"), "REMOVE d", nil)
				in.ReturnConsumedCapacity = total
				return c.db.UpdateItem(c.ctx, in)
			},
			check: func(c *env, out any, _ error) {
				wantUnits(c, "UpdateItem", units(out.(*dynamodb.UpdateItemOutput).ConsumedCapacity), 3)
			}},
		{name: "ConsumedCapacity/Query-sums-items-then-rounds", doc: cu + " for read operations (Query: \"the total size of all items returned\" rounded up to the next 4 KB; eventually consistent halves it)",
			setup: func(c *env) {
				c.compositeTable("tbl")
				for i := 0; i < 3; i++ {
					c.put("tbl", item{"pk": S("p"), "sk": S(fmt.Sprint(i)), "d": S(bigString(1500))})
				}
			},
			do: func(c *env) (any, error) {
				strong, err := c.db.Query(c.ctx, &dynamodb.QueryInput{TableName: aws.String("tbl"), KeyConditionExpression: aws.String("pk = :p"),
					ExpressionAttributeValues: item{":p": S("p")}, ConsistentRead: aws.Bool(true), ReturnConsumedCapacity: total})
				if err != nil {
					return nil, err
				}
				eventual, err := c.db.Query(c.ctx, &dynamodb.QueryInput{TableName: aws.String("tbl"), KeyConditionExpression: aws.String("pk = :p"),
					ExpressionAttributeValues: item{":p": S("p")}, ReturnConsumedCapacity: total})
				if err != nil {
					return nil, err
				}
				return [2]float64{units(strong.ConsumedCapacity), units(eventual.ConsumedCapacity)}, nil
			},
			check: func(c *env, out any, _ error) {
				u := out.([2]float64)
				wantUnits(c, "strong Query of 3×1.5 KB", u[0], 2)
				wantUnits(c, "eventual Query of 3×1.5 KB", u[1], 1)
			}},
		{name: "ConsumedCapacity/TransactWriteItems-counts-double", doc: cu + " for write operations (\"Transactional write requests require 2 write units to perform one write for items up to 1 KB\": a 1.5 KB put is 4 WCU); API Reference, TransactWriteItems → ConsumedCapacity",
			setup: func(c *env) { c.hashTable("tbl") },
			do: func(c *env) (any, error) {
				return c.db.TransactWriteItems(c.ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{txPut("tbl", item1500("a"))},
					ReturnConsumedCapacity: total})
			},
			check: func(c *env, out any, _ error) {
				wantUnits(c, "TransactWriteItems", sumUnits(out.(*dynamodb.TransactWriteItemsOutput).ConsumedCapacity), 4)
			}},
		{name: "ConsumedCapacity/TransactGetItems-counts-double", doc: cu + " for read operations (\"A transactional read request of an item up to 4 KB requires two read units\")",
			setup: func(c *env) { c.hashTable("tbl"); c.put("tbl", item1500("a")) },
			do: func(c *env) (any, error) {
				return c.db.TransactGetItems(c.ctx, &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
					{Get: &types.Get{TableName: aws.String("tbl"), Key: pk("a")}}}, ReturnConsumedCapacity: total})
			},
			check: func(c *env, out any, _ error) {
				wantUnits(c, "TransactGetItems", sumUnits(out.(*dynamodb.TransactGetItemsOutput).ConsumedCapacity), 2)
			}},
		{name: "Counters/admin-endpoint-shows-units", doc: cu + " (the units the engine's GET /holdfast/counters totals are the documented ones: 1.5 KB PutItem 2 WCU, transactional 4 WCU, strong GetItem 1 RCU)",
			engineOnly: "GET /holdfast/counters is the engine's admin API",
			setup:      func(c *env) { c.hashTable("tbl") },
			do: func(c *env) (any, error) {
				c.put("tbl", item1500("a"))
				_, err := c.db.TransactWriteItems(c.ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{txPut("tbl", item1500("b"))}})
				if err != nil {
					return nil, err
				}
				c.get("tbl", pk("a"))
				var body struct {
					Operations []dynamo.OpStats `json:"operations"`
				}
				c.adminGet("/holdfast/counters", &body)
				return body.Operations, nil
			},
			check: func(c *env, out any, _ error) {
				got := map[string]dynamo.OpStats{}
				for _, s := range out.([]dynamo.OpStats) {
					if s.Table == "tbl" {
						got[s.Op] = s
					}
				}
				if s := got["PutItem"]; s.Requests != 1 || s.WCU != 2 {
					c.t.Errorf("PutItem counters %+v, want 1 request 2 WCU", s)
				}
				if s := got["TransactWriteItems"]; s.Requests != 1 || s.WCU != 4 {
					c.t.Errorf("TransactWriteItems counters %+v, want 1 request 4 WCU", s)
				}
				if s := got["GetItem"]; s.Requests != 1 || s.RCU != 1 {
					c.t.Errorf("GetItem counters %+v, want 1 request 1 RCU", s)
				}
			}},
	}
}

// ---- fault injection ----

func faultCases() []ccase {
	const eo = "fault injection is the engine's (SetFaults / POST /holdfast/faults)"
	return []ccase{
		{name: "Faults/throttling-not-applied", doc: "API Reference, Common Errors → ThrottlingException (\"Rate of requests exceeds the allowed throughput\"; the request was refused, so not applied)",
			engineOnly: eo,
			setup: func(c *env) {
				c.hashTable("tbl")
				c.must(c.eng.SetFaults(dynamo.FaultRule{Rate: 1, Kind: dynamo.FaultThrottling, Operations: []string{"PutItem"}, Tables: []string{"tbl"}, Seed: 7}))
			},
			do: func(c *env) (any, error) {
				return c.dbNoRetry.PutItem(c.ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: pk("a")})
			},
			wantErr: "ThrottlingException",
			check: func(c *env, _ any, _ error) {
				c.must(c.eng.SetFaults(dynamo.FaultRule{}))
				if it := c.get("tbl", pk("a")); it != nil {
					c.t.Errorf("throttled write was applied: %s", itemString(it))
				}
			}},
		{name: "Faults/reset-applied-but-transport-error", doc: "Developer Guide, Error handling → Error retries and exponential backoff (a request whose response is lost may still have been applied; that is why idempotent retries and ClientRequestToken exist)",
			engineOnly: eo,
			setup: func(c *env) {
				c.hashTable("tbl")
				if code := c.adminPost("/holdfast/faults", dynamo.FaultRule{Rate: 1, Kind: dynamo.FaultReset, Operations: []string{"PutItem"}, Seed: 7}); code != 200 {
					c.t.Fatalf("POST /holdfast/faults: HTTP %d", code)
				}
			},
			do: func(c *env) (any, error) {
				return c.dbNoRetry.PutItem(c.ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: item{"pk": S("a"), "v": S("written")}})
			},
			wantErr: transportError,
			check: func(c *env, out any, err error) {
				var body struct {
					Faults struct {
						Injected map[string]int64 `json:"injected"`
					} `json:"faults"`
				}
				c.adminGet("/holdfast/counters", &body)
				if body.Faults.Injected[dynamo.FaultReset] != 1 {
					c.t.Errorf("injected %v, want reset: 1", body.Faults.Injected)
				}
				c.must(c.eng.SetFaults(dynamo.FaultRule{}))
				c.wantItem("write applied despite the reset", c.get("tbl", pk("a")), item{"pk": S("a"), "v": S("written")})
			}},
		{name: "Faults/rule-scoped-to-other-table", doc: "API Reference, Common Errors → ThrottlingException (a rule on one table leaves the others served normally)",
			engineOnly: eo,
			setup: func(c *env) {
				c.hashTable("tbl")
				c.must(c.eng.SetFaults(dynamo.FaultRule{Rate: 1, Kind: dynamo.FaultThrottling, Tables: []string{"other"}, Seed: 7}))
			},
			do: func(c *env) (any, error) {
				return c.dbNoRetry.PutItem(c.ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: pk("a")})
			},
			check: func(c *env, _ any, _ error) {
				c.must(c.eng.SetFaults(dynamo.FaultRule{}))
				c.wantItem("written", c.get("tbl", pk("a")), pk("a"))
			}},
	}
}
