package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/coder/websocket"

	"holdfast/shared/platform/wsconn"
)

type clinicEnv struct {
	doctor, date     string
	admin, reception string
	doc              string // a doctor's token
}

func newClinic(t *testing.T, maxTokens int) clinicEnv {
	t.Helper()
	docSub := uniq("doc")
	e := clinicEnv{admin: token(t, uniq("admin"), "admin"), reception: token(t, uniq("rec"), "receptionist"), doc: token(t, docSub, "doctor")}
	r := call(t, "POST", "/api/v1/doctors", e.admin, map[string]any{"name": "Dr Meera Iyer", "specialty": "General medicine",
		"startTime": "09:00", "endTime": "17:00", "slotMinutes": 10, "maxTokens": maxTokens, "user": docSub})
	if r.Status != 201 {
		t.Fatalf("create doctor: %d %s", r.Status, r.Body)
	}
	e.doctor = r.JSON(t)["id"].(string)
	s := call(t, "GET", "/api/v1/doctors/"+e.doctor+"/slots", e.reception, nil)
	if s.Status != 200 {
		t.Fatalf("slots: %d %s", s.Status, s.Body)
	}
	e.date = s.JSON(t)["date"].(string) // the local cloud's business day
	return e
}

type patient struct {
	sub, tok, appt string
}

func (e clinicEnv) book(t *testing.T, name string) patient {
	t.Helper()
	p := patient{sub: uniq("pat")}
	p.tok = token(t, p.sub, "patient")
	r := call(t, "POST", "/api/v1/appointments", p.tok, map[string]any{"doctorId": e.doctor, "date": e.date, "slot": "09:30", "patientName": name})
	if r.Status != 201 {
		t.Fatalf("book %s: %d %s", name, r.Status, r.Body)
	}
	p.appt = r.JSON(t)["id"].(string)
	return p
}

func (e clinicEnv) queue(t *testing.T) map[string]any {
	t.Helper()
	r := call(t, "GET", "/api/v1/doctors/"+e.doctor+"/queue?date="+e.date, e.reception, nil)
	if r.Status != 200 {
		t.Fatalf("queue: %d %s", r.Status, r.Body)
	}
	return r.JSON(t)
}

func num(v any) int { f, _ := v.(float64); return int(f) }

// waitingOrder is the original tokens of the waiting patients in queue order.
func waitingOrder(q map[string]any) []int {
	var out []int
	for _, w := range q["waiting"].([]any) {
		out = append(out, num(w.(map[string]any)["originalToken"]))
	}
	return out
}

func (e clinicEnv) post(t *testing.T, path, tok string, want int) map[string]any {
	t.Helper()
	r := call(t, "POST", path, tok, nil)
	if r.Status != want {
		t.Fatalf("POST %s: %d %s (want %d)", path, r.Status, r.Body, want)
	}
	return r.JSON(t)
}

// watcher is one WebSocket client watching a doctor's queue; it records when it first saw
// each snapshot version.
type watcher struct {
	c    *websocket.Conn
	mu   sync.Mutex
	seen map[int]time.Time
	last map[string]any
	max  int
}

func watch(t *testing.T, ctx context.Context, doctor, tok string) *watcher {
	t.Helper()
	c, _, err := dialWS(ctx, "doctorId="+doctor+"&token="+tok)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	w := &watcher{c: c, seen: map[int]time.Time{}}
	go func() {
		for {
			_, data, err := c.Read(context.Background())
			if err != nil {
				return
			}
			var f struct {
				Type     string         `json:"type"`
				Snapshot map[string]any `json:"snapshot"`
			}
			if json.Unmarshal(data, &f) != nil || f.Type != "queue.snapshot" {
				continue
			}
			v := num(f.Snapshot["version"])
			w.mu.Lock()
			if _, ok := w.seen[v]; !ok {
				w.seen[v] = time.Now()
			}
			if v > w.max {
				w.max, w.last = v, f.Snapshot
			}
			w.mu.Unlock()
		}
	}()
	return w
}

// reached returns when the watcher first saw version v or later.
func (w *watcher) reached(v int) (time.Time, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var first time.Time
	for ver, at := range w.seen {
		if ver >= v && (first.IsZero() || at.Before(first)) {
			first = at
		}
	}
	return first, !first.IsZero()
}

func (w *watcher) latest() map[string]any {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.last
}

// both waits until both watchers saw version v and returns how long after `since` the later
// one did.
func both(t *testing.T, a, b *watcher, v int, since time.Time) time.Duration {
	t.Helper()
	return bothWithin(t, a, b, v, since, 10*time.Second)
}

