package events_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go/middleware"

	"holdfast/shared/localcloud/emulator/emulatortest"
	"holdfast/shared/localcloud/eventsource"
	"holdfast/shared/platform/events"
	"holdfast/shared/platform/platformtest"
)

func TestMain(m *testing.M) { emulatortest.Main(m) }

const (
	itemTable = "things"
	idemTable = "idempotency"
	busName   = "holdfast-test"
)

// world is one test's emulator state: a streamed table, the idempotency table, a bus with a rule
// that sends every Holdfast event to an SQS queue.
type world struct {
	ctx       context.Context
	cfg       aws.Config
	ddb       *dynamodb.Client
	streams   *dynamodbstreams.Client
	eb        *eventbridge.Client
	sqs       *sqs.Client
	queueURL  string
	streamARN string
	puts      *callCounter
	iterator  *string
}

// callCounter counts the API calls made through the clients it is installed on.
type callCounter struct {
	mu    sync.Mutex
	calls map[string]int
}

func (c *callCounter) middleware(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("test-call-counter",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			c.mu.Lock()
			c.calls[middleware.GetOperationName(ctx)]++
			c.mu.Unlock()
			return next.HandleInitialize(ctx, in)
		}), middleware.After)
}

func (c *callCounter) count(op string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[op]
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	cfg := emulatortest.Config(t)
	w := &world{ctx: ctx, cfg: cfg, puts: &callCounter{calls: map[string]int{}}}
	w.ddb = dynamodb.NewFromConfig(cfg)
	w.streams = dynamodbstreams.NewFromConfig(cfg)
	w.eb = eventbridge.NewFromConfig(cfg, func(o *eventbridge.Options) {
		o.APIOptions = append(o.APIOptions, w.puts.middleware)
	})
	w.sqs = sqs.NewFromConfig(cfg)

	// The relay's table is a streamed product table (the lending table: pk/sk, gsi1, gsi2, a
	// NEW_AND_OLD_IMAGES stream, TTL), with the idempotency table beside it.
	w.streamARN = aws.ToString(platformtest.CreateTable(t, w.ddb, "LendingTable", itemTable).LatestStreamArn)
	platformtest.CreateTables(t, w.ddb, platformtest.Table{LogicalID: "IdempotencyTable", Name: idemTable})

	q, err := w.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("events-target")})
	must(t, err)
	w.queueURL = aws.ToString(q.QueueUrl)
	qa, err := w.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl,
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	must(t, err)
	_, err = w.eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String(busName)})
	must(t, err)
	_, err = w.eb.PutRule(ctx, &eventbridge.PutRuleInput{
		Name: aws.String("all-holdfast"), EventBusName: aws.String(busName),
		EventPattern: aws.String(`{"source":[{"prefix":"holdfast."}]}`),
	})
	must(t, err)
	_, err = w.eb.PutTargets(ctx, &eventbridge.PutTargetsInput{
		Rule: aws.String("all-holdfast"), EventBusName: aws.String(busName),
		Targets: []ebtypes.Target{{Id: aws.String("queue"), Arn: aws.String(qa.Attributes["QueueArn"])}},
	})
	must(t, err)
	return w
}

// relay builds a relay with the test mapper (or m) on the world's clients.
func (w *world) relay(t *testing.T, m events.Mapper, ebOpts ...func(*eventbridge.Options)) *events.Relay {
	t.Helper()
	if m == nil {
		m = thingMapper
	}
	eb := w.eb
	if len(ebOpts) > 0 {
		eb = eventbridge.NewFromConfig(w.cfg, append([]func(*eventbridge.Options){func(o *eventbridge.Options) {
			o.APIOptions = append(o.APIOptions, w.puts.middleware)
		}}, ebOpts...)...)
	}
	pub, err := events.NewBusPublisher(eb, busName, events.BusPublisherOptions{BaseBackoff: time.Millisecond})
	must(t, err)
	r, err := events.NewRelay(events.RelayConfig{Mapper: m, Publisher: pub, Markers: w.ddb, MarkerTable: idemTable})
	must(t, err)
	return r
}

// readStream returns the stream records not read yet by this world, as Lambda would deliver them.
func (w *world) readStream(t *testing.T) lambdaevents.DynamoDBEvent {
	t.Helper()
	if w.iterator == nil {
		d, err := w.streams.DescribeStream(w.ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(w.streamARN)})
		must(t, err)
		it, err := w.streams.GetShardIterator(w.ctx, &dynamodbstreams.GetShardIteratorInput{
			StreamArn: aws.String(w.streamARN), ShardId: d.StreamDescription.Shards[0].ShardId,
			ShardIteratorType: streamtypes.ShardIteratorTypeTrimHorizon,
		})
		must(t, err)
		w.iterator = it.ShardIterator
	}
	out, err := w.streams.GetRecords(w.ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: w.iterator})
	must(t, err)
	w.iterator = out.NextShardIterator
	var ev lambdaevents.DynamoDBEvent
	for _, rec := range out.Records {
		r, err := eventsource.DynamoDBRecord(rec, w.streamARN)
		must(t, err)
		ev.Records = append(ev.Records, r)
	}
	return ev
}

