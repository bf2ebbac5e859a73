package clinicapi_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/platformtest"
	"holdfast/shared/platform/problem"
)

func setClock(t *testing.T, e *clinicEnv, at time.Time) {
	t.Helper()
	f, ok := e.d.Clock.(*clock.Fixed)
	if !ok {
		t.Fatalf("clock %T is not movable", e.d.Clock)
	}
	f.Set(at)
}

func bookAs(t *testing.T, e *clinicEnv, c platformtest.Call, doc, date string) string {
	t.Helper()
	r := e.call(t, "POST /api/v1/appointments", "", withBody(c, `{"doctorId":"`+doc+`","date":"`+date+`","slot":"16:00"}`))
	if r.StatusCode != 201 {
		t.Fatalf("book %s on %s: %d %s", c.Sub, date, r.StatusCode, r.Body)
	}
	var a struct{ ID string }
	platformtest.JSON(t, r, &a)
	return a.ID
}

// TestStaffActionsOnlyOnTheAppointmentsDay: check-in, call-next, skip and complete act only on
// the appointment's business day (the clinic's time zone); any other day is 409 not_today and
// writes nothing.
func TestStaffActionsOnlyOnTheAppointmentsDay(t *testing.T) {
	e := clinicSetup(t) // 2025-01-15 10:00 UTC: 15:30 on 2025-01-15 in Asia/Kolkata
	doc, today := seed(t, e)
	tomorrow := bookAs(t, e, mallory, doc, "2025-01-16")
	refused := func(what, rk, id string, c platformtest.Call) {
		t.Helper()
		before := e.items(t, clinicTable)
		r := e.call(t, rk, id, c)
		var p problem.Document
		platformtest.JSON(t, r, &p)
		if r.StatusCode != 409 || p.Code != "not_today" {
			t.Errorf("%s: %d %s, want 409 not_today", what, r.StatusCode, r.Body)
		}
		if after := e.items(t, clinicTable); !slices.Equal(before, after) {
			t.Errorf("%s: refused but the clinic table changed", what)
		}
	}
	refused("check-in a day early (patient)", "POST /api/v1/appointments/{id}/check-in", tomorrow, mallory)
	refused("check-in a day early (receptionist)", "POST /api/v1/appointments/{id}/check-in", tomorrow, recep)
	refused("emergency check-in a day early", "POST /api/v1/appointments/{id}/emergency-check-in", tomorrow, recep)
	refused("call next on tomorrow's queue", "POST /api/v1/doctors/{id}/queue/next", doc, withQuery(doctor, "date=2025-01-16"))
	refused("call next on yesterday's queue", "POST /api/v1/doctors/{id}/queue/next", doc, withQuery(doctor, "date=2025-01-14"))

	ok := func(what, rk, id string, c platformtest.Call) {
		t.Helper()
		if r := e.call(t, rk, id, c); r.StatusCode != 200 {
			t.Fatalf("%s: %d %s", what, r.StatusCode, r.Body)
		}
	}
	ok("check-in today", "POST /api/v1/appointments/{id}/check-in", today, alice)
	ok("call next today", "POST /api/v1/doctors/{id}/queue/next", doc, withQuery(doctor, "date=2025-01-15"))

	// 20:00 UTC is 01:30 on the 16th in Asia/Kolkata: the business day has turned.
	setClock(t, e, time.Date(2025, 1, 15, 20, 0, 0, 0, time.UTC))
	refused("complete the day after", "POST /api/v1/appointments/{id}/complete", today, doctor)
	refused("skip the day after", "POST /api/v1/appointments/{id}/skip", today, doctor)
	refused("skip the day after (receptionist)", "POST /api/v1/appointments/{id}/skip", today, recep)
	ok("check-in on the business day, though still the 15th in UTC", "POST /api/v1/appointments/{id}/check-in", tomorrow, mallory)

	setClock(t, e, time.Date(2025, 1, 15, 10, 30, 0, 0, time.UTC))
	ok("complete on the day", "POST /api/v1/appointments/{id}/complete", today, doctor)
}

