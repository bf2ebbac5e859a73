package notifyworker

import (
	"context"
	"encoding/json"
	"log/slog"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"holdfast/shared/notify"
	"holdfast/shared/notify/notifyqueue"
	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/correlation"
	"holdfast/shared/platform/errs"
)

// Intake accepts the platform's own messages (notifyqueue.Client) under the platform tenant.
type Intake struct {
	Acceptor *notifyqueue.Acceptor
	Clock    clock.Clock
	Log      *slog.Logger
}

// Handle accepts each message; an invalid one is logged and dropped (no retry can fix it),
// any other failure is retried.
func (in *Intake) Handle(ctx context.Context, ev lambdaevents.SQSEvent) (lambdaevents.SQSEventResponse, error) {
	var resp lambdaevents.SQSEventResponse
	registration, registered, err := in.Acceptor.Store.GetTenant(ctx, notify.PlatformTenant)
	var tenant notify.Tenant
	if err == nil {
		tenant, err = notify.SendingTenant(notify.PlatformTenant, registration, registered)
	}
	if err != nil {
		for _, m := range ev.Records {
			resp.BatchItemFailures = append(resp.BatchItemFailures, lambdaevents.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
		}
		in.Log.ErrorContext(ctx, "platform tenant unreadable", "error", err)
		return resp, nil
	}
	for _, m := range ev.Records {
		mctx := messageContext(ctx, m)
		var im notify.IntakeMessage
		if err := json.Unmarshal([]byte(m.Body), &im); err != nil || im.IdempotencyKey == "" || len(im.IdempotencyKey) > notify.MaxIdempotency {
			in.Log.ErrorContext(mctx, "unreadable intake message dropped", "messageId", m.MessageId)
			continue
		}
		acc, err := in.Acceptor.Accept(mctx, tenant, im.IdempotencyKey, im.Request, correlation.FromContext(mctx), in.Clock.Now(mctx))
		if p, ok := errs.As(err); ok && p.Kind == errs.KindInvalid {
			in.Log.ErrorContext(mctx, "invalid intake message dropped", "messageId", m.MessageId, "fields", p.Fields)
			continue
		}
		if err == notifyqueue.ErrKeyReuse {
			in.Log.ErrorContext(mctx, "intake key reused for a different message; dropped", "messageId", m.MessageId)
			continue
		}
		if err != nil {
			in.Log.ErrorContext(mctx, "intake accept failed; retried", "messageId", m.MessageId, "error", err)
			resp.BatchItemFailures = append(resp.BatchItemFailures, lambdaevents.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
			continue
		}
		in.Log.InfoContext(mctx, "platform notification accepted", "notificationId", acc.Notification.ID, "replayed", acc.Replayed)
	}
	return resp, nil
}