// bothWithin is both with a chosen wait: the figures test measures the lag, so a slow update
// is a figure there, and only one that never comes fails it.
func bothWithin(t *testing.T, a, b *watcher, v int, since time.Time, within time.Duration) time.Duration {
	t.Helper()
	var lag time.Duration
	eventually(t, within, fmt.Sprintf("both watchers see version %d", v), func() bool {
		ta, oka := a.reached(v)
		tb, okb := b.reached(v)
		if !oka || !okb {
			return false
		}
		lag = max(ta.Sub(since), tb.Sub(since))
		return true
	})
	return lag
}

func displayToken(t *testing.T, e clinicEnv) string {
	t.Helper()
	r := call(t, "POST", "/api/v1/doctors/"+e.doctor+"/display-tokens", e.reception, nil)
	if r.Status != 201 {
		t.Fatalf("display token: %d %s", r.Status, r.Body)
	}
	return r.JSON(t)["token"].(string)
}

func TestClinicQueueEndToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	e := newClinic(t, 10)
	staff := watch(t, ctx, e.doctor, e.reception)        // a receptionist's screen
	board := watch(t, ctx, e.doctor, displayToken(t, e)) // an unattended board
	defer staff.c.CloseNow()
	defer board.c.CloseNow()

	names := []string{"Asha Rao", "Bala Krishnan", "Chitra Nair", "Dev Patel", "Esha Gupta"}
	var ps []patient
	for _, n := range names {
		ps = append(ps, e.book(t, n))
	}
	var lags []time.Duration
	change := func(path, tok string, want int) map[string]any {
		t.Helper()
		at := time.Now()
		out := e.post(t, path, tok, want)
		v := num(e.queue(t)["version"])
		lags = append(lags, both(t, staff, board, v, at))
		return out
	}
	// #3 checks in by themselves, #5 at the desk: they are served first, in token order.
	change("/api/v1/appointments/"+ps[2].appt+"/check-in", ps[2].tok, 200)
	change("/api/v1/appointments/"+ps[4].appt+"/check-in", e.reception, 200)
	q := e.queue(t)
	if got := waitingOrder(q); !slices.Equal(got, []int{3, 5, 1, 2, 4}) {
		t.Fatalf("queue order after check-ins: %v", got)
	}
	first := q["waiting"].([]any)[0].(map[string]any)
	if num(first["token"]) != 1 || num(first["originalToken"]) != 3 {
		t.Fatalf("head: %v", first)
	}
	// A patient may not call next, nor see or check in another patient's appointment.
	for _, c := range []struct{ method, path string }{
		{"POST", "/api/v1/doctors/" + e.doctor + "/queue/next"},
		{"GET", "/api/v1/appointments/" + ps[1].appt},
		{"POST", "/api/v1/appointments/" + ps[1].appt + "/check-in"},
		{"POST", "/api/v1/appointments/" + ps[1].appt + "/cancel"},
		{"GET", "/api/v1/doctors/" + e.doctor + "/queue"},
	} {
		if r := call(t, c.method, c.path, ps[0].tok, nil); r.Status != 403 {
			t.Fatalf("patient %s %s: %d %s", c.method, c.path, r.Status, r.Body)
		}
	}
	if r := call(t, "GET", "/api/v1/appointments/"+ps[0].appt, ps[0].tok, nil); r.Status != 200 || r.JSON(t)["patientName"] != "Asha Rao" {
		t.Fatalf("own appointment: %d %s", r.Status, r.Body)
	}
	// Call next → IN_CONSULTATION; complete → the stats move.
	called := change("/api/v1/doctors/"+e.doctor+"/queue/next", e.doc, 200)
	if called["id"] != ps[2].appt || called["state"] != "IN_CONSULTATION" {
		t.Fatalf("called %v", called)
	}
	before := call(t, "GET", "/api/v1/doctors/"+e.doctor+"/stats", e.doc, nil).JSON(t)
	// The consultation lasts 90 s (above the statistics' 60 s floor) on the local cloud's clock,
	// moved instead of waited for; the clock stays moved for the rest of the test, so its later
	// steps never go back in time.
	t.Cleanup(func() { resetClock(t) })
	if r := localCall(t, "POST", "/__local/clock", map[string]string{"advance": "90s"}); r.Status != 200 {
		t.Fatalf("advance the clock: %d %s", r.Status, r.Body)
	}
	done := change("/api/v1/appointments/"+ps[2].appt+"/complete", e.doc, 200)
	if done["state"] != "COMPLETED" || done["durationSeconds"].(float64) < 90 {
		t.Fatalf("complete: %v", done)
	}
	after := call(t, "GET", "/api/v1/doctors/"+e.doctor+"/stats", e.doc, nil).JSON(t)
	if num(before["consultations"]) != 0 || num(after["consultations"]) != 1 || after["averageConsultationSeconds"].(float64) < 90 ||
		num(after["ignoredConsultations"]) != 0 ||
		after["rollingAverageSeconds"] != after["averageConsultationSeconds"] {
		t.Fatalf("stats before %v after %v", before, after)
	}
	// #5 is called but not there: skipped, back to BOOKED behind the present ones (#1 arrived).
	change("/api/v1/appointments/"+ps[0].appt+"/check-in", ps[0].tok, 200)
	if c := change("/api/v1/doctors/"+e.doctor+"/queue/next", e.doc, 200); c["id"] != ps[4].appt {
		t.Fatalf("second call: %v", c)
	}
	if s := change("/api/v1/appointments/"+ps[4].appt+"/skip", e.doc, 200); s["state"] != "BOOKED" {
		t.Fatalf("skip: %v", s)
	}
	if got := waitingOrder(e.queue(t)); !slices.Equal(got, []int{1, 5, 2, 4}) {
		t.Fatalf("after skip: %v", got)
	}
	// An emergency goes ahead of every waiting patient.
	change("/api/v1/appointments/"+ps[3].appt+"/emergency-check-in", e.reception, 200)
	q = e.queue(t)
	if got := waitingOrder(q); !slices.Equal(got, []int{4, 1, 5, 2}) {
		t.Fatalf("after emergency: %v", got)
	}
	if c := e.post(t, "/api/v1/doctors/"+e.doctor+"/queue/next", e.doc, 200); c["id"] != ps[3].appt || c["emergency"] != true {
		t.Fatalf("emergency not called first: %v", c)
	}
	// The board's snapshot: now serving, the last tokens called, the next with waits, initials only.
	eventually(t, 5*time.Second, "the board sees the emergency called", func() bool {
		s := board.latest()
		ns, _ := s["nowServing"].(map[string]any)
		return ns != nil && ns["initials"] == "D. P."
	})
	snap := board.latest()
	raw, _ := json.Marshal(snap)
	for _, n := range names {
		for _, part := range strings.Fields(n) {
			if strings.Contains(string(raw), part) {
				t.Fatalf("the board received a name (%q): %s", part, raw)
			}
		}
	}
	for _, p := range ps {
		if strings.Contains(string(raw), p.sub) {
			t.Fatalf("the board received a patient id: %s", raw)
		}
	}
	// Tokens called, newest first: #4 took token 2 by the emergency reshuffle, after #5 (token
	// 2, skipped) and #3 (token 1).
	if lc := snap["lastCalled"].([]any); len(lc) != 3 || num(lc[0]) != 2 || num(lc[1]) != 2 || num(lc[2]) != 1 {
		t.Fatalf("last called %v", lc)
	}
	next := snap["next"].([]any)
	if len(next) != 3 || next[0].(map[string]any)["initials"] != "A. R." || num(next[1].(map[string]any)["estimatedWaitSeconds"]) <= 0 {
		t.Fatalf("next %v", next)
	}
	pub := call(t, "GET", "/api/v1/doctors/"+e.doctor+"/board", "", nil)
	if pub.Status != 200 || strings.Contains(string(pub.Body), "Asha") {
		t.Fatalf("public snapshot: %d %s", pub.Status, pub.Body)
	}
	sort.Slice(lags, func(i, j int) bool { return lags[i] < lags[j] })
	t.Logf("FIGURE change→both watchers updated over %d changes: p50 %v, max %v", len(lags), lags[len(lags)/2], lags[len(lags)-1])

	// End of day: unchecked bookings (#2, and the skipped #5) become NO_SHOW, once.
	run := func() map[string]any {
		r := localCall(t, "POST", "/__local/schedules/ClinicNoShowFunction.NoShow/run", map[string]string{"asOf": time.Now().UTC().Format(time.RFC3339Nano)})
		if r.Status != 200 {
			t.Fatalf("no-show run: %d %s", r.Status, r.Body)
		}
		res, _ := r.JSON(t)["result"].(map[string]any)
		return res
	}
	res := run()
	for _, p := range []patient{ps[1], ps[4]} {
		if a := call(t, "GET", "/api/v1/appointments/"+p.appt, e.reception, nil).JSON(t); a["state"] != "NO_SHOW" {
			t.Fatalf("%s after the job: %v (run %v)", p.appt, a["state"], res)
		}
	}
	if a := call(t, "GET", "/api/v1/appointments/"+ps[0].appt, e.reception, nil).JSON(t); a["state"] != "CHECKED_IN" {
		t.Fatalf("a present patient was marked: %v", a["state"])
	}
	if again := run(); num(again["marked"]) != 0 {
		t.Fatalf("second run marked %v", again)
	}
}

