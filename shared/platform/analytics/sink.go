// Package analytics is the consumer at the end of the analytics queue, the seam where a data
// lake attaches: every domain event reaches it. It validates each event, counts it as an EMF
// business metric (per source and type) and logs its identity; a malformed message is reported
// as a batch item failure so SQS retries it and finally dead-letters it. It must never drop a
// message silently or change state.
package analytics

import (
	"context"
	"log/slog"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"holdfast/shared/platform/events"
	"holdfast/shared/platform/metrics"
)

// Sink handles SQS batches of EventBridge events.
type Sink struct {
	Metrics *metrics.Emitter
	Log     *slog.Logger
}

// Handle processes a batch, reporting the malformed messages as failures.
func (s *Sink) Handle(ctx context.Context, ev lambdaevents.SQSEvent) (lambdaevents.SQSEventResponse, error) {
	var resp lambdaevents.SQSEventResponse
	for _, msg := range ev.Records {
		rec, err := events.ParseSQS(msg)
		if err != nil {
			s.Log.WarnContext(ctx, "malformed analytics event", "messageId", msg.MessageId, "error", err.Error())
			resp.BatchItemFailures = append(resp.BatchItemFailures, lambdaevents.SQSBatchItemFailure{ItemIdentifier: msg.MessageId})
			continue
		}
		if err := s.Metrics.Count(ctx, "DomainEvents", map[string]string{"source": rec.Source(), "detailType": rec.DetailType()}); err != nil {
			s.Log.ErrorContext(ctx, "emit analytics metric", "error", err)
		}
		s.Log.InfoContext(ctx, "event observed", "messageId", msg.MessageId, "eventId", rec.Meta.EventID,
			"source", rec.Source(), "detailType", rec.DetailType(), "correlationId", rec.Meta.CorrelationID)
	}
	return resp, nil
}
