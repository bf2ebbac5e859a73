package clinic

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/errs"
)

var t0 = time.Date(2025, 1, 15, 4, 0, 0, 0, time.UTC)

func doctor(max int) Doctor {
	return Doctor{ID: "D1", Name: "Dr Rao", StartTime: 9 * 60, EndTime: 13 * 60, SlotMinutes: 15, MaxTokens: max}
}

func bookN(t *testing.T, d *Day, n int) []Appointment {
	t.Helper()
	var out []Appointment
	for i := 1; i <= n; i++ {
		a, err := d.Book(doctor(50), BookInput{PatientID: fmt.Sprintf("p%d", i), PatientName: fmt.Sprintf("Pat %c", 'A'+i), Slot: 9 * 60}, t0)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

func code(err error) string {
	if err == nil {
		return ""
	}
	return errs.CodeOf(err)
}

func tokens(d *Day) map[int]int {
	out := map[int]int{}
	for _, a := range d.Appointments {
		out[a.OriginalToken] = a.Token
	}
	return out
}

func TestDayFlow(t *testing.T) {
	d := &Day{DoctorID: "D1", Date: clock.NewDate(2025, 1, 15)}
	as := bookN(t, d, 5)
	if as[4].Token != 5 || as[4].ID != "D1.20250115.5" {
		t.Fatalf("%+v", as[4])
	}
	if _, err := d.Book(doctor(50), BookInput{PatientID: "p1", Slot: 9 * 60}, t0); code(err) != CodeAlreadyBooked {
		t.Fatalf("second booking: %v", err)
	}
	for _, i := range []int{2, 4} { // #3 and #5 check in
		if _, err := d.CheckIn(as[i].ID, false, t0); err != nil {
			t.Fatal(err)
		}
	}
	if got := tokens(d); got[3] != 1 || got[5] != 2 || got[1] != 3 || got[2] != 4 || got[4] != 5 {
		t.Fatalf("tokens after check-ins: %v", got)
	}
	if err := d.Check(); err != nil {
		t.Fatal(err)
	}
	called, err := d.Next(t0.Add(time.Minute))
	if err != nil || called.OriginalToken != 3 || called.State != InConsultation {
		t.Fatalf("next: %+v %v", called, err)
	}
	if _, err := d.Next(t0); code(err) != CodeConsultationInProcess {
		t.Fatalf("next while serving: %v", err)
	}
	done, dur, err := d.Complete(called.ID, t0.Add(11*time.Minute))
	if err != nil || dur != 10*time.Minute || done.DurationMs != 600000 {
		t.Fatalf("complete: %+v %v %v", done, dur, err)
	}
	// #5 is called and is not there: skipped back to BOOKED, behind the present ones.
	next, _ := d.Next(t0.Add(12 * time.Minute))
	if next.OriginalToken != 5 {
		t.Fatalf("second call: %+v", next)
	}
	if _, err := d.CheckIn(as[0].ID, false, t0); err != nil { // #1 arrives meanwhile
		t.Fatal(err)
	}
	sk, err := d.Skip(next.ID, t0.Add(13*time.Minute))
	if err != nil || sk.State != Booked {
		t.Fatalf("skip: %+v %v", sk, err)
	}
	w := d.Waiting()
	if w[0].OriginalToken != 1 || w[0].State != CheckedIn || w[1].OriginalToken != 5 {
		t.Fatalf("after skip: %+v", w)
	}
	// Emergency: #4 goes ahead of every waiting patient.
	if _, err := d.CheckIn(as[3].ID, true, t0); err != nil {
		t.Fatal(err)
	}
	if up, _ := d.UpNext(); up.OriginalToken != 4 || !up.Emergency {
		t.Fatalf("emergency not first: %+v", d.Waiting())
	}
	if err := d.Check(); err != nil {
		t.Fatal(err)
	}
	// Cancel only before check-in; #2 cancels and may book again.
	if _, err := d.Cancel(as[0].ID, t0); code(err) != CodeIllegalTransition {
		t.Fatalf("cancel checked-in: %v", err)
	}
	if _, err := d.Cancel(as[1].ID, t0); err != nil {
		t.Fatal(err)
	}
	if _, ok := d.Guards["p2"]; ok {
		t.Fatal("guard kept after cancel")
	}
	// End of day: only BOOKED become NO_SHOW, once.
	if n := d.MarkNoShows(); n != 1 { // #5
		t.Fatalf("no-shows %d", n)
	}
	if n := d.MarkNoShows(); n != 0 {
		t.Fatalf("second run marked %d", n)
	}
}

func TestTransitionsFromEveryState(t *testing.T) {
	ops := map[string]func(d *Day, id string) error{
		"check-in":  func(d *Day, id string) error { _, err := d.CheckIn(id, false, t0); return err },
		"emergency": func(d *Day, id string) error { _, err := d.CheckIn(id, true, t0); return err },
		"cancel":    func(d *Day, id string) error { _, err := d.Cancel(id, t0); return err },
		"complete":  func(d *Day, id string) error { _, _, err := d.Complete(id, t0); return err },
		"skip":      func(d *Day, id string) error { _, err := d.Skip(id, t0); return err },
	}
	allowed := map[State][]string{
		Booked:         {"check-in", "emergency", "cancel"},
		CheckedIn:      {"emergency"},
		InConsultation: {"complete", "skip"},
	}
	for _, st := range []State{Booked, CheckedIn, InConsultation, Completed, Cancelled, NoShow} {
		for name, op := range ops {
			d := &Day{DoctorID: "D1", Date: clock.NewDate(2025, 1, 15)}
			a := bookN(t, d, 1)[0]
			d.Appointments[0].State = st
			if st == InConsultation {
				d.ServingID = a.ID
			}
			err := op(d, a.ID)
			ok := false
			for _, n := range allowed[st] {
				ok = ok || n == name
			}
			if ok && err != nil {
				t.Errorf("%s from %s: %v", name, st, err)
			}
			if !ok && code(err) != CodeIllegalTransition {
				t.Errorf("%s from %s: want illegal_transition, got %v", name, st, err)
			}
		}
	}
}

func TestDayFullAndNoGaps(t *testing.T) {
	d := &Day{DoctorID: "D1", Date: clock.NewDate(2025, 1, 15)}
	for i := 1; i <= 3; i++ {
		if _, err := d.Book(doctor(3), BookInput{PatientID: fmt.Sprint(i), Slot: 9 * 60}, t0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.Book(doctor(3), BookInput{PatientID: "x", Slot: 9 * 60}, t0); code(err) != CodeDayFull {
		t.Fatalf("4th: %v", err)
	}
	if d.LastToken != 3 {
		t.Fatalf("a refused booking consumed a token: %d", d.LastToken)
	}
}

func TestNextNeedsAPresentPatient(t *testing.T) {
	d := &Day{DoctorID: "D1", Date: clock.NewDate(2025, 1, 15)}
	bookN(t, d, 2)
	if _, err := d.Next(t0); code(err) != CodeQueueEmpty {
		t.Fatalf("%v", err)
	}
}

func TestNewDoctorValidation(t *testing.T) {
	str := func(s string) *string { return &s }
	num := func(n int) *int { return &n }
	ok := NewDoctorInput{Name: str("Dr A"), Specialty: str("ENT"), StartTime: str("09:00"), EndTime: str("12:00"), SlotMinutes: num(15), MaxTokens: num(50)}
	d, err := NewDoctor("D1", ok, t0)
	if err != nil || len(d.Slots()) != 12 || !d.HasSlot(9*60+45) || d.HasSlot(9*60+10) {
		t.Fatalf("%+v %v", d, err)
	}
	cases := []struct {
		name   string
		mut    func(*NewDoctorInput)
		fields []string
	}{
		{"all missing", func(in *NewDoctorInput) { *in = NewDoctorInput{} }, []string{"name", "specialty", "startTime", "endTime", "slotMinutes", "maxTokens"}},
		{"blank name", func(in *NewDoctorInput) { in.Name = str("  ") }, []string{"name"}},
		{"markup", func(in *NewDoctorInput) { in.Name = str("<script>") }, []string{"name"}},
		{"long", func(in *NewDoctorInput) { in.Specialty = str(strings.Repeat("x", 101)) }, []string{"specialty"}},
		{"bad time", func(in *NewDoctorInput) { in.StartTime = str("9am") }, []string{"startTime"}},
		{"24:00", func(in *NewDoctorInput) { in.EndTime = str("24:00") }, []string{"endTime"}},
		{"end before start", func(in *NewDoctorInput) { in.EndTime = str("08:00") }, []string{"endTime"}},
		{"slot too long", func(in *NewDoctorInput) { in.SlotMinutes = num(200) }, []string{"slotMinutes"}},
		{"slot 0", func(in *NewDoctorInput) { in.SlotMinutes = num(0) }, []string{"slotMinutes"}},
		{"tokens 0", func(in *NewDoctorInput) { in.MaxTokens = num(0) }, []string{"maxTokens"}},
		{"tokens 99", func(in *NewDoctorInput) { in.MaxTokens = num(99) }, []string{"maxTokens"}},
	}
	for _, c := range cases {
		in := ok
		c.mut(&in)
		_, err := NewDoctor("D1", in, t0)
		p, _ := errs.As(err)
		if p == nil || p.Kind != errs.KindInvalid || len(p.Fields) != len(c.fields) {
			t.Fatalf("%s: %v", c.name, err)
		}
		for i, f := range c.fields {
			if p.Fields[i].Field != f {
				t.Fatalf("%s: fields %+v", c.name, p.Fields)
			}
		}
	}
}

func TestStatsAndWaits(t *testing.T) {
	var s Stats
	if s.WaitBasis(12) != 12*time.Minute {
		t.Fatal("no history: slot length")
	}
	for i := 1; i <= 4; i++ {
		s = s.Add(time.Duration(i) * time.Minute)
	}
	if s.WaitBasis(12) != s.AllTimeAverage() || s.AllTimeAverage() != 150*time.Second {
		t.Fatalf("under 5 samples: %v", s.WaitBasis(12))
	}
	for i := 0; i < 40; i++ {
		s = s.Add(10 * time.Minute)
	}
	if len(s.Recent) != RollingWindow || s.RollingAverage() != 10*time.Minute || s.WaitBasis(12) != 10*time.Minute {
		t.Fatalf("rolling: %v %d", s.RollingAverage(), len(s.Recent))
	}
	if s.Consultations != 44 || s.AllTimeAverage() != time.Duration((10*60000+40*600000)/44)*time.Millisecond {
		t.Fatalf("all-time %v", s.AllTimeAverage())
	}
	d := &Day{DoctorID: "D1", Date: clock.NewDate(2025, 1, 15)}
	as := bookN(t, d, 3)
	d.CheckIn(as[1].ID, false, t0)
	d.Next(t0)
	w := d.Waits(5 * time.Minute)
	if len(w) != 2 || w[0].Ahead != 1 || w[0].Wait != 5*time.Minute || w[1].Ahead != 2 {
		t.Fatalf("%+v", w)
	}
}

func TestSnapshotIsMasked(t *testing.T) {
	d := &Day{DoctorID: "D1", Date: clock.NewDate(2025, 1, 15), Version: 7}
	d.Book(doctor(5), BookInput{PatientID: "secret-sub", PatientName: "Asha Devi Rao Kumar", Slot: 9 * 60}, t0)
	d.Book(doctor(5), BookInput{PatientID: "sub2", PatientName: "ravi", Slot: 9 * 60}, t0)
	d.CheckIn("D1.20250115.1", false, t0)
	d.Next(t0)
	s := d.Snapshot(doctor(5), Stats{}, t0)
	if s.NowServing == nil || s.NowServing.Initials != "A. D. R." || len(s.Next) != 1 || s.Next[0].Initials != "R." || s.Version != 7 {
		t.Fatalf("%+v", s)
	}
	if Initials("  ") != "—" || Initials("Élodie d'Arc") != "É. D." {
		t.Fatalf("%q %q", Initials("  "), Initials("Élodie d'Arc"))
	}
}

func TestAppointmentIDs(t *testing.T) {
	id := AppointmentID("d_1-x", clock.NewDate(2025, 2, 3), 42)
	doc, date, tok, ok := ParseAppointmentID(id)
	if !ok || doc != "d_1-x" || date != clock.NewDate(2025, 2, 3) || tok != 42 {
		t.Fatal(id, doc, date, tok, ok)
	}
	for _, bad := range []string{"", "x", "D1.20250230.1", "D1.20250101.0", "D1.20250101.1000", "D1.2025011.1", "D 1.20250101.1", "D1.20250101.1.", "../../x"} {
		if _, _, _, ok := ParseAppointmentID(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
}