// A connection the broadcaster finds gone (410) is removed from the store.
func TestClinicBroadcastRemovesGoneConnections(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	e := newClinic(t, 5)
	live := watch(t, ctx, e.doctor, e.reception)
	defer live.c.CloseNow()
	closed := watch(t, ctx, e.doctor, e.doc)
	store := &wsconn.Store{DB: dynamodb.NewFromConfig(awsCfg), Table: connectionsStore().Table}
	conns, err := store.ByTopic(ctx, "doctor#"+e.doctor, time.Now())
	if err != nil || len(conns) != 2 {
		t.Fatalf("stored %v %v", conns, err)
	}
	// A socket that vanished without $disconnect (the record stays): close it, then put its
	// record back as API Gateway would have left it.
	var ghost wsconn.Connection
	for _, c := range conns {
		if c.Subject != "" && strings.HasPrefix(c.Subject, "doc") {
			ghost = c
		}
	}
	closed.c.Close(websocket.StatusNormalClosure, "bye")
	eventually(t, 5*time.Second, "$disconnect ran", func() bool {
		_, ok, _ := store.Get(ctx, ghost.ID, time.Now())
		return !ok
	})
	if err := store.Put(ctx, ghost); err != nil {
		t.Fatal(err)
	}
	e.book(t, "Farah Khan")
	eventually(t, 10*time.Second, "the live watcher got the booking", func() bool { _, ok := live.reached(1); return ok })
	eventually(t, 5*time.Second, "the gone connection is removed on 410", func() bool {
		_, ok, _ := store.Get(ctx, ghost.ID, time.Now())
		return !ok
	})
	if _, ok, _ := store.Get(ctx, conns[0].ID, time.Now()); !ok && conns[0].ID != ghost.ID {
		t.Fatal("the live connection was removed")
	}
}

