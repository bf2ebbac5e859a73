package events_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/smithy-go/middleware"

	"holdfast/shared/platform/config"
	"holdfast/shared/platform/events"
)

// writeScenario performs the writes every relay test starts from: a PutItem, an UpdateItem that
// creates an item (moto emits two INSERTs), a no-op UpdateItem (moto emits a MODIFY with equal
// images) and a real update.
func writeScenario(t *testing.T, w *world) {
	t.Helper()
	w.put(t, "a", "1", 1, "corr-a")
	w.update(t, "b", "1", 1, "thing b", "corr-b")
	w.update(t, "a", "1", 1, "thing a", "corr-a") // same values as the put: a no-op write
	w.update(t, "a", "1", 2, "renamed a", "corr-a2")
}

func eventIDs(got []events.Received) []string {
	ids := make([]string, len(got))
	for i, r := range got {
		ids[i] = r.Meta.EventID
	}
	sort.Strings(ids)
	return ids
}

func TestRelayPublishesOneEventPerLogicalChange(t *testing.T) {
	w := newWorld(t)
	writeScenario(t, w)
	batch := w.readStream(t)

	// What moto did to the stream is part of what the relay must absorb.
	var names []string
	for _, r := range batch.Records {
		names = append(names, r.EventName)
	}
	if want := []string{"INSERT", "INSERT", "INSERT", "MODIFY", "MODIFY"}; !slices.Equal(names, want) {
		t.Logf("stream records %v differ from the moto 5.2 shape %v (fine on another emulator)", names, want)
	}

	resp, err := w.relay(t, nil).Handle(w.ctx, batch)
	must(t, err)
	if len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures: %+v", resp.BatchItemFailures)
	}
	if got := w.puts.count("PutEvents"); got != 1 {
		t.Errorf("PutEvents calls = %d, want 1 (3 events fit one call)", got)
	}
	got := w.drain(t, 5*time.Second)
	if ids, want := eventIDs(got), []string{"a#1#1", "a#1#2", "b#1#1"}; !slices.Equal(ids, want) {
		t.Fatalf("event IDs on the target = %v, want %v", ids, want)
	}
	byID := map[string]events.Received{}
	for _, r := range got {
		byID[r.Meta.EventID] = r
	}
	checks := []struct {
		id, detailType, corr, name string
	}{
		{"a#1#1", "ThingCreated.v1", "corr-a", "thing a"},
		{"b#1#1", "ThingCreated.v1", "corr-b", "thing b"},
		{"a#1#2", "ThingRenamed.v1", "corr-a2", "renamed a"},
	}
	for _, c := range checks {
		r := byID[c.id]
		if r.Source() != "holdfast.test" || r.DetailType() != c.detailType {
			t.Errorf("%s: source %q detail-type %q", c.id, r.Source(), r.DetailType())
		}
		if r.Meta.CorrelationID != c.corr {
			t.Errorf("%s: correlationId %q, want %q", c.id, r.Meta.CorrelationID, c.corr)
		}
		if r.Meta.OccurredAt.IsZero() || r.Meta.OccurredAt.Location() != time.UTC {
			t.Errorf("%s: occurredAt %v", c.id, r.Meta.OccurredAt)
		}
		var th thing
		must(t, r.Decode(&th))
		if th.Name != c.name {
			t.Errorf("%s: data name %q, want %q (the full image, not moto's keys-only INSERT)", c.id, th.Name, c.name)
		}
	}

	// The same batch again (Lambda redelivering it): markers stop every republication.
	resp, err = w.relay(t, nil).Handle(w.ctx, batch)
	must(t, err)
	if len(resp.BatchItemFailures) != 0 {
		t.Fatalf("redelivery failures: %+v", resp.BatchItemFailures)
	}
	if got := w.puts.count("PutEvents"); got != 1 {
		t.Errorf("PutEvents calls after redelivery = %d, want still 1", got)
	}
	if again := w.drain(t, 300*time.Millisecond); len(again) != 0 {
		t.Errorf("redelivery published %d more events: %v", len(again), eventIDs(again))
	}

	// The markers live in the idempotency table under relay#<eventId>, with a TTL.
	item, err := w.ddb.GetItem(w.ctx, &dynamodb.GetItemInput{TableName: aws.String(idemTable),
		Key: map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: "relay#a#1#2"}}})
	must(t, err)
	exp, ok := item.Item["expiresAt"].(*ddbtypes.AttributeValueMemberN)
	if !ok {
		t.Fatalf("marker relay#a#1#2 missing or without expiresAt: %v", item.Item)
	}
	var expires int64
	fmt.Sscan(exp.Value, &expires)
	if d := time.Until(time.Unix(expires, 0)); d < 47*time.Hour || d > 49*time.Hour {
		t.Errorf("marker expires in %v, want about 48h", d)
	}
}

