package events

import (
	"context"
	"log/slog"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"holdfast/shared/platform/correlation"
)

// EachSQS is the one loop of an SQS consumer of bus events: it parses every message as a
// delivered event, runs fn with the event's correlation ID in the context, and reports the
// messages that could not be parsed or whose fn failed as batch item failures, so SQS delivers
// only those again (and finally dead-letters them). The mapping must declare
// FunctionResponseTypes: [ReportBatchItemFailures].
func EachSQS(ctx context.Context, ev lambdaevents.SQSEvent, log *slog.Logger, fn func(context.Context, Received) error) lambdaevents.SQSEventResponse {
	resp := lambdaevents.SQSEventResponse{BatchItemFailures: []lambdaevents.SQSBatchItemFailure{}}
	for _, msg := range ev.Records {
		rec, err := ParseSQS(msg)
		if err == nil {
			err = fn(correlation.With(ctx, rec.Meta.CorrelationID), rec)
		}
		if err != nil {
			log.ErrorContext(ctx, "message failed", "messageId", msg.MessageId, "error", err.Error())
			resp.BatchItemFailures = append(resp.BatchItemFailures, lambdaevents.SQSBatchItemFailure{ItemIdentifier: msg.MessageId})
		}
	}
	return resp
}
