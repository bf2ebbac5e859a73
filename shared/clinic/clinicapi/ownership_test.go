package clinicapi_test

import (
	"slices"
	"strings"
	"testing"

	"holdfast/shared/platform/identity"
	"holdfast/shared/platform/platformtest"
)

var (
	drA = platformtest.Call{Sub: "user-dr-a", Roles: []string{identity.RoleDoctor}}
	drB = platformtest.Call{Sub: "user-dr-b", Roles: []string{identity.RoleDoctor}}
	drC = platformtest.Call{Sub: "user-dr-c", Roles: []string{identity.RoleDoctor}}
)

// createDoctor registers a doctor whose record names user (none when "").
func createDoctor(t *testing.T, e *clinicEnv, user string) string {
	t.Helper()
	body := doctorOK
	if user != "" {
		body = strings.Replace(doctorOK, `{`, `{"user":"`+user+`",`, 1)
	}
	r := e.call(t, "POST /api/v1/doctors", "", withBody(admin, body))
	if r.StatusCode != 201 {
		t.Fatalf("create doctor: %d %s", r.StatusCode, r.Body)
	}
	var d struct{ ID, User string }
	platformtest.JSON(t, r, &d)
	if d.User != user {
		t.Fatalf("created doctor names user %q, want %q", d.User, user)
	}
	return d.ID
}

// TestADoctorIsBoundToTheirOwnQueue: the doctor role reads and acts on only the queue,
// appointments and statistics of the doctor record naming its user; another doctor's are 403
// and nothing changes; receptionists and admins reach every doctor's.
func TestADoctorIsBoundToTheirOwnQueue(t *testing.T) {
	e := clinicSetup(t)
	docA, docB, docC := createDoctor(t, e, drA.Sub), createDoctor(t, e, drB.Sub), createDoctor(t, e, "")
	onB := bookAs(t, e, alice, docB, "2025-01-15")
	onA := bookAs(t, e, mallory, docA, "2025-01-15")
	status := func(want int, what, rk, id string, c platformtest.Call) {
		t.Helper()
		before := e.items(t, clinicTable)
		r := e.call(t, rk, id, c)
		if r.StatusCode != want {
			t.Fatalf("%s: %d %s, want %d", what, r.StatusCode, r.Body, want)
		}
		if want == 403 {
			if after := e.items(t, clinicTable); !slices.Equal(before, after) {
				t.Fatalf("%s: refused but the clinic table changed", what)
			}
			if strings.Contains(r.Body, "Alice") || strings.Contains(r.Body, alice.Sub) {
				t.Fatalf("%s: refusal leaks the patient: %s", what, r.Body)
			}
		}
	}
	for _, id := range []string{onA, onB} {
		status(200, "receptionist checks in "+id, "POST /api/v1/appointments/{id}/check-in", id, recep)
	}
	status(200, "B calls next on B", "POST /api/v1/doctors/{id}/queue/next", docB, drB)

	// Doctor A on doctor B's queue, appointments and statistics.
	status(403, "A reads B's queue", "GET /api/v1/doctors/{id}/queue", docB, drA)
	status(403, "A reads B's stats", "GET /api/v1/doctors/{id}/stats", docB, drA)
	status(403, "A calls next on B", "POST /api/v1/doctors/{id}/queue/next", docB, drA)
	status(403, "A reads B's appointment", "GET /api/v1/appointments/{id}", onB, drA)
	status(403, "A completes B's patient", "POST /api/v1/appointments/{id}/complete", onB, drA)
	status(403, "A skips B's patient", "POST /api/v1/appointments/{id}/skip", onB, drA)
	// A doctor record naming no user is nobody's: no doctor-role caller reaches it.
	status(403, "A reads C's queue (C names no user)", "GET /api/v1/doctors/{id}/queue", docC, drA)
	status(403, "C's user reads C's queue before C names it", "GET /api/v1/doctors/{id}/queue", docC, drC)

	// Each doctor on their own.
	status(200, "B reads B's appointment", "GET /api/v1/appointments/{id}", onB, drB)
	status(200, "B skips B's patient", "POST /api/v1/appointments/{id}/skip", onB, drB)
	status(200, "A reads A's queue", "GET /api/v1/doctors/{id}/queue", docA, drA)
	status(200, "A reads A's stats", "GET /api/v1/doctors/{id}/stats", docA, drA)
	status(200, "A calls next on A", "POST /api/v1/doctors/{id}/queue/next", docA, drA)
	status(200, "A completes A's patient", "POST /api/v1/appointments/{id}/complete", onA, drA)
	status(200, "A reads A's appointment", "GET /api/v1/appointments/{id}", onA, drA)

	// Staff reach every doctor's.
	for _, c := range []platformtest.Call{recep, admin} {
		for _, doc := range []string{docA, docB, docC} {
			status(200, c.Sub+" reads a queue", "GET /api/v1/doctors/{id}/queue", doc, c)
			status(200, c.Sub+" reads stats", "GET /api/v1/doctors/{id}/stats", doc, c)
		}
		status(200, c.Sub+" reads B's appointment", "GET /api/v1/appointments/{id}", onB, c)
	}
	status(200, "receptionist checks B's patient in again", "POST /api/v1/appointments/{id}/check-in", onB, recep)
	status(200, "B calls next on B again", "POST /api/v1/doctors/{id}/queue/next", docB, drB)
	status(200, "receptionist skips B's patient", "POST /api/v1/appointments/{id}/skip", onB, recep)

	// The backfill: an admin names C's user, who then reaches C's queue (and A still does not).
	r := e.call(t, "PUT /api/v1/doctors/{id}/user", docC, withBody(admin, `{"user":"`+drC.Sub+`"}`))
	if r.StatusCode != 200 || !strings.Contains(r.Body, `"user":"`+drC.Sub+`"`) {
		t.Fatalf("set C's user: %d %s", r.StatusCode, r.Body)
	}
	status(200, "C reads C's queue", "GET /api/v1/doctors/{id}/queue", docC, drC)
	status(403, "A reads C's queue", "GET /api/v1/doctors/{id}/queue", docC, drA)
}
