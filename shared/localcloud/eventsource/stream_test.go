package eventsource_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"sync"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"

	"holdfast/shared/localcloud/eventsource"
	"holdfast/shared/platform/platformtest"
)

func decodeStream(payload []byte) ([]lambdaevents.DynamoDBEventRecord, error) {
	var ev lambdaevents.DynamoDBEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, err
	}
	return ev.Records, nil
}

func keysOf(recs []lambdaevents.DynamoDBEventRecord) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.Change.Keys["pk"].String()
	}
	return out
}

func flatten[T any](batches [][]T) []T {
	var out []T
	for _, b := range batches {
		out = append(out, b...)
	}
	return out
}

func streamMapping(t *testing.T, c clients, arn string, inv funcInvoker, cfg eventsource.StreamConfig) *eventsource.StreamMapping {
	t.Helper()
	return streamMappingOn(t, c.streams, arn, inv, cfg)
}

func streamMappingOn(t *testing.T, api eventsource.StreamsAPI, arn string, inv funcInvoker, cfg eventsource.StreamConfig) *eventsource.StreamMapping {
	t.Helper()
	cfg.Function, cfg.StreamARN = "Handler", arn
	if cfg.PollInterval == 0 {
		cfg.PollInterval = 50 * time.Millisecond
	}
	if cfg.RetryBackoff == 0 {
		cfg.RetryBackoff = 10 * time.Millisecond
	}
	m, err := eventsource.NewStreamMapping(api, inv, cfg, testLogger(t))
	must(t, err)
	return m
}

// recordsSpy is a DynamoDB Streams client that tells when a GetRecords first returns records.
type recordsSpy struct {
	*dynamodbstreams.Client
	firstRecords chan struct{}
	once         sync.Once
}

func (s *recordsSpy) GetRecords(ctx context.Context, in *dynamodbstreams.GetRecordsInput, optFns ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error) {
	out, err := s.Client.GetRecords(ctx, in, optFns...)
	if err == nil && len(out.Records) > 0 {
		s.once.Do(func() { close(s.firstRecords) })
	}
	return out, err
}