// drain receives every message now on the target queue (waiting up to wait for the first).
func (w *world) drain(t *testing.T, wait time.Duration) []events.Received {
	t.Helper()
	var got []events.Received
	deadline := time.Now().Add(wait)
	for {
		waitSec := int32(0)
		if len(got) == 0 && time.Until(deadline) > 0 {
			waitSec = 1
		}
		out, err := w.sqs.ReceiveMessage(w.ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(w.queueURL), MaxNumberOfMessages: 10, WaitTimeSeconds: waitSec,
		})
		must(t, err)
		for _, m := range out.Messages {
			rec, err := events.Parse([]byte(aws.ToString(m.Body)))
			if err != nil {
				t.Fatalf("target got a message that is not a Holdfast event: %v\n%s", err, aws.ToString(m.Body))
			}
			got = append(got, rec)
			_, err = w.sqs.DeleteMessage(w.ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(w.queueURL), ReceiptHandle: m.ReceiptHandle})
			must(t, err)
		}
		if len(out.Messages) == 0 && (len(got) > 0 || time.Now().After(deadline)) {
			return got
		}
	}
}

func (w *world) put(t *testing.T, pk, sk string, version int, corr string) {
	t.Helper()
	_, err := w.ddb.PutItem(w.ctx, &dynamodb.PutItemInput{TableName: aws.String(itemTable), Item: map[string]ddbtypes.AttributeValue{
		"pk": &ddbtypes.AttributeValueMemberS{Value: pk}, "sk": &ddbtypes.AttributeValueMemberS{Value: sk},
		"entity":        &ddbtypes.AttributeValueMemberS{Value: "THING"},
		"version":       &ddbtypes.AttributeValueMemberN{Value: fmt.Sprint(version)},
		"name":          &ddbtypes.AttributeValueMemberS{Value: "thing " + pk},
		"correlationId": &ddbtypes.AttributeValueMemberS{Value: corr},
	}})
	must(t, err)
}

// update sets version, name and correlationId with UpdateItem (creating the item if absent).
func (w *world) update(t *testing.T, pk, sk string, version int, name, corr string) {
	t.Helper()
	_, err := w.ddb.UpdateItem(w.ctx, &dynamodb.UpdateItemInput{
		TableName:                aws.String(itemTable),
		Key:                      map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: pk}, "sk": &ddbtypes.AttributeValueMemberS{Value: sk}},
		UpdateExpression:         aws.String("SET entity = :e, version = :v, #n = :n, correlationId = :c"),
		ExpressionAttributeNames: map[string]string{"#n": "name"},
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{
			":e": &ddbtypes.AttributeValueMemberS{Value: "THING"},
			":v": &ddbtypes.AttributeValueMemberN{Value: fmt.Sprint(version)},
			":n": &ddbtypes.AttributeValueMemberS{Value: name},
			":c": &ddbtypes.AttributeValueMemberS{Value: corr},
		},
	})
	must(t, err)
}

// thing is the test domain's item.
type thing struct {
	PK      string `dynamodbav:"pk" json:"pk"`
	SK      string `dynamodbav:"sk" json:"sk"`
	Entity  string `dynamodbav:"entity" json:"-"`
	Version int    `dynamodbav:"version" json:"version"`
	Name    string `dynamodbav:"name" json:"name"`
}

// thingMapper announces ThingCreated on insert and ThingRenamed when a version changes; it keys
// on the entity attribute, so moto's keys-only INSERT announces nothing.
func thingMapper(rec lambdaevents.DynamoDBEventRecord) ([]events.Envelope, error) {
	if _, ok := events.StringAttr(events.Image(rec), "entity"); !ok {
		return nil, nil
	}
	var typ string
	switch rec.EventName {
	case "INSERT":
		typ = "ThingCreated"
	case "MODIFY":
		if events.ImagesEqual(rec) {
			return nil, nil
		}
		typ = "ThingRenamed"
	default:
		return nil, nil
	}
	var th thing
	if err := events.UnmarshalImage(rec.Change.NewImage, &th); err != nil {
		return nil, err
	}
	env, err := events.NewFromRecord(rec, events.Meta{
		EventID: events.EventID(th.PK, th.SK, fmt.Sprint(th.Version)),
		Domain:  "test", Type: typ, Version: 1,
	}, th)
	if err != nil {
		return nil, err
	}
	return []events.Envelope{env}, nil
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
