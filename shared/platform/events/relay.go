package events

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"holdfast/shared/platform/config"
	"holdfast/shared/platform/lambdastart"
	"holdfast/shared/platform/retry"
)

// CorrelationAttr is the item attribute that carries the correlation ID of the request that wrote
// the item. The relay copies it into meta.correlationId when a mapper leaves that empty.
const CorrelationAttr = "correlationId"

// DefaultMarkerTTL keeps dedup markers well past the 24 h a stream record lives, so any
// redelivery of a record finds its marker.
const DefaultMarkerTTL = 48 * time.Hour

// Mapper turns one committed write into the events that announce it, for one domain.
//
// It must be a pure function of the record, and every event it returns must carry a
// deterministic meta.eventId derived from the item (for example `pk#sk#version`), so that the
// same logical change always yields the same ID however often, and in however many records, the
// stream delivers it. A record that announces nothing (a MODIFY whose images are equal, an item
// type without events) yields no events and no error.
//
// A record whose image lacks the attributes the mapper keys on must also yield no events: moto
// precedes the real INSERT of an UpdateItem that creates an item with a keys-only INSERT. Return
// an error only for a record that should announce something but cannot be read; the relay then
// reports it as a failure and the event source mapping retries from it.
//
// The relay fills meta.correlationId from the item's CorrelationAttr and meta.occurredAt from the
// record's ApproximateCreationDateTime when the mapper leaves them empty.
type Mapper func(rec lambdaevents.DynamoDBEventRecord) ([]Envelope, error)

// RelayConfig is what a Relay is built from.
type RelayConfig struct {
	Mapper    Mapper
	Publisher Publisher
	// Markers and MarkerTable hold the dedup markers: the platform idempotency table (hash key
	// `pk` (S), TTL attribute `expiresAt`), with items `relay#<eventId>`.
	Markers     MarkerAPI
	MarkerTable string
	MarkerTTL   time.Duration    // default DefaultMarkerTTL
	Now         func() time.Time // default time.Now; stamps markers
	Logger      *slog.Logger     // default slog.Default()
}

// Relay is the DynamoDB Streams handler that publishes the events a domain's writes announce.
//
// Delivery toward EventBridge is exactly once per logical change as long as the relay does not
// crash: events are deduplicated within a batch by event ID, and across batches by a marker
// written after EventBridge accepted the event; an event whose marker exists is not published
// again. A crash (or a failed marker write) between the publish and the marker leaves the event
// unmarked, so a redelivered batch publishes it again — at least once in that window. Consumers
// are idempotent on meta.eventId for exactly that reason.
//
// The event source mapping must declare FunctionResponseTypes: [ReportBatchItemFailures];
// without it Lambda ignores the reported failures and a failed record would be lost.
type Relay struct {
	mapper    Mapper
	publisher Publisher
	markers   *markerStore
	ttl       time.Duration
	now       func() time.Time
	log       *slog.Logger
}