func TestRelayBatchesPutEventsByTen(t *testing.T) {
	w := newWorld(t)
	for i := range 12 {
		w.put(t, fmt.Sprintf("n%02d", i), "1", 1, "corr")
	}
	batch := w.readStream(t)
	resp, err := w.relay(t, nil).Handle(w.ctx, batch)
	must(t, err)
	if len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures: %+v", resp.BatchItemFailures)
	}
	if got := w.puts.count("PutEvents"); got != 2 {
		t.Errorf("PutEvents calls = %d, want 2 for 12 events", got)
	}
	if got := w.drain(t, 5*time.Second); len(got) != 12 {
		t.Errorf("target got %d events, want 12", len(got))
	}
}

// corruptDetail is fault injection: an SDK middleware that makes EventBridge reject the entries
// whose event ID matches, by breaking their detail JSON, while the times function says so.
func corruptDetail(match string, times func() bool) func(*eventbridge.Options) {
	return func(o *eventbridge.Options) {
		o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
			return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("test-corrupt-detail",
				func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
					if put, ok := in.Parameters.(*eventbridge.PutEventsInput); ok {
						for i, e := range put.Entries {
							if strings.Contains(aws.ToString(e.Detail), `"eventId":"`+match+`"`) && times() {
								put.Entries[i].Detail = aws.String("{not json")
							}
						}
					}
					return next.HandleInitialize(ctx, in)
				}), middleware.Before)
		})
	}
}

func TestRelayRetriesOnlyRejectedEntries(t *testing.T) {
	w := newWorld(t)
	writeScenario(t, w)
	batch := w.readStream(t)
	var once atomic.Bool
	r := w.relay(t, nil, corruptDetail("b#1#1", func() bool { return once.CompareAndSwap(false, true) }))
	resp, err := r.Handle(w.ctx, batch)
	must(t, err)
	if len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures: %+v", resp.BatchItemFailures)
	}
	if got := w.puts.count("PutEvents"); got != 2 {
		t.Errorf("PutEvents calls = %d, want 2 (one for all, one resending the rejected entry)", got)
	}
	if ids, want := eventIDs(w.drain(t, 5*time.Second)), []string{"a#1#1", "a#1#2", "b#1#1"}; !slices.Equal(ids, want) {
		t.Fatalf("event IDs = %v, want %v", ids, want)
	}
}

func TestRelayReportsFirstUnpublishedRecordAndResumes(t *testing.T) {
	w := newWorld(t)
	writeScenario(t, w)
	batch := w.readStream(t)
	r := w.relay(t, nil, corruptDetail("b#1#1", func() bool { return true }))
	resp, err := r.Handle(w.ctx, batch)
	must(t, err)
	if len(resp.BatchItemFailures) != 1 {
		t.Fatalf("failures: %+v, want exactly one", resp.BatchItemFailures)
	}
	// b's event came from the second INSERT for b (moto) or the only one (AWS); its first record
	// is where the mapping must resume.
	failedSeq := resp.BatchItemFailures[0].ItemIdentifier
	first := firstRecordOf(batch, "b")
	if first < 0 || batch.Records[first].Change.SequenceNumber != failedSeq {
		t.Fatalf("reported %s, want the sequence number of b's INSERT (record %d)", failedSeq, first)
	}
	// Every entry the bus accepted is out (and marked); only the one it kept rejecting is not.
	if ids, want := eventIDs(w.drain(t, 5*time.Second)), []string{"a#1#1", "a#1#2"}; !slices.Equal(ids, want) {
		t.Fatalf("published %v, want %v", ids, want)
	}

	// Lambda retries from the reported record; the fault is gone.
	var retry lambdaevents.DynamoDBEvent
	for i, rec := range batch.Records {
		if i >= first {
			retry.Records = append(retry.Records, rec)
		}
	}
	resp, err = w.relay(t, nil).Handle(w.ctx, retry)
	must(t, err)
	if len(resp.BatchItemFailures) != 0 {
		t.Fatalf("retry failures: %+v", resp.BatchItemFailures)
	}
	if ids, want := eventIDs(w.drain(t, 5*time.Second)), []string{"b#1#1"}; !slices.Equal(ids, want) {
		t.Fatalf("retry published %v, want %v (a#1#2 is already marked)", ids, want)
	}
}

