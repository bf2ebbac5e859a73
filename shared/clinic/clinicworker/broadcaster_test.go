package clinicworker_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"holdfast/shared/clinic"
	"holdfast/shared/clinic/clinicrelay"
	"holdfast/shared/clinic/clinicstore"
	"holdfast/shared/clinic/clinicworker"
	"holdfast/shared/localcloud/emulator/emulatortest"
	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/events"
	"holdfast/shared/platform/platformtest"
	"holdfast/shared/platform/wsconn"
)

func TestMain(m *testing.M) { emulatortest.Main(m) }

var (
	now = time.Date(2025, 1, 15, 10, 0, 0, 0, time.UTC)
	seq int // tests share one emulator: each fixture has its own doctor
)

// poster stands in for the API Gateway management API at the Poster seam: it fails each
// connection's first failures[id] posts (gone[id] answers 410 instead) and records what it sent.
type poster struct {
	mu       sync.Mutex
	failures map[string]int
	gone     map[string]bool
	refused  map[string]int // HTTP status of a permanent refusal
	calls    map[string]int
	frames   map[string][]clinicworker.Frame
}

func (p *poster) Send(_ context.Context, id string, data []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls[id]++
	if p.gone[id] {
		return wsconn.ErrGone
	}
	if code := p.refused[id]; code != 0 {
		return &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: code}},
			Err: errors.New("post to connection: refused")}
	}
	if p.failures[id] > 0 {
		p.failures[id]--
		return errors.New("post to connection: 500 InternalServerError")
	}
	var f clinicworker.Frame
	if err := json.Unmarshal(data, &f); err != nil {
		return err
	}
	p.frames[id] = append(p.frames[id], f)
	return nil
}

type fixture struct {
	b      *clinicworker.Broadcaster
	p      *poster
	doctor clinic.Doctor
	date   clock.Date
}