func TestStreamDeliversRecordsInOrderWithTheAWSShape(t *testing.T) {
	ctx, c := testCtx(t), newClients(t)
	arn := streamedTable(t, c.ddb, "items")
	var rec recorder[lambdaevents.DynamoDBEventRecord]
	var raw recorder[map[string]any]
	inv := funcInvoker{fn: func(_ context.Context, payload []byte) (any, error) {
		recs, err := decodeStream(payload)
		if err != nil {
			return nil, err
		}
		var generic struct{ Records []map[string]any }
		if err := json.Unmarshal(payload, &generic); err != nil {
			return nil, err
		}
		rec.add(recs)
		raw.add(generic.Records)
		return nil, nil
	}}
	m := streamMapping(t, c, arn, inv, eventsource.StreamConfig{BatchSize: 2})
	must(t, m.Start(ctx))
	defer m.Stop()
	before := time.Now().Add(-time.Second)
	for i := range 5 {
		putItem(t, ctx, c.ddb, "items", map[string]ddbtypes.AttributeValue{"pk": s(fmt.Sprint("k", i)), "sk": s("1"), "n": n(i)})
	}
	_, err := c.ddb.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("items"),
		Key: map[string]ddbtypes.AttributeValue{"pk": s("k0"), "sk": s("1")}, UpdateExpression: aws.String("SET n = :n"),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":n": n(100)}})
	must(t, err)
	_, err = c.ddb.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("items"),
		Key: map[string]ddbtypes.AttributeValue{"pk": s("k1"), "sk": s("1")}})
	must(t, err)
	eventually(t, 10*time.Second, "7 records", func() bool { return len(flatten(rec.snapshot())) == 7 })
	m.Stop()
	noLeaks(t)

	for _, b := range rec.snapshot() {
		if len(b) > 2 {
			t.Errorf("batch of %d records, BatchSize is 2", len(b))
		}
	}
	all := flatten(rec.snapshot())
	if got, want := keysOf(all), []string{"k0", "k1", "k2", "k3", "k4", "k0", "k1"}; !slices.Equal(got, want) {
		t.Fatalf("keys in delivery order %v, want %v", got, want)
	}
	var prev *big.Int
	for i, r := range all {
		seq, ok := new(big.Int).SetString(r.Change.SequenceNumber, 10)
		if !ok || (prev != nil && seq.Cmp(prev) <= 0) {
			t.Fatalf("record %d sequence %s not after %v", i, r.Change.SequenceNumber, prev)
		}
		prev = seq
		if r.EventSource != "aws:dynamodb" || r.EventSourceArn != arn || r.AWSRegion != "us-east-1" || r.EventID == "" ||
			r.EventVersion == "" || r.Change.StreamViewType != "NEW_AND_OLD_IMAGES" || r.Change.SizeBytes <= 0 {
			t.Errorf("record %d shape %+v", i, r)
		}
		if at := r.Change.ApproximateCreationDateTime.Time; at.Before(before.Truncate(time.Second)) || at.After(time.Now()) || at.Nanosecond() != 0 {
			t.Errorf("record %d ApproximateCreationDateTime %v", i, at)
		}
	}
	want := []struct {
		name     string
		old, new bool
		n        string
	}{{"INSERT", false, true, "0"}, {"MODIFY", true, true, "100"}, {"REMOVE", true, false, ""}}
	for i, w := range want {
		r := all[[]int{0, 5, 6}[i]]
		if r.EventName != w.name || (r.Change.OldImage != nil) != w.old || (r.Change.NewImage != nil) != w.new {
			t.Errorf("%s record: name %s old %v new %v", w.name, r.EventName, r.Change.OldImage != nil, r.Change.NewImage != nil)
		}
		if w.new && r.Change.NewImage["n"].Number() != w.n {
			t.Errorf("%s record NewImage %v", w.name, r.Change.NewImage)
		}
	}
	// The JSON itself, as a function in another language would read it.
	first := flatten(raw.snapshot())[0]
	d, _ := first["dynamodb"].(map[string]any)
	if _, ok := d["ApproximateCreationDateTime"].(float64); !ok || first["eventSourceARN"] != arn || first["eventName"] != "INSERT" {
		t.Errorf("raw record %v", first)
	}
	if keys, _ := d["Keys"].(map[string]any); keys["pk"].(map[string]any)["S"] != "k0" {
		t.Errorf("raw keys %v", d["Keys"])
	}
}

func TestStreamRetriesFromTheFirstFailedRecord(t *testing.T) {
	ctx, c := testCtx(t), newClients(t)
	arn := streamedTable(t, c.ddb, "items")
	for i := range 4 {
		putItem(t, ctx, c.ddb, "items", map[string]ddbtypes.AttributeValue{"pk": s(fmt.Sprint("k", i)), "sk": s("1")})
	}
	var rec recorder[lambdaevents.DynamoDBEventRecord]
	inv := funcInvoker{fn: func(_ context.Context, payload []byte) (any, error) {
		recs, err := decodeStream(payload)
		if err != nil {
			return nil, err
		}
		resp := lambdaevents.DynamoDBEventResponse{}
		if rec.add(recs) == 1 {
			resp.BatchItemFailures = []lambdaevents.DynamoDBBatchItemFailure{
				{ItemIdentifier: recs[1].Change.SequenceNumber}, {ItemIdentifier: recs[3].Change.SequenceNumber},
			}
		}
		return resp, nil
	}}
	m := streamMapping(t, c, arn, inv, eventsource.StreamConfig{ReportBatchItemFailures: true})
	must(t, m.Start(ctx))
	defer m.Stop()
	eventually(t, 10*time.Second, "the retry", func() bool { return len(rec.snapshot()) >= 2 })
	// A record written after the retry began comes after everything before it: once it is
	// delivered, a second retry of k1…k3 (there must be none) would have come before it.
	putItem(t, ctx, c.ddb, "items", map[string]ddbtypes.AttributeValue{"pk": s("last"), "sk": s("1")})
	eventually(t, 10*time.Second, "the record written last", func() bool {
		return slices.Contains(keysOf(flatten(rec.snapshot())), "last")
	})
	m.Stop()
	batches := rec.snapshot()
	if len(batches) != 3 || !slices.Equal(keysOf(batches[0]), []string{"k0", "k1", "k2", "k3"}) ||
		!slices.Equal(keysOf(batches[1]), []string{"k1", "k2", "k3"}) || !slices.Equal(keysOf(batches[2]), []string{"last"}) {
		t.Fatalf("batches %v", batchKeys(batches))
	}
}