func TestClinicDisplayTokenIsScopedAndReadOnly(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	e := newClinic(t, 5)
	other := newClinic(t, 5)
	tok := displayToken(t, e)
	for name, c := range map[string]struct {
		q    string
		want int
	}{
		"other doctor":   {"doctorId=" + other.doctor + "&token=" + tok, 403},
		"no doctor":      {"token=" + tok, 403},
		"unknown token":  {"doctorId=" + e.doctor + "&token=hfd_" + strings.Repeat("A", 43), 401},
		"malformed hfd_": {"doctorId=" + e.doctor + "&token=hfd_x", 401},
	} {
		_, resp, err := dialWS(ctx, c.q)
		if err == nil || resp == nil || resp.StatusCode != c.want {
			t.Fatalf("%s: want %d, got %v (%v)", name, c.want, resp, err)
		}
	}
	// A display token is not a bearer token for the HTTP API.
	if r := call(t, "GET", "/api/v1/doctors/"+e.doctor+"/queue", tok, nil); r.Status != 401 {
		t.Fatalf("display token on the API: %d", r.Status)
	}
	// Patients and doctors cannot issue one.
	for _, tk := range []string{token(t, "p", "patient"), e.doc} {
		if r := call(t, "POST", "/api/v1/doctors/"+e.doctor+"/display-tokens", tk, nil); r.Status != 403 {
			t.Fatalf("issue: %d", r.Status)
		}
	}
	c, _, err := dialWS(ctx, "doctorId="+e.doctor+"&token="+tok)
	if err != nil {
		t.Fatal(err)
	}
	c.CloseNow()
}