func TestRelayStopsAtARecordItCannotMap(t *testing.T) {
	w := newWorld(t)
	writeScenario(t, w)
	batch := w.readStream(t)
	badSeq := batch.Records[len(batch.Records)-1].Change.SequenceNumber
	mapper := func(rec lambdaevents.DynamoDBEventRecord) ([]events.Envelope, error) {
		if rec.Change.SequenceNumber == badSeq {
			return nil, errors.New("cannot read this item")
		}
		return thingMapper(rec)
	}
	resp, err := w.relay(t, mapper).Handle(w.ctx, batch)
	must(t, err)
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != badSeq {
		t.Fatalf("failures %+v, want only %s", resp.BatchItemFailures, badSeq)
	}
	if ids, want := eventIDs(w.drain(t, 5*time.Second)), []string{"a#1#1", "b#1#1"}; !slices.Equal(ids, want) {
		t.Fatalf("published %v, want %v", ids, want)
	}
}

func TestRelayTurnsAMapperPanicIntoAFailure(t *testing.T) {
	w := newWorld(t)
	w.put(t, "a", "1", 1, "corr-a")
	batch := w.readStream(t)
	mapper := func(rec lambdaevents.DynamoDBEventRecord) ([]events.Envelope, error) {
		_ = rec.Change.NewImage["pk"].Number() // a string attribute: aws-lambda-go panics
		return nil, nil
	}
	resp, err := w.relay(t, mapper).Handle(w.ctx, batch)
	must(t, err)
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != batch.Records[0].Change.SequenceNumber {
		t.Fatalf("failures %+v, want the first record", resp.BatchItemFailures)
	}
}

func TestRelayFailsTheBatchWhenMarkersCannotBeRead(t *testing.T) {
	w := newWorld(t)
	writeScenario(t, w)
	batch := w.readStream(t)
	pub, err := events.NewBusPublisher(w.eb, busName, events.BusPublisherOptions{})
	must(t, err)
	r, err := events.NewRelay(events.RelayConfig{Mapper: thingMapper, Publisher: pub, Markers: w.ddb, MarkerTable: "no-such-table"})
	must(t, err)
	resp, err := r.Handle(w.ctx, batch)
	must(t, err)
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != batch.Records[0].Change.SequenceNumber {
		t.Fatalf("failures %+v, want the first record (the first that announces anything)", resp.BatchItemFailures)
	}
	if w.puts.count("PutEvents") != 0 {
		t.Errorf("published although markers could not be read")
	}
}

func TestRelayWithNothingToAnnounce(t *testing.T) {
	w := newWorld(t)
	w.put(t, "a", "1", 1, "corr-a")
	w.put(t, "a", "1", 1, "corr-a") // moto: MODIFY with equal images
	batch := w.readStream(t)
	resp, err := w.relay(t, nil).Handle(w.ctx, lambdaevents.DynamoDBEvent{Records: batch.Records[1:]})
	must(t, err)
	if len(resp.BatchItemFailures) != 0 || w.puts.count("PutEvents") != 0 {
		t.Fatalf("failures %+v, PutEvents %d; want none", resp.BatchItemFailures, w.puts.count("PutEvents"))
	}
	resp, err = w.relay(t, nil).Handle(w.ctx, lambdaevents.DynamoDBEvent{})
	must(t, err)
	if len(resp.BatchItemFailures) != 0 {
		t.Fatalf("empty batch failures %+v", resp.BatchItemFailures)
	}
}

func TestRelayFromConfig(t *testing.T) {
	w := newWorld(t)
	r, err := events.RelayFromConfig(config.Config{EventBusName: busName, IdempotencyTable: idemTable}, w.cfg, thingMapper, nil)
	must(t, err)
	w.put(t, "a", "1", 1, "corr-a")
	resp, err := r.Handle(w.ctx, w.readStream(t))
	must(t, err)
	if len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %+v", resp.BatchItemFailures)
	}
	if got := w.drain(t, 5*time.Second); len(got) != 1 {
		t.Fatalf("got %d events, want 1", len(got))
	}

	if _, err := events.RelayFromConfig(config.Config{IdempotencyTable: idemTable}, w.cfg, thingMapper, nil); err == nil ||
		!strings.Contains(err.Error(), "EVENT_BUS_NAME is not set") {
		t.Fatalf("RelayFromConfig without EVENT_BUS_NAME: %v", err)
	}
}

