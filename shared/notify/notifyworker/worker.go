// Package notifyworker holds the notification queue consumers: one channel worker per
// channel queue (claim the channel, deliver through the tenant's provider, record the
// outcome), the dead-letter worker (records DEAD_LETTERED), and the intake worker (accepts
// the platform's own messages). Workers report partial batch failures; a FIFO message group
// stops at its first failure so one tenant's messages stay in order.
//
// A worker must never sleep (a throttle returns the message with a longer visibility
// timeout), never deliver a channel it has not claimed, never log a recipient or a provider
// key, and never let one tenant's failure hold back another tenant's messages.
package notifyworker

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/google/uuid"

	"holdfast/shared/notify"
	"holdfast/shared/notify/notifyqueue"
	"holdfast/shared/notify/notifystore"
	"holdfast/shared/notify/provider"
	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/correlation"
	"holdfast/shared/platform/metrics"
)

// DefaultLease is how long a claim keeps other workers off a channel; longer than the
// function timeout, so a live worker never loses its claim.
const DefaultLease = 60 * time.Second

// groupConcurrency bounds the message groups (tenants) of one batch delivered at once.
const groupConcurrency = 8

// Visibility changes the visibility timeout of a received message (sqs.Client).
type Visibility interface {
	ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error)
}

// Worker delivers one channel's queue.
type Worker struct {
	Channel notify.Channel
	Store   *notifystore.Store
	Senders interface {
		For(ctx context.Context, tenant string) (provider.Sender, string, error)
	}
	SQS      Visibility
	QueueURL string
	Clock    clock.Clock
	Log      *slog.Logger
	Metrics  *metrics.Emitter
	Lease    time.Duration
	// RetryDelay is the visibility timeout given to a transiently failed message (about 2 s
	// between attempts); 0 leaves the queue's own timeout.
	RetryDelay time.Duration
}

// Handle processes a batch and reports the messages to retry.
func (w *Worker) Handle(ctx context.Context, ev lambdaevents.SQSEvent) (lambdaevents.SQSEventResponse, error) {
	groups := map[string][]lambdaevents.SQSMessage{}
	var order []string
	for _, m := range ev.Records {
		g := m.Attributes["MessageGroupId"]
		if _, ok := groups[g]; !ok {
			order = append(order, g)
		}
		groups[g] = append(groups[g], m)
	}
	var mu sync.Mutex
	var resp lambdaevents.SQSEventResponse
	sem := make(chan struct{}, groupConcurrency)
	var wg sync.WaitGroup
	for _, g := range order {
		wg.Add(1)
		sem <- struct{}{}
		go func(msgs []lambdaevents.SQSMessage) {
			defer func() { <-sem; wg.Done() }()
			failedFrom := -1
			for i, m := range msgs {
				if !w.deliver(ctx, m) {
					failedFrom = i
					break
				}
			}
			if failedFrom < 0 {
				return
			}
			mu.Lock()
			for _, m := range msgs[failedFrom:] { // the group stops at its first failure
				resp.BatchItemFailures = append(resp.BatchItemFailures, lambdaevents.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
			}
			mu.Unlock()
		}(groups[g])
	}
	wg.Wait()
	return resp, nil
}

func messageContext(ctx context.Context, m lambdaevents.SQSMessage) context.Context {
	if a, ok := m.MessageAttributes[notifyqueue.CorrelationAttribute]; ok && a.StringValue != nil && correlation.Valid(*a.StringValue) {
		return correlation.With(ctx, *a.StringValue)
	}
	return correlation.With(ctx, correlation.New())
}

// deliver handles one message; false means "retry it".
func (w *Worker) deliver(ctx context.Context, m lambdaevents.SQSMessage) bool {
	ctx = messageContext(ctx, m)
	msg, err := notify.ParseMessage(m.Body)
	if err != nil || msg.Channel != w.Channel {
		w.Log.ErrorContext(ctx, "unreadable notification message", "messageId", m.MessageId, "channel", w.Channel)
		return false
	}
	log := w.Log.With("notificationId", msg.NotificationID, "tenantId", msg.Tenant, "channel", msg.Channel,
		"messageId", m.MessageId, "receiveCount", m.Attributes["ApproximateReceiveCount"])
	now := w.Clock.Now(ctx)
	token := uuid.NewString()
	res, state, err := w.Store.Claim(ctx, msg.NotificationID, msg.Channel, token, now, w.lease())
	switch {
	case err != nil:
		log.ErrorContext(ctx, "claim failed", "error", err)
		return false
	case res == notifystore.Done:
		log.InfoContext(ctx, "duplicate message for a finished channel", "status", state.Status)
		return true
	case res == notifystore.Missing:
		log.ErrorContext(ctx, "message for an unknown notification")
		return true
	case res == notifystore.Busy:
		log.WarnContext(ctx, "channel is being delivered by another worker")
		return false
	}
	nt, ok, err := w.Store.Get(ctx, msg.NotificationID)
	if err != nil || !ok || nt.Tenant != msg.Tenant {
		log.ErrorContext(ctx, "notification unreadable", "found", ok, "error", err)
		w.release(ctx, log, msg, token, "", "notification unreadable")
		return false
	}
	sender, name, err := w.Senders.For(ctx, msg.Tenant)
	var perm permanentError
	if errors.As(err, &perm) {
		return w.fail(ctx, log, msg, token, state.Provider, perm.reason)
	}
	if err != nil {
		log.ErrorContext(ctx, "provider client unavailable", "error", err)
		w.release(ctx, log, msg, token, state.Provider, "provider client unavailable")
		return false
	}
	r := nt.Request
	started := time.Now()
	out := sender.Send(ctx, provider.Message{NotificationID: nt.ID, Tenant: nt.Tenant, Channel: msg.Channel,
		To: r.Recipient(msg.Channel), Subject: r.Subject, Title: r.Title, Body: r.Body, Data: r.Data})
	log = log.With("provider", name, "attempt", state.Attempts, "outcome", out.Kind.String(), "providerMs", time.Since(started).Milliseconds())
	w.count(ctx, name, out.Kind)
	done := w.Clock.Now(ctx)
	switch out.Kind {
	case notify.Delivered:
		if ok, err := w.Store.MarkSent(ctx, nt.ID, msg.Channel, token, name, out.MessageID, done); err != nil || !ok {
			log.ErrorContext(ctx, "delivered but the status was not recorded", "error", err, "leaseHeld", ok)
			return err == nil // a lost lease means another path settled it; an error retries
		}
		log.InfoContext(ctx, "notification delivered", "acceptedToSentMs", done.Sub(nt.AcceptedAt).Milliseconds())
		return true
	case notify.Permanent:
		return w.fail(ctx, log, msg, token, name, out.Reason)
	case notify.Throttled:
		delay := notify.ThrottleDelay(out.RetryAfter)
		w.release(ctx, log, msg, token, name, out.Reason)
		w.delay(ctx, log, m, delay)
		log.WarnContext(ctx, "provider throttled; message delayed", "delaySeconds", int(delay/time.Second), "reason", out.Reason)
		return false
	default:
		w.release(ctx, log, msg, token, name, out.Reason)
		if w.RetryDelay > 0 {
			w.delay(ctx, log, m, w.RetryDelay)
		}
		log.WarnContext(ctx, "transient delivery failure; the queue retries", "reason", out.Reason)
		return false
	}
}

// delay returns the message to its queue after d: its visibility timeout becomes d.
func (w *Worker) delay(ctx context.Context, log *slog.Logger, m lambdaevents.SQSMessage, d time.Duration) {
	if _, err := w.SQS.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(w.QueueURL),
		ReceiptHandle: aws.String(m.ReceiptHandle), VisibilityTimeout: int32(d / time.Second)}); err != nil {
		log.ErrorContext(ctx, "could not set the message's retry delay", "error", err)
	}
}