func batchKeys(batches [][]lambdaevents.DynamoDBEventRecord) [][]string {
	out := make([][]string, len(batches))
	for i, b := range batches {
		out[i] = keysOf(b)
	}
	return out
}

func TestStreamRetriesAFailingBatchThenSkipsIt(t *testing.T) {
	ctx, c := testCtx(t), newClients(t)
	arn := streamedTable(t, c.ddb, "items")
	putItem(t, ctx, c.ddb, "items", map[string]ddbtypes.AttributeValue{"pk": s("poison"), "sk": s("1")})
	putItem(t, ctx, c.ddb, "items", map[string]ddbtypes.AttributeValue{"pk": s("after"), "sk": s("1")})
	var rec recorder[lambdaevents.DynamoDBEventRecord]
	inv := funcInvoker{fn: func(_ context.Context, payload []byte) (any, error) {
		recs, err := decodeStream(payload)
		if err != nil {
			return nil, err
		}
		rec.add(recs)
		if recs[0].Change.Keys["pk"].String() == "poison" {
			return nil, errors.New("cannot handle poison")
		}
		return nil, nil
	}}
	retries := 2
	m := streamMapping(t, c, arn, inv, eventsource.StreamConfig{BatchSize: 1, MaximumRetryAttempts: &retries})
	must(t, m.Start(ctx))
	defer m.Stop()
	eventually(t, 10*time.Second, "the record after the poison", func() bool {
		all := keysOf(flatten(rec.snapshot()))
		return len(all) > 0 && all[len(all)-1] == "after"
	})
	m.Stop()
	if got, want := keysOf(flatten(rec.snapshot())), []string{"poison", "poison", "poison", "after"}; !slices.Equal(got, want) {
		t.Fatalf("deliveries %v, want %v (first try + 2 retries, then skipped)", got, want)
	}
}

func TestStreamLatestStartsAtTheTip(t *testing.T) {
	ctx, c := testCtx(t), newClients(t)
	arn := streamedTable(t, c.ddb, "items")
	putItem(t, ctx, c.ddb, "items", map[string]ddbtypes.AttributeValue{"pk": s("before"), "sk": s("1")})
	var rec recorder[lambdaevents.DynamoDBEventRecord]
	inv := funcInvoker{fn: func(_ context.Context, payload []byte) (any, error) {
		recs, err := decodeStream(payload)
		if err != nil {
			return nil, err
		}
		rec.add(recs)
		return nil, nil
	}}
	m := streamMapping(t, c, arn, inv, eventsource.StreamConfig{StartingPosition: eventsource.StartLatest})
	must(t, m.Start(ctx))
	defer m.Stop()
	putItem(t, ctx, c.ddb, "items", map[string]ddbtypes.AttributeValue{"pk": s("after"), "sk": s("1")})
	// "before" precedes "after" in the shard: had the mapping started at the trim horizon, it
	// would have been delivered before (or with) "after", so nothing needs waiting for after it.
	eventually(t, 10*time.Second, "the record written after Start", func() bool {
		return slices.Contains(keysOf(flatten(rec.snapshot())), "after")
	})
	m.Stop()
	if got := keysOf(flatten(rec.snapshot())); !slices.Equal(got, []string{"after"}) {
		t.Fatalf("deliveries %v, want [after]", got)
	}
}