// NewRelay checks cfg and builds a Relay.
func NewRelay(cfg RelayConfig) (*Relay, error) {
	var missing []string
	if cfg.Mapper == nil {
		missing = append(missing, "Mapper")
	}
	if cfg.Publisher == nil {
		missing = append(missing, "Publisher")
	}
	if cfg.Markers == nil {
		missing = append(missing, "Markers")
	}
	if cfg.MarkerTable == "" {
		missing = append(missing, "MarkerTable")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("events: NewRelay: missing %v", missing)
	}
	if cfg.MarkerTTL <= 0 {
		cfg.MarkerTTL = DefaultMarkerTTL
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Relay{
		mapper:    cfg.Mapper,
		publisher: cfg.Publisher,
		markers:   &markerStore{api: cfg.Markers, table: cfg.MarkerTable, backoff: retry.Backoff{Base: 20 * time.Millisecond, Max: 320 * time.Millisecond}},
		ttl:       cfg.MarkerTTL,
		now:       cfg.Now,
		log:       cfg.Logger,
	}, nil
}

// RelayFromConfig builds a Relay for a relay function: the bus from EVENT_BUS_NAME, the markers
// in IDEMPOTENCY_TABLE (both read by package config), clients from awsCfg.
func RelayFromConfig(cfg config.Config, awsCfg aws.Config, mapper Mapper, logger *slog.Logger) (*Relay, error) {
	var unset []error
	if cfg.EventBusName == "" {
		unset = append(unset, errors.New("EVENT_BUS_NAME is not set"))
	}
	if cfg.IdempotencyTable == "" {
		unset = append(unset, errors.New("IDEMPOTENCY_TABLE is not set"))
	}
	if err := errors.Join(unset...); err != nil {
		return nil, fmt.Errorf("events: relay: %w", err)
	}
	pub, err := NewBusPublisher(eventbridge.NewFromConfig(awsCfg), cfg.EventBusName, BusPublisherOptions{})
	if err != nil {
		return nil, err
	}
	return NewRelay(RelayConfig{
		Mapper:      mapper,
		Publisher:   pub,
		Markers:     dynamodb.NewFromConfig(awsCfg),
		MarkerTable: cfg.IdempotencyTable,
		Logger:      logger,
	})
}

// BuildRelay is a relay function's build, for its whole main:
//
//	func main() { lambdastart.Start(events.BuildRelay(lendingrelay.Map)) }
func BuildRelay(mapper Mapper) lambdastart.Build[lambdaevents.DynamoDBEvent, lambdaevents.DynamoDBEventResponse] {
	return func(_ context.Context, d *lambdastart.Deps) (lambdastart.Handler[lambdaevents.DynamoDBEvent, lambdaevents.DynamoDBEventResponse], error) {
		r, err := RelayFromConfig(d.Config, d.AWS, mapper, d.Logger)
		if err != nil {
			return nil, err
		}
		return r.Handle, nil
	}
}

// pending is one event to publish and the first record that announced it.
type pending struct {
	record int
	env    Envelope
}

// Handle is the Lambda handler: it maps every record, publishes the events not yet published,
// marks them, and reports the first record whose events could not all be published (Lambda
// retries from there; records before it are done).
func (r *Relay) Handle(ctx context.Context, ev lambdaevents.DynamoDBEvent) (lambdaevents.DynamoDBEventResponse, error) {
	started := time.Now()
	records := ev.Records
	failAt := len(records) // index of the first record that is not done

	// Map in order; stop at the first record that cannot be mapped, so that no event of a later
	// record overtakes it.
	var announced []pending
	byID := make(map[string]int)
	for i, rec := range records {
		envs, err := r.mapRecord(rec)
		if err != nil {
			r.log.ErrorContext(ctx, "relay: cannot map stream record",
				"error", err, "eventID", rec.EventID, "sequenceNumber", rec.Change.SequenceNumber)
			failAt = i
			break
		}
		for _, env := range envs {
			// A later record for the same logical change carries the more complete image (moto's
			// doubled INSERT): keep its envelope, at the position and record of the first.
			if at, seen := byID[env.Meta.EventID]; seen {
				announced[at].env = env
				continue
			}
			byID[env.Meta.EventID] = len(announced)
			announced = append(announced, pending{record: i, env: env})
		}
	}

	published, skipped, err := r.publish(ctx, announced)
	if err != nil {
		var pubErr *PublishError
		if errors.As(err, &pubErr) {
			for _, f := range pubErr.Failed {
				failAt = min(failAt, announced[f.Index].record)
			}
		} else {
			// Nothing is known to be published: retry from the first record that announced anything.
			if len(announced) > 0 {
				failAt = min(failAt, announced[0].record)
			}
		}
		r.log.ErrorContext(ctx, "relay: events not published", "error", err)
	}

	resp := lambdaevents.DynamoDBEventResponse{BatchItemFailures: []lambdaevents.DynamoDBBatchItemFailure{}}
	if failAt < len(records) {
		resp.BatchItemFailures = append(resp.BatchItemFailures,
			lambdaevents.DynamoDBBatchItemFailure{ItemIdentifier: records[failAt].Change.SequenceNumber})
	}
	r.log.InfoContext(ctx, "relay: batch done",
		"records", len(records), "events", len(announced), "published", published, "alreadyPublished", skipped,
		"failedFrom", failedFrom(records, failAt), "durationMs", time.Since(started).Milliseconds())
	return resp, nil
}

// publish puts the events without a marker on the bus and marks those accepted. It returns how
// many were published and how many were skipped as already published.
func (r *Relay) publish(ctx context.Context, announced []pending) (published, skipped int, err error) {
	if len(announced) == 0 {
		return 0, 0, nil
	}
	ids := make([]string, len(announced))
	for i, p := range announced {
		ids[i] = p.env.Meta.EventID
	}
	done, err := r.markers.published(ctx, ids)
	if err != nil {
		return 0, 0, err
	}
	var envs []Envelope
	var at []int // at[i] is the index in announced of envs[i]
	for i, p := range announced {
		if done[p.env.Meta.EventID] {
			skipped++
			continue
		}
		envs = append(envs, p.env)
		at = append(at, i)
	}
	if len(envs) == 0 {
		return 0, skipped, nil
	}
	pubErr := r.publisher.Publish(ctx, envs)

	failed := make(map[int]bool)
	var asPubErr *PublishError
	if pubErr != nil {
		if !errors.As(pubErr, &asPubErr) {
			// A publisher that does not say what it accepted: treat all as not accepted.
			asPubErr = &PublishError{Failed: notAttempted(envs, 0, len(envs)), Err: pubErr}
		}
		for _, f := range asPubErr.Failed {
			if f.Index < 0 || f.Index >= len(envs) {
				// A publisher error that cannot be trusted about what it accepted: assume nothing.
				asPubErr = &PublishError{Failed: notAttempted(envs, 0, len(envs)), Err: pubErr}
				clear(failed)
				for i := range envs {
					failed[i] = true
				}
				break
			}
			failed[f.Index] = true
		}
	}
	var accepted []string
	for i, env := range envs {
		if !failed[i] {
			accepted = append(accepted, env.Meta.EventID)
		}
	}
	if len(accepted) > 0 {
		now := r.now()
		if err := r.markers.mark(ctx, accepted, now, now.Add(r.ttl)); err != nil {
			// The events are on the bus; only a redelivery of this batch would publish them again,
			// and consumers are idempotent. Failing the batch would make that duplicate certain.
			r.log.WarnContext(ctx, "relay: events published but not marked; a redelivery would publish them again",
				"error", err, "events", len(accepted))
		}
	}
	if asPubErr != nil {
		// Report failures by index into announced, not into the unmarked subset.
		remapped := &PublishError{Err: asPubErr.Err}
		for _, f := range asPubErr.Failed {
			f.Index = at[f.Index]
			remapped.Failed = append(remapped.Failed, f)
		}
		return len(accepted), skipped, remapped
	}
	return len(accepted), skipped, nil
}

// mapRecord runs the mapper, turning a panic (the aws-lambda-go attribute accessors panic on a
// type mismatch) into an error, and completes and validates each envelope.
func (r *Relay) mapRecord(rec lambdaevents.DynamoDBEventRecord) (envs []Envelope, err error) {
	defer func() {
		if p := recover(); p != nil {
			envs, err = nil, fmt.Errorf("mapper panicked on record %s: %v", rec.EventID, p)
		}
	}()
	envs, err = r.mapper(rec)
	if err != nil {
		return nil, fmt.Errorf("map record %s: %w", rec.EventID, err)
	}
	for i := range envs {
		env := &envs[i]
		if env.Meta.CorrelationID == "" {
			env.Meta.CorrelationID = correlationOf(rec, env.Meta.EventID)
		}
		if env.Meta.OccurredAt.IsZero() {
			env.Meta.OccurredAt = rec.Change.ApproximateCreationDateTime.UTC()
		}
		env.Meta.OccurredAt = env.Meta.OccurredAt.UTC()
		if err := env.Validate(); err != nil {
			return nil, fmt.Errorf("record %s: mapper built a bad event: %w", rec.EventID, err)
		}
	}
	return envs, nil
}

// NewFromRecord builds an envelope announcing the change in rec: meta.correlationId defaults to
// the item's CorrelationAttr (new image, then old, then the event ID) and meta.occurredAt to the
// record's ApproximateCreationDateTime. It validates like New.
func NewFromRecord(rec lambdaevents.DynamoDBEventRecord, meta Meta, data any) (Envelope, error) {
	if meta.CorrelationID == "" {
		meta.CorrelationID = correlationOf(rec, meta.EventID)
	}
	if meta.OccurredAt.IsZero() {
		meta.OccurredAt = rec.Change.ApproximateCreationDateTime.Time
	}
	return New(meta, data)
}

// correlationOf is the item's correlation ID (new image first, then old), else the event ID, so
// an event is always traceable and a republished event is identical to the first publication.
func correlationOf(rec lambdaevents.DynamoDBEventRecord, eventID string) string {
	if id, ok := StringAttr(rec.Change.NewImage, CorrelationAttr); ok && id != "" {
		return id
	}
	if id, ok := StringAttr(rec.Change.OldImage, CorrelationAttr); ok && id != "" {
		return id
	}
	return eventID
}

func failedFrom(records []lambdaevents.DynamoDBEventRecord, failAt int) string {
	if failAt >= len(records) {
		return ""
	}
	return records[failAt].Change.SequenceNumber
}
