package eventsource_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"holdfast/shared/localcloud/eventsource"
	"holdfast/shared/platform/config"
	"holdfast/shared/platform/events"
	"holdfast/shared/platform/platformtest"
)

// widgetMapper is a small domain's mapper: WidgetCreated on insert, WidgetChanged when the
// version moves; items without an entity attribute (moto's keys-only INSERT) announce nothing.
func widgetMapper(rec lambdaevents.DynamoDBEventRecord) ([]events.Envelope, error) {
	img := events.Image(rec)
	if _, ok := events.StringAttr(img, "entity"); !ok {
		return nil, nil
	}
	typ := "WidgetCreated"
	switch {
	case rec.EventName == "REMOVE":
		return nil, nil
	case rec.EventName == "MODIFY" && events.ImagesEqual(rec):
		return nil, nil
	case rec.EventName == "MODIFY":
		typ = "WidgetChanged"
	}
	var w struct {
		PK      string `dynamodbav:"pk" json:"id"`
		Version int    `dynamodbav:"version" json:"version"`
		Colour  string `dynamodbav:"colour" json:"colour"`
	}
	if err := events.UnmarshalImage(img, &w); err != nil {
		return nil, err
	}
	env, err := events.NewFromRecord(rec, events.Meta{
		EventID: events.EventID(w.PK, fmt.Sprint(w.Version)), Domain: "widgets", Type: typ, Version: 1,
	}, w)
	if err != nil {
		return nil, err
	}
	return []events.Envelope{env}, nil
}

// TestRelayEndToEnd runs the whole event path of the local cloud: writes → stream mapping →
// relay function → EventBridge bus → rule → SQS queue → SQS mapping → consumer function.
func TestRelayEndToEnd(t *testing.T) {
	ctx, c := testCtx(t), newClients(t)
	streamARN := streamedTable(t, c.ddb, "widgets")
	platformtest.CreateTables(t, c.ddb, platformtest.Table{LogicalID: "IdempotencyTable", Name: "idempotency"})
	_, dlqARN := queue(t, ctx, c, "widget-events-dlq", nil)
	queueURL, queueARN := queue(t, ctx, c, "widget-events", map[string]string{"VisibilityTimeout": "2",
		"RedrivePolicy": fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":3}`, dlqARN)})
	eb := eventbridge.NewFromConfig(c.cfg)
	_, err := eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String("holdfast")})
	must(t, err)
	_, err = eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("widgets"), EventBusName: aws.String("holdfast"),
		EventPattern: aws.String(`{"source":["holdfast.widgets"]}`)})
	must(t, err)
	_, err = eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("widgets"), EventBusName: aws.String("holdfast"),
		Targets: []ebtypes.Target{{Id: aws.String("q"), Arn: aws.String(queueARN)}}})
	must(t, err)

	relay, err := events.RelayFromConfig(config.Config{EventBusName: "holdfast", IdempotencyTable: "idempotency"}, c.cfg, widgetMapper, testLogger(t))
	must(t, err)

	var mu sync.Mutex
	var consumed []events.Received
	relayFn := funcInvoker{fn: func(ctx context.Context, payload []byte) (any, error) {
		var ev lambdaevents.DynamoDBEvent
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, err
		}
		return relay.Handle(ctx, ev)
	}}
	consumerFn := funcInvoker{fn: func(_ context.Context, payload []byte) (any, error) {
		var ev lambdaevents.SQSEvent
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, err
		}
		for _, msg := range ev.Records {
			r, err := events.ParseSQS(msg)
			if err != nil {
				return nil, err
			}
			mu.Lock()
			consumed = append(consumed, r)
			mu.Unlock()
		}
		return nil, nil
	}}
	streams, err := eventsource.NewStreamMapping(c.streams, relayFn, eventsource.StreamConfig{Function: "WidgetsRelay",
		StreamARN: streamARN, ReportBatchItemFailures: true, PollInterval: 50 * time.Millisecond}, testLogger(t))
	must(t, err)
	consumer, err := eventsource.NewSQSMapping(c.sqs, consumerFn, eventsource.SQSConfig{Function: "WidgetWorker",
		QueueURL: queueURL, ReportBatchItemFailures: true, WaitTime: time.Second}, testLogger(t))
	must(t, err)
	must(t, streams.Start(ctx))
	defer streams.Stop()
	must(t, consumer.Start(ctx))
	defer consumer.Stop()

	update := func(pk string, version int, colour, corr string) {
		_, err := c.ddb.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("widgets"),
			Key:              map[string]ddbtypes.AttributeValue{"pk": s(pk), "sk": s("W")},
			UpdateExpression: aws.String("SET entity = :e, version = :v, colour = :c, correlationId = :r"),
			ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":e": s("WIDGET"), ":v": n(version),
				":c": s(colour), ":r": s(corr)}})
		must(t, err)
	}
	putItem(t, ctx, c.ddb, "widgets", map[string]ddbtypes.AttributeValue{"pk": s("w1"), "sk": s("W"), "entity": s("WIDGET"),
		"version": n(1), "colour": s("red"), "correlationId": s("corr-1")})
	update("w2", 1, "blue", "corr-2")  // creates w2: moto emits two INSERTs
	update("w1", 1, "red", "corr-1")   // changes nothing: moto emits a MODIFY with equal images
	update("w1", 2, "green", "corr-3") // a real change

	want := []string{"w1#1", "w1#2", "w2#1"}
	eventually(t, 20*time.Second, "three events at the consumer", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(consumed) >= len(want)
	})
	// No waiting for a duplicate that might come: a widget written last is relayed after every
	// record before it, and by then whatever the relay sent for those is on the queue. Once the
	// consumer has it and the queue holds nothing (visible or in flight), every event the relay
	// sent has been consumed and none can come back.
	putItem(t, ctx, c.ddb, "widgets", map[string]ddbtypes.AttributeValue{"pk": s("w9"), "sk": s("W"), "entity": s("WIDGET"),
		"version": n(1), "colour": s("white"), "correlationId": s("corr-9")})
	eventually(t, 20*time.Second, "the last widget's event consumed and the queue drained", func() bool {
		mu.Lock()
		last := slices.ContainsFunc(consumed, func(r events.Received) bool { return r.Meta.EventID == "w9#1" })
		mu.Unlock()
		return last && queueDepth(t, ctx, c, queueURL) == 0
	})
	streams.Stop()
	consumer.Stop()
	noLeaks(t)

	mu.Lock()
	defer mu.Unlock()
	var ids []string
	byID := map[string]events.Received{}
	for _, r := range consumed {
		ids = append(ids, r.Meta.EventID)
		byID[r.Meta.EventID] = r
	}
	slices.Sort(ids)
	if want := append(want, "w9#1"); !slices.Equal(ids, want) {
		t.Fatalf("consumer got %v, want each of %v exactly once", ids, want)
	}
	for id, want := range map[string]struct{ typ, corr, colour string }{
		"w1#1": {"WidgetCreated.v1", "corr-1", "red"},
		"w2#1": {"WidgetCreated.v1", "corr-2", "blue"},
		"w1#2": {"WidgetChanged.v1", "corr-3", "green"},
	} {
		r := byID[id]
		var data struct{ Colour string }
		must(t, r.Decode(&data))
		if r.DetailType() != want.typ || r.Source() != "holdfast.widgets" || r.Meta.CorrelationID != want.corr || data.Colour != want.colour {
			t.Errorf("%s: %s %s corr %s colour %s", id, r.Source(), r.DetailType(), r.Meta.CorrelationID, data.Colour)
		}
	}
}