func TestStreamBatchingWindowFillsTheBatch(t *testing.T) {
	ctx, c := testCtx(t), newClients(t)
	arn := streamedTable(t, c.ddb, "items")
	var rec recorder[lambdaevents.DynamoDBEventRecord]
	inv := funcInvoker{fn: func(_ context.Context, payload []byte) (any, error) {
		recs, err := decodeStream(payload)
		if err != nil {
			return nil, err
		}
		rec.add(recs)
		return nil, nil
	}}
	// The window is long so that it never closes here on its own: the batch is invoked when it
	// holds 3 records. k0 is read on its own, and only then are k1 and k2 written: they reach
	// the batch through the window (a mapping without one would invoke k0 alone).
	spy := &recordsSpy{Client: c.streams, firstRecords: make(chan struct{})}
	m := streamMappingOn(t, spy, arn, inv, eventsource.StreamConfig{BatchSize: 3, MaximumBatchingWindow: 60 * time.Second})
	must(t, m.Start(ctx))
	defer m.Stop()
	putItem(t, ctx, c.ddb, "items", map[string]ddbtypes.AttributeValue{"pk": s("k0"), "sk": s("1")})
	receiveOf(t, spy.firstRecords, "k0 read from the stream")
	for i := 1; i < 3; i++ {
		putItem(t, ctx, c.ddb, "items", map[string]ddbtypes.AttributeValue{"pk": s(fmt.Sprint("k", i)), "sk": s("1")})
	}
	eventually(t, 10*time.Second, "a batch", func() bool { return len(rec.snapshot()) > 0 })
	m.Stop()
	if got := batchKeys(rec.snapshot()); len(got) != 1 || len(got[0]) != 3 {
		t.Fatalf("batches %v, want one of 3", got)
	}
}

func TestStreamStartFailsForAMissingStream(t *testing.T) {
	ctx, c := testCtx(t), newClients(t)
	inv := funcInvoker{fn: func(context.Context, []byte) (any, error) { return nil, nil }}
	m := streamMapping(t, c, "arn:aws:dynamodb:us-east-1:123456789012:table/missing/stream/2026-01-01T00:00:00.000", inv, eventsource.StreamConfig{})
	if err := m.Start(ctx); err == nil {
		m.Stop()
		t.Fatal("Start succeeded for a missing stream")
	}
	noLeaks(t)
}

func TestLatestStreamARN(t *testing.T) {
	ctx, c := testCtx(t), newClients(t)
	arn := streamedTable(t, c.ddb, "items")
	got, err := eventsource.LatestStreamARN(ctx, c.ddb, "items")
	must(t, err)
	if got != arn {
		t.Fatalf("LatestStreamARN = %s, want %s", got, arn)
	}
	platformtest.CreateTables(t, c.ddb, platformtest.Table{LogicalID: "AuditTable", Name: "plain"}) // no stream
	if _, err := eventsource.LatestStreamARN(ctx, c.ddb, "plain"); err == nil {
		t.Fatal("a table without a stream has a stream ARN")
	}
	if _, err := eventsource.LatestStreamARN(ctx, c.ddb, "missing"); err == nil {
		t.Fatal("a missing table has a stream ARN")
	}
}

func TestNewStreamMappingValidatesTheTemplateValues(t *testing.T) {
	c := newClients(t)
	inv := funcInvoker{fn: func(context.Context, []byte) (any, error) { return nil, nil }}
	neg, big := -2, 10001
	bad := []eventsource.StreamConfig{
		{StreamARN: "a"},
		{Function: "f"},
		{Function: "f", StreamARN: "a", StartingPosition: "AT_TIMESTAMP"},
		{Function: "f", StreamARN: "a", BatchSize: 10001},
		{Function: "f", StreamARN: "a", MaximumBatchingWindow: 301 * time.Second},
		{Function: "f", StreamARN: "a", MaximumRetryAttempts: &neg},
		{Function: "f", StreamARN: "a", MaximumRetryAttempts: &big},
	}
	for _, cfg := range bad {
		if _, err := eventsource.NewStreamMapping(c.streams, inv, cfg, nil); err == nil {
			t.Errorf("config %+v accepted", cfg)
		}
	}
	unlimited := -1
	if _, err := eventsource.NewStreamMapping(c.streams, inv, eventsource.StreamConfig{Function: "f", StreamARN: "a", MaximumRetryAttempts: &unlimited}, nil); err != nil {
		t.Errorf("MaximumRetryAttempts -1 rejected: %v", err)
	}
}
