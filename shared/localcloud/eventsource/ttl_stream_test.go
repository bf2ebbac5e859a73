package eventsource_test

import (
	"context"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"holdfast/shared/localcloud/emulator/emulatortest"
	"holdfast/shared/localcloud/eventsource"
	"holdfast/shared/platform/platformtest"
)

// TTL on the embedded engine (Developer Guide, "Using time to live (TTL) in DynamoDB" and
// "DynamoDB Streams and Time to Live"): an expired item is deleted, and the deletion reaches a
// stream mapping as a REMOVE record whose userIdentity is the DynamoDB service. The mapping
// waits on the engine's change signal and its fallback poll is 10 minutes, so the record can
// only arrive because the change woke it.
func TestTTLDeletionReachesAStreamMapping(t *testing.T) {
	ctx := testCtx(t)
	e := emulatortest.Get(t)
	if e.Engine == nil {
		t.Fatal("this test needs the embedded DynamoDB engine (unset HOLDFAST_DYNAMODB)")
	}
	c := newClients(t)
	// The lending table as template.yaml declares it: a stream, and TTL on expiresAt.
	arn := aws.ToString(platformtest.CreateTable(t, c.ddb, "LendingTable", "ttl-stream").LatestStreamArn)
	past, future := int(time.Now().Add(-time.Minute).Unix()), int(time.Now().Add(time.Hour).Unix())
	putItem(t, ctx, c.ddb, "ttl-stream", map[string]ddbtypes.AttributeValue{"pk": s("old"), "sk": s("1"), "expiresAt": n(past)})
	putItem(t, ctx, c.ddb, "ttl-stream", map[string]ddbtypes.AttributeValue{"pk": s("live"), "sk": s("1"), "expiresAt": n(future)})

	var got recorder[lambdaevents.DynamoDBEventRecord]
	m := streamMapping(t, c, arn, funcInvoker{fn: func(_ context.Context, payload []byte) (any, error) {
		recs, err := decodeStream(payload)
		got.add(recs)
		return nil, err
	}}, eventsource.StreamConfig{Wake: e.Engine.Signal, PollInterval: 10 * time.Minute, StartingPosition: eventsource.StartLatest})
	must(t, m.Start(ctx))
	defer m.Stop()

	if n := e.Engine.SweepTTL(); n != 1 {
		t.Fatalf("the sweep deleted %d items, want the one expired item", n)
	}
	eventually(t, 10*time.Second, "the TTL REMOVE record reaches the mapping", func() bool { return len(flatten(got.snapshot())) > 0 })
	recs := flatten(got.snapshot())
	r := recs[0]
	if len(recs) != 1 || r.EventName != "REMOVE" || r.Change.Keys["pk"].String() != "old" {
		t.Fatalf("records %+v, want one REMOVE of pk=old", recs)
	}
	if r.UserIdentity == nil || r.UserIdentity.Type != "Service" || r.UserIdentity.PrincipalID != "dynamodb.amazonaws.com" {
		t.Fatalf("userIdentity %+v, want the DynamoDB service", r.UserIdentity)
	}
	if old := r.Change.OldImage["expiresAt"].Number(); old == "" {
		t.Fatalf("the REMOVE carries no old image: %+v", r.Change)
	}
	out, err := c.ddb.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("ttl-stream"),
		Key: map[string]ddbtypes.AttributeValue{"pk": s("old"), "sk": s("1")}})
	must(t, err)
	if out.Item != nil {
		t.Fatal("the expired item is still there")
	}
	live, err := c.ddb.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("ttl-stream"),
		Key: map[string]ddbtypes.AttributeValue{"pk": s("live"), "sk": s("1")}})
	must(t, err)
	if live.Item == nil {
		t.Fatal("an item that has not expired was deleted")
	}
}