// TestStatsIgnoreConsultationsShorterThanTheFloor: a consultation shorter than the floor
// (60 s by default) does not join the statistics, which say how many were ignored.
func TestStatsIgnoreConsultationsShorterThanTheFloor(t *testing.T) {
	e := clinicSetup(t)
	at := time.Date(2025, 1, 15, 10, 0, 0, 0, time.UTC)
	doc, first := seed(t, e)
	second := bookAs(t, e, mallory, doc, "2025-01-15")
	consult := func(id string, c platformtest.Call, d time.Duration) {
		t.Helper()
		for _, step := range []struct {
			rk, id string
			c      platformtest.Call
		}{{"POST /api/v1/appointments/{id}/check-in", id, c}, {"POST /api/v1/doctors/{id}/queue/next", doc, doctor}} {
			if r := e.call(t, step.rk, step.id, step.c); r.StatusCode != 200 {
				t.Fatalf("%s: %d %s", step.rk, r.StatusCode, r.Body)
			}
		}
		at = at.Add(d)
		setClock(t, e, at)
		if r := e.call(t, "POST /api/v1/appointments/{id}/complete", id, doctor); r.StatusCode != 200 {
			t.Fatalf("complete: %d %s", r.StatusCode, r.Body)
		}
	}
	type stats struct {
		Consultations              int64
		Ignored                    int64   `json:"ignoredConsultations"`
		AverageConsultationSeconds float64 `json:"averageConsultationSeconds"`
	}
	read := func() stats {
		t.Helper()
		r := e.call(t, "GET /api/v1/doctors/{id}/stats", doc, recep)
		var s stats
		platformtest.JSON(t, r, &s)
		if r.StatusCode != 200 {
			t.Fatalf("stats: %d %s", r.StatusCode, r.Body)
		}
		return s
	}
	consult(first, alice, 59*time.Second)
	if s := read(); s.Consultations != 0 || s.Ignored != 1 || s.AverageConsultationSeconds != 0 {
		t.Fatalf("after a 59 s consultation: %+v, want 0 counted and 1 ignored", s)
	}
	consult(second, mallory, 5*time.Minute)
	if s := read(); s.Consultations != 1 || s.Ignored != 1 || s.AverageConsultationSeconds != 300 {
		t.Fatalf("after a 5 min consultation: %+v, want 1 counted (300 s) and 1 ignored", s)
	}
}

// TestRebookLimitThroughTheRoutes: after cancelling two bookings of a doctor's day, the
// patient's third booking of it is 409 rebook_limit and writes nothing; the cancelled places
// are free for others, under new token numbers.
func TestRebookLimitThroughTheRoutes(t *testing.T) {
	e := clinicSetup(t)
	doc, first := seed(t, e)
	if r := e.call(t, "POST /api/v1/appointments/{id}/cancel", first, alice); r.StatusCode != 200 {
		t.Fatalf("cancel: %d %s", r.StatusCode, r.Body)
	}
	second := bookAs(t, e, alice, doc, "2025-01-15")
	if r := e.call(t, "POST /api/v1/appointments/{id}/cancel", second, alice); r.StatusCode != 200 {
		t.Fatalf("cancel: %d %s", r.StatusCode, r.Body)
	}
	before := e.items(t, clinicTable)
	r := e.call(t, "POST /api/v1/appointments", "", withBody(alice, `{"doctorId":"`+doc+`","date":"2025-01-15","slot":"16:00"}`))
	var p problem.Document
	platformtest.JSON(t, r, &p)
	if r.StatusCode != 409 || p.Code != "rebook_limit" {
		t.Fatalf("third booking: %d %s, want 409 rebook_limit", r.StatusCode, r.Body)
	}
	if after := e.items(t, clinicTable); !slices.Equal(before, after) {
		t.Fatal("a refused booking changed the clinic table")
	}
	if id := bookAs(t, e, mallory, doc, "2025-01-15"); !strings.HasSuffix(id, ".3") {
		t.Fatalf("next booking %s, want token 3 (tokens 1 and 2 are never reused)", id)
	}
}
