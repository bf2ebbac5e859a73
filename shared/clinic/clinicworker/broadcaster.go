package clinicworker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"holdfast/shared/clinic"
	"holdfast/shared/clinic/clinicapi"
	"holdfast/shared/clinic/clinicrelay"
	"holdfast/shared/clinic/clinicstore"
	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/events"
	"holdfast/shared/platform/metrics"
	"holdfast/shared/platform/wsconn"
)

// Poster sends one frame to one connection (wsconn.Sender: removes a connection on 410).
type Poster interface {
	Send(ctx context.Context, connectionID string, data []byte) error
}

// Broadcaster fans queue snapshots out to the doctor's watchers.
type Broadcaster struct {
	Store       *clinicstore.Store
	Connections *wsconn.Store
	Poster      Poster
	Clock       clock.Clock
	Metrics     *metrics.Emitter
	Log         *slog.Logger
	// Parallel bounds concurrent posts (default 16).
	Parallel int
}

// Frame is what a watcher receives.
type Frame struct {
	Type     string          `json:"type"` // "queue.snapshot"
	Snapshot clinic.Snapshot `json:"snapshot"`
}

type dayRef struct{ doctor, date string }

// Handle processes an SQS batch of QueueChanged events: one snapshot per doctor-day in the
// batch (coalescing bursts), sent to every live connection watching that doctor. A day whose
// snapshot cannot be read, or a live watcher cannot be reached after retries, fails its messages
// (SQS redelivers them); a gone connection (410) is removed and not retried.
func (b *Broadcaster) Handle(ctx context.Context, ev lambdaevents.SQSEvent) (lambdaevents.SQSEventResponse, error) {
	resp := lambdaevents.SQSEventResponse{BatchItemFailures: []lambdaevents.SQSBatchItemFailure{}}
	msgs := map[dayRef][]string{}
	var order []dayRef
	for _, m := range ev.Records {
		rec, err := events.ParseSQS(m)
		if err != nil {
			b.Log.WarnContext(ctx, "malformed queue event", "messageId", m.MessageId, "error", err.Error())
			resp.BatchItemFailures = append(resp.BatchItemFailures, lambdaevents.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
			continue
		}
		if rec.Source() != events.SourcePrefix+clinicrelay.Domain || rec.Meta.Type != clinicrelay.TypeQueueChanged {
			continue // not ours to broadcast
		}
		var qc clinicrelay.QueueChanged
		if err := rec.Decode(&qc); err != nil || !clinic.ValidID(qc.DoctorID) {
			b.Log.WarnContext(ctx, "unreadable QueueChanged", "messageId", m.MessageId)
			resp.BatchItemFailures = append(resp.BatchItemFailures, lambdaevents.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
			continue
		}
		k := dayRef{qc.DoctorID, qc.Date}
		if _, seen := msgs[k]; !seen {
			order = append(order, k)
		}
		msgs[k] = append(msgs[k], m.MessageId)
	}
	for _, k := range order {
		if err := b.broadcast(ctx, k); err != nil {
			b.Log.ErrorContext(ctx, "broadcast failed", "doctorId", k.doctor, "date", k.date, "error", err)
			for _, id := range msgs[k] {
				resp.BatchItemFailures = append(resp.BatchItemFailures, lambdaevents.SQSBatchItemFailure{ItemIdentifier: id})
			}
		}
	}
	return resp, nil
}

func (b *Broadcaster) broadcast(ctx context.Context, k dayRef) error {
	date, err := clock.ParseDate(k.date)
	if err != nil {
		return err
	}
	now := b.Clock.Now(ctx)
	snap, err := clinicapi.LoadSnapshot(ctx, b.Store, k.doctor, date, now)
	if err != nil {
		return err
	}
	frame, err := json.Marshal(Frame{Type: "queue.snapshot", Snapshot: snap})
	if err != nil {
		return err
	}
	conns, err := b.Connections.ByTopic(ctx, "doctor#"+k.doctor, now)
	if err != nil {
		return err
	}
	par := b.Parallel
	if par <= 0 {
		par = 16
	}
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	var mu sync.Mutex
	sent, gone, failed, refused := 0, 0, 0, 0
	for _, c := range conns {
		wg.Add(1)
		sem <- struct{}{}
		go func(id string) {
			defer wg.Done()
			defer func() { <-sem }()
			err := b.send(ctx, id, frame)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				sent++
			case errors.Is(err, wsconn.ErrGone):
				gone++
			case !Transient(err):
				// Retrying cannot help (a bad request, a missing permission): alarm through the
				// log, and do not make SQS redeliver the whole day for it.
				refused++
				b.Log.ErrorContext(ctx, "post to watcher refused", "connectionId", id, "error", err)
			default:
				failed++
				b.Log.WarnContext(ctx, "post to watcher failed", "connectionId", id, "error", err)
			}
		}(c.ID)
	}
	wg.Wait()
	b.Log.InfoContext(ctx, "queue broadcast", "doctorId", k.doctor, "date", k.date, "version", snap.Version,
		"watchers", len(conns), "sent", sent, "gone", gone, "failed", failed, "refused", refused, "lagMs", time.Since(snap.GeneratedAt).Milliseconds())
	if b.Metrics != nil {
		_ = b.Metrics.Count(ctx, "QueueBroadcasts", map[string]string{})
	}
	if failed > 0 {
		// A live watcher would otherwise keep a stale queue until the next change. Failing the
		// messages has SQS deliver them again; the snapshot is read afresh then, and watchers
		// that already hold it drop the repeat by its version.
		return fmt.Errorf("%d of %d watchers not reached", failed, len(conns))
	}
	return nil
}

// In-invocation retries of a post that failed transiently (a throttle, a timeout, a 5xx of the
// management API): at most sendAttempts posts, each bounded by postTimeout, sendPause·attempt
// apart, and none started when less than retryReserve of the invocation is left.
const (
	sendAttempts = 3
	sendPause    = 100 * time.Millisecond
	postTimeout  = time.Second
	retryReserve = 2 * time.Second
)

// send posts one frame, retrying a transient failure twice (100 ms, then 200 ms apart) while the
// invocation has time left.
func (b *Broadcaster) send(ctx context.Context, id string, frame []byte) error {
	var err error
	for attempt := 1; attempt <= sendAttempts; attempt++ {
		pctx, cancel := context.WithTimeout(ctx, postTimeout)
		err = b.Poster.Send(pctx, id, frame)
		cancel()
		if err == nil || errors.Is(err, wsconn.ErrGone) || !Transient(err) || attempt == sendAttempts {
			return err
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < retryReserve {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt) * sendPause):
		}
	}
	return err
}

// Transient reports whether a failed post may succeed if tried again: a timeout or network error
// (no HTTP answer), a throttle (429) or a server fault (5xx). Any other 4xx will not.
func Transient(err error) bool {
	var resp *smithyhttp.ResponseError
	if errors.As(err, &resp) {
		code := resp.HTTPStatusCode()
		return code == 429 || code >= 500
	}
	return true
}