func TestNewRelayNamesWhatIsMissing(t *testing.T) {
	_, err := events.NewRelay(events.RelayConfig{})
	if err == nil || !strings.Contains(err.Error(), "Mapper") || !strings.Contains(err.Error(), "MarkerTable") {
		t.Fatalf("err = %v", err)
	}
}

func TestBusPublisherStopsAtAnInvalidEntry(t *testing.T) {
	w := newWorld(t)
	mk := func(id string, size int) events.Envelope {
		env, err := events.New(events.Meta{EventID: id, CorrelationID: "c", OccurredAt: time.Now(), Domain: "test", Type: "Big", Version: 1},
			map[string]string{"blob": strings.Repeat("x", size)})
		must(t, err)
		return env
	}
	pub, err := events.NewBusPublisher(w.eb, busName, events.BusPublisherOptions{})
	must(t, err)
	err = pub.Publish(w.ctx, []events.Envelope{mk("small-1", 10), mk("huge", events.MaxEntryBytes), mk("small-2", 10)})
	var pe *events.PublishError
	if !errors.As(err, &pe) || len(pe.Failed) != 2 || pe.Failed[0].Index != 1 || pe.Failed[0].Code != "InvalidEntry" ||
		pe.Failed[1].Index != 2 || pe.Failed[1].Code != "NotAttempted" || !errors.Is(err, events.ErrInvalidEnvelope) {
		t.Fatalf("err = %v (%+v)", err, pe)
	}
	if ids := eventIDs(w.drain(t, 5*time.Second)); !slices.Equal(ids, []string{"small-1"}) {
		t.Fatalf("published %v, want [small-1]", ids)
	}
}

func TestBusPublisherReportsACallFailureForEveryEntry(t *testing.T) {
	w := newWorld(t)
	pub, err := events.NewBusPublisher(w.eb, "no-such-bus", events.BusPublisherOptions{})
	must(t, err)
	env, err := events.New(validMeta(), map[string]int{})
	must(t, err)
	err = pub.Publish(w.ctx, []events.Envelope{env, env})
	var pe *events.PublishError
	if !errors.As(err, &pe) || len(pe.Failed) != 2 || pe.Failed[0].Code != "CallFailed" || pe.Err == nil {
		t.Fatalf("err = %v (%+v)", err, pe)
	}
	if _, err := events.NewBusPublisher(nil, "b", events.BusPublisherOptions{}); err == nil {
		t.Error("nil client accepted")
	}
	if _, err := events.NewBusPublisher(w.eb, "", events.BusPublisherOptions{}); err == nil {
		t.Error("empty bus accepted")
	}
}

func TestRelayReportsTheRecordOfAnOversizeEvent(t *testing.T) {
	w := newWorld(t)
	writeScenario(t, w)
	batch := w.readStream(t)
	mapper := func(rec lambdaevents.DynamoDBEventRecord) ([]events.Envelope, error) {
		envs, err := thingMapper(rec)
		if err != nil || len(envs) == 0 {
			return envs, err
		}
		if envs[0].Meta.EventID == "b#1#1" {
			envs[0].Data = []byte(`{"blob":"` + strings.Repeat("x", events.MaxEntryBytes) + `"}`)
		}
		return envs, nil
	}
	resp, err := w.relay(t, mapper).Handle(w.ctx, batch)
	must(t, err)
	if b := firstRecordOf(batch, "b"); len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != batch.Records[b].Change.SequenceNumber {
		t.Fatalf("failures %+v, want record %d (b's INSERT with attributes)", resp.BatchItemFailures, b)
	}
	if ids := eventIDs(w.drain(t, 5*time.Second)); !slices.Equal(ids, []string{"a#1#1"}) {
		t.Fatalf("published %v, want [a#1#1]", ids)
	}
}

// firstRecordOf is the index of the first record of item pk that carries its attributes (moto
// precedes it with a keys-only INSERT when UpdateItem creates the item).
func firstRecordOf(batch lambdaevents.DynamoDBEvent, pk string) int {
	for i, rec := range batch.Records {
		if k, _ := events.StringAttr(rec.Change.Keys, "pk"); k == pk {
			if _, ok := events.StringAttr(rec.Change.NewImage, "entity"); ok {
				return i
			}
		}
	}
	return -1
}