func setup(t *testing.T, watchers ...string) *fixture {
	t.Helper()
	db := dynamodb.NewFromConfig(emulatortest.Config(t))
	platformtest.CreateTables(t, db, platformtest.Table{LogicalID: "ClinicTable", Name: "clinic"},
		platformtest.Table{LogicalID: "ConnectionsTable", Name: "connections"})
	st := clinicstore.New(db, "clinic")
	conns := &wsconn.Store{DB: db, Table: "connections"}
	seq++
	doc := clinic.Doctor{ID: fmt.Sprintf("doc-%d", seq), Name: "Dr Rao", Specialty: "GP", StartTime: 9 * 60, EndTime: 17 * 60,
		SlotMinutes: 10, MaxTokens: 20, CreatedAt: now}
	if err := st.PutDoctor(context.Background(), doc); err != nil {
		t.Fatal(err)
	}
	date, _ := clock.ParseDate("2025-01-15")
	if _, err := st.Book(context.Background(), doc, date, now, clinic.BookInput{PatientID: "p1", PatientName: "Asha Rao", Slot: 10 * 60}); err != nil {
		t.Fatal(err)
	}
	for _, id := range watchers {
		if err := conns.Put(context.Background(), wsconn.Connection{ID: id, Topic: "doctor#" + doc.ID, ConnectedAt: now,
			ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	p := &poster{failures: map[string]int{}, gone: map[string]bool{}, refused: map[string]int{}, calls: map[string]int{}, frames: map[string][]clinicworker.Frame{}}
	return &fixture{p: p, doctor: doc, date: date, b: &clinicworker.Broadcaster{Store: st, Connections: conns, Poster: p,
		Clock: clock.NewFixed(now), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}}
}

// changed is a QueueChanged.v1 delivery for the fixture's day.
func (f *fixture) changed(t *testing.T, msgID string) lambdaevents.SQSMessage {
	t.Helper()
	env, err := events.New(events.Meta{EventID: "DAY#" + f.doctor.ID + "#" + msgID, CorrelationID: "c-" + msgID, OccurredAt: now,
		Domain: clinicrelay.Domain, Type: clinicrelay.TypeQueueChanged, Version: 1},
		clinicrelay.QueueChanged{DoctorID: f.doctor.ID, Date: f.date.String(), Version: 1})
	if err != nil {
		t.Fatal(err)
	}
	body, err := events.Delivered(env, "bus-"+msgID, "123456789012", "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	return lambdaevents.SQSMessage{MessageId: msgID, Body: string(body)}
}

func failedIDs(r lambdaevents.SQSEventResponse) []string {
	var ids []string
	for _, f := range r.BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	slices.Sort(ids)
	return ids
}

// A burst of changes for one day is one snapshot per watcher, carrying the committed state.
func TestBroadcastCoalescesADayAndSendsTheSnapshot(t *testing.T) {
	f := setup(t, "c1", "c2")
	resp, err := f.b.Handle(context.Background(), lambdaevents.SQSEvent{Records: []lambdaevents.SQSMessage{
		f.changed(t, "m1"), f.changed(t, "m2"), f.changed(t, "m3")}})
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("resp %+v err %v", resp, err)
	}
	for _, id := range []string{"c1", "c2"} {
		fr := f.p.frames[id]
		if len(fr) != 1 || fr[0].Type != "queue.snapshot" || fr[0].Snapshot.Version != 1 || len(fr[0].Snapshot.Next) != 1 {
			t.Fatalf("%s got %+v", id, fr)
		}
	}
}

// A post that fails twice and then goes through is retried within the invocation: nothing is
// redelivered and the watcher holds the snapshot.
func TestBroadcastRetriesATransientPostFailure(t *testing.T) {
	f := setup(t, "c1", "c2")
	f.p.failures["c1"] = 2
	resp, err := f.b.Handle(context.Background(), lambdaevents.SQSEvent{Records: []lambdaevents.SQSMessage{f.changed(t, "m1")}})
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("resp %+v err %v", resp, err)
	}
	if f.p.calls["c1"] != 3 || len(f.p.frames["c1"]) != 1 || f.p.calls["c2"] != 1 {
		t.Fatalf("calls %v frames c1 %d", f.p.calls, len(f.p.frames["c1"]))
	}
}

// A live watcher that cannot be reached after the retries fails the day's messages, so SQS
// delivers them again instead of leaving the watcher with a stale queue; a gone connection
// alone does not (it is removed by the sender and never retried).
func TestBroadcastFailsTheMessagesOfAnUnreachedWatcher(t *testing.T) {
	f := setup(t, "c1", "c2", "c3")
	f.p.failures["c1"] = 100
	f.p.gone["c3"] = true
	resp, err := f.b.Handle(context.Background(), lambdaevents.SQSEvent{Records: []lambdaevents.SQSMessage{f.changed(t, "m1"), f.changed(t, "m2")}})
	if err != nil {
		t.Fatal(err)
	}
	if got := failedIDs(resp); !slices.Equal(got, []string{"m1", "m2"}) {
		t.Fatalf("failed %v, want both messages of the day", got)
	}
	if f.p.calls["c1"] != 3 || f.p.calls["c3"] != 1 || len(f.p.frames["c2"]) != 1 {
		t.Fatalf("calls %v", f.p.calls)
	}

	g := setup(t, "c1", "c2")
	g.p.gone["c1"] = true
	resp, err = g.b.Handle(context.Background(), lambdaevents.SQSEvent{Records: []lambdaevents.SQSMessage{g.changed(t, "m1")}})
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("a gone watcher failed the message: %+v %v", resp, err)
	}
}

// A message that is not a readable QueueChanged event fails alone; other sources' events are
// ignored.
func TestBroadcastMalformedMessagesFailAlone(t *testing.T) {
	f := setup(t, "c1")
	other, err := events.New(events.Meta{EventID: "x1", CorrelationID: "c", OccurredAt: now, Domain: "lending", Type: "LoanApproved", Version: 1},
		map[string]string{"loanId": "L1"})
	if err != nil {
		t.Fatal(err)
	}
	otherBody, _ := events.Delivered(other, "bus-x", "123456789012", "us-east-1")
	resp, err := f.b.Handle(context.Background(), lambdaevents.SQSEvent{Records: []lambdaevents.SQSMessage{
		{MessageId: "junk", Body: `{"not":"an event"}`}, {MessageId: "other", Body: string(otherBody)}, f.changed(t, "m1")}})
	if err != nil {
		t.Fatal(err)
	}
	if got := failedIDs(resp); !slices.Equal(got, []string{"junk"}) {
		t.Fatalf("failed %v", got)
	}
	if len(f.p.frames["c1"]) != 1 {
		t.Fatalf("frames %v", f.p.frames)
	}
}

// A post refused for good (a 4xx other than 410 and 429: a bad request, a missing permission) is
// not retried and does not make SQS redeliver the day; a throttle (429) and a 5xx are retried.
func TestBroadcastClassifiesRefusals(t *testing.T) {
	f := setup(t, "c1", "c2", "c3")
	f.p.refused["c1"] = 403
	f.p.refused["c3"] = 429
	resp, err := f.b.Handle(context.Background(), lambdaevents.SQSEvent{Records: []lambdaevents.SQSMessage{f.changed(t, "m1")}})
	if err != nil {
		t.Fatal(err)
	}
	if f.p.calls["c1"] != 1 || f.p.calls["c3"] != 3 || len(f.p.frames["c2"]) != 1 {
		t.Fatalf("calls %v", f.p.calls)
	}
	if got := failedIDs(resp); !slices.Equal(got, []string{"m1"}) {
		t.Fatalf("a throttled watcher must fail the day: %v", got)
	}
	g := setup(t, "c1", "c2")
	g.p.refused["c1"] = 400
	resp, _ = g.b.Handle(context.Background(), lambdaevents.SQSEvent{Records: []lambdaevents.SQSMessage{g.changed(t, "m1")}})
	if len(resp.BatchItemFailures) != 0 || g.p.calls["c1"] != 1 {
		t.Fatalf("a refused post failed the day or was retried: %+v %v", resp, g.p.calls)
	}
	for code, want := range map[int]bool{400: false, 403: false, 404: false, 429: true, 500: true, 503: true} {
		err := &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: code}}, Err: errors.New("x")}
		if clinicworker.Transient(err) != want {
			t.Errorf("%d: transient %v", code, !want)
		}
	}
	if !clinicworker.Transient(context.DeadlineExceeded) {
		t.Error("a timeout is transient")
	}
}