func percentile(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

// TestClinicFigures prints the figures: booking latency at 16 concurrent clients, and the time
// from a check-in to both watchers holding the new snapshot. Figures, not assertions.
func TestClinicFigures(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	const clients, perClient = 16, 6
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	var docs []clinicEnv
	for range 2 { // 96 bookings over two doctors' days (98 tokens a day at most)
		docs = append(docs, newClinic(t, 48))
	}
	// Check-ins first, on a quiet queue: after a burst of bookings the broadcaster is still
	// draining the emulator's slow PutEvents backlog, and the figure would measure that instead.
	e := newClinic(t, 48)
	for i := range 20 {
		tok := token(t, uniq("w"), "patient")
		r := call(t, "POST", "/api/v1/appointments", tok, map[string]any{"doctorId": e.doctor, "date": e.date, "slot": "10:00"})
		if r.Status != 201 {
			t.Fatalf("booking %d for the check-in figure: %d %s", i, r.Status, r.Body)
		}
	}
	a := watch(t, ctx, e.doctor, e.reception)
	b := watch(t, ctx, e.doctor, displayToken(t, e))
	defer a.c.CloseNow()
	defer b.c.CloseNow()
	q := e.queue(t)
	var upd []time.Duration
	for i, w := range q["waiting"].([]any) {
		if i == 20 {
			break
		}
		id := w.(map[string]any)["id"].(string)
		at := time.Now()
		e.post(t, "/api/v1/appointments/"+id+"/check-in", e.reception, 200)
		v := num(e.queue(t)["version"])
		upd = append(upd, bothWithin(t, a, b, v, at, time.Minute))
	}
	t.Logf("FIGURE check-in → both watchers updated, %d check-ins: p50 %v p95 %v max %v", len(upd), percentile(upd, .5), percentile(upd, .95), percentile(upd, 1))
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perClient {
				e := docs[(c*perClient+i)%2]
				tok := token(t, uniq("f"), "patient")
				start := time.Now()
				r := call(t, "POST", "/api/v1/appointments", tok, map[string]any{"doctorId": e.doctor, "date": e.date, "slot": "11:00"})
				d := time.Since(start)
				if r.Status != 201 {
					t.Errorf("booking: %d %s", r.Status, r.Body)
					return
				}
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	t.Logf("FIGURE booking latency, %d concurrent clients, %d bookings: p50 %v p95 %v", clients, len(lat), percentile(lat, .5), percentile(lat, .95))
}

// TestClinicDoctorIsBoundToTheirOwnQueue: through the deployed routes, a doctor's token reads
// and calls only their own queue; another doctor's is 403; a receptionist reaches both.
func TestClinicDoctorIsBoundToTheirOwnQueue(t *testing.T) {
	a, b := newClinic(t, 5), newClinic(t, 5)
	for _, c := range []struct {
		method, path, tok string
		want              int
	}{
		{"GET", "/api/v1/doctors/" + b.doctor + "/queue", a.doc, 403},
		{"GET", "/api/v1/doctors/" + b.doctor + "/stats", a.doc, 403},
		{"POST", "/api/v1/doctors/" + b.doctor + "/queue/next", a.doc, 403},
		{"GET", "/api/v1/doctors/" + a.doctor + "/queue", a.doc, 200},
		{"GET", "/api/v1/doctors/" + b.doctor + "/queue", b.doc, 200},
		{"GET", "/api/v1/doctors/" + b.doctor + "/queue", a.reception, 200},
	} {
		if r := call(t, c.method, c.path, c.tok, nil); r.Status != c.want {
			t.Errorf("%s %s: %d %s, want %d", c.method, c.path, r.Status, r.Body, c.want)
		}
	}
	// The backfill: a doctor registered without a user is no doctor's until an admin names one.
	r := call(t, "POST", "/api/v1/doctors", a.admin, map[string]any{"name": "Dr Old Record", "specialty": "General medicine",
		"startTime": "09:00", "endTime": "17:00", "slotMinutes": 10, "maxTokens": 5})
	if r.Status != 201 {
		t.Fatalf("create doctor: %d %s", r.Status, r.Body)
	}
	old := r.JSON(t)["id"].(string)
	sub := uniq("doc")
	tok := token(t, sub, "doctor")
	if r := call(t, "GET", "/api/v1/doctors/"+old+"/queue", tok, nil); r.Status != 403 {
		t.Fatalf("a record naming no user: %d %s, want 403", r.Status, r.Body)
	}
	if r := call(t, "PUT", "/api/v1/doctors/"+old+"/user", a.reception, map[string]any{"user": sub}); r.Status != 403 {
		t.Fatalf("a receptionist sets a doctor's user: %d %s, want 403", r.Status, r.Body)
	}
	if r := call(t, "PUT", "/api/v1/doctors/"+old+"/user", a.admin, map[string]any{"user": sub}); r.Status != 200 || r.JSON(t)["user"] != sub {
		t.Fatalf("set user: %d %s", r.Status, r.Body)
	}
	if r := call(t, "GET", "/api/v1/doctors/"+old+"/queue", tok, nil); r.Status != 200 {
		t.Fatalf("after the backfill: %d %s, want 200", r.Status, r.Body)
	}
}