func (w *Worker) fail(ctx context.Context, log *slog.Logger, msg notify.Message, token, name, reason string) bool {
	if _, err := w.Store.MarkFailed(ctx, msg.NotificationID, msg.Channel, token, name, reason, w.Clock.Now(ctx)); err != nil {
		log.ErrorContext(ctx, "permanent failure not recorded", "error", err)
		return false
	}
	log.WarnContext(ctx, "notification failed permanently", "reason", reason)
	return true
}

func (w *Worker) release(ctx context.Context, log *slog.Logger, msg notify.Message, token, name, reason string) {
	if _, err := w.Store.Release(ctx, msg.NotificationID, msg.Channel, token, name, reason, w.Clock.Now(ctx)); err != nil {
		log.ErrorContext(ctx, "claim not released; it expires on its own", "error", err)
	}
}

func (w *Worker) lease() time.Duration {
	if w.Lease > 0 {
		return w.Lease
	}
	return DefaultLease
}

func (w *Worker) count(ctx context.Context, providerName string, k notify.OutcomeKind) {
	if w.Metrics == nil {
		return
	}
	_ = w.Metrics.Count(ctx, "NotificationDeliveries", map[string]string{"channel": string(w.Channel), "provider": providerName, "outcome": k.String()})
}

// DeadLetters consumes the channel dead-letter queues: each message there is a channel the
// queue gave up on after its maxReceiveCount deliveries.
type DeadLetters struct {
	Store *notifystore.Store
	Clock clock.Clock
	Log   *slog.Logger
}

// Handle records DEAD_LETTERED for each message (a channel already SENT or FAILED stays so).
func (d *DeadLetters) Handle(ctx context.Context, ev lambdaevents.SQSEvent) (lambdaevents.SQSEventResponse, error) {
	var resp lambdaevents.SQSEventResponse
	for _, m := range ev.Records {
		mctx := messageContext(ctx, m)
		msg, err := notify.ParseMessage(m.Body)
		if err != nil {
			d.Log.ErrorContext(mctx, "unreadable dead letter dropped", "messageId", m.MessageId, "queue", m.EventSourceARN)
			continue
		}
		changed, err := d.Store.MarkDeadLettered(mctx, msg.NotificationID, msg.Channel, d.Clock.Now(mctx))
		if err != nil {
			d.Log.ErrorContext(mctx, "dead letter not recorded", "notificationId", msg.NotificationID, "channel", msg.Channel, "error", err)
			resp.BatchItemFailures = append(resp.BatchItemFailures, lambdaevents.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
			continue
		}
		d.Log.WarnContext(mctx, "notification dead-lettered", "notificationId", msg.NotificationID, "tenantId", msg.Tenant,
			"channel", msg.Channel, "recorded", changed, "redrive", strconv.Itoa(msg.Redrive))
	}
	return resp, nil
}
