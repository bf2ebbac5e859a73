package clinicstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"holdfast/shared/clinic"
	"holdfast/shared/clinic/clinicstore"
	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/problem"
)

var (
	now  = time.Date(2025, 1, 15, 4, 0, 0, 0, time.UTC)
	date = clock.NewDate(2025, 1, 15)
)

func addDoctor(t *testing.T, st *clinicstore.Store, id string, max int) clinic.Doctor {
	t.Helper()
	d := clinic.Doctor{ID: id, Name: "Dr " + id, Specialty: "GP", StartTime: 9 * 60, EndTime: 17 * 60, SlotMinutes: 10, MaxTokens: max, CreatedAt: now}
	if err := st.PutDoctor(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	return d
}

func book(ctx context.Context, st *clinicstore.Store, doc clinic.Doctor, patient string) (clinic.Appointment, error) {
	return st.Book(ctx, doc, date, now, clinic.BookInput{PatientID: patient, PatientName: "P " + patient, Slot: 9 * 60})
}

// bookThroughMutate books through the general path, which must agree with Book.
func bookThroughMutate(ctx context.Context, st *clinicstore.Store, doc clinic.Doctor, patient string) (clinic.Appointment, error) {
	var out clinic.Appointment
	_, err := st.Mutate(ctx, doc.ID, date, now, func(d *clinic.Day) error {
		a, err := d.Book(doc, clinic.BookInput{PatientID: patient, PatientName: "P " + patient, Slot: 9 * 60}, now)
		out = a
		return err
	}, nil)
	return out, err
}

func TestFiftyConcurrentBookingsGetTokensOneToFifty(t *testing.T) {
	st := newStore(t)
	doc := addDoctor(t, st, "D50", 50)
	ctx := context.Background()
	var wg sync.WaitGroup
	got := make([]int, 50)
	errs := make([]error, 50)
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, err := book(ctx, st, doc, fmt.Sprintf("p%02d", i))
			got[i], errs[i] = a.Token, err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("booking %d: %v", i, err)
		}
	}
	sort.Ints(got)
	for i, tok := range got {
		if tok != i+1 {
			t.Fatalf("tokens %v: want exactly 1..50", got)
		}
	}
	_, err := book(ctx, st, doc, "p51")
	if p := problem.From(err); p == nil || problem.Status(p.Kind) != 409 || p.Code != clinic.CodeDayFull {
		t.Fatalf("51st booking: %v", err)
	}
	day, err := st.Day(ctx, doc.ID, date)
	if err != nil {
		t.Fatal(err)
	}
	if day.LastToken != 50 || len(day.Appointments) != 50 || len(day.Guards) != 50 || day.Version != 50 {
		t.Fatalf("day: last %d, %d appointments, %d guards, version %d", day.LastToken, len(day.Appointments), len(day.Guards), day.Version)
	}
}

func TestOneActiveBookingPerPatientUnderConcurrency(t *testing.T) {
	st := newStore(t)
	doc := addDoctor(t, st, "DG", 20)
	var ok, dup atomic.Int32
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := book
			if i%2 == 1 {
				b = bookThroughMutate // the general path keeps the same guard
			}
			_, err := b(context.Background(), st, doc, "same-patient")
			switch {
			case err == nil:
				ok.Add(1)
			case problem.From(err).Code == clinic.CodeAlreadyBooked:
				dup.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	day, _ := st.Day(context.Background(), doc.ID, date)
	if ok.Load() != 1 || dup.Load() != 7 || day.LastToken != 1 {
		t.Fatalf("ok %d dup %d lastToken %d", ok.Load(), dup.Load(), day.LastToken)
	}
}

// Concurrent check-ins, watched by a reader: no token is lost or duplicated, every committed
// state satisfies the queue's invariants, and at the end the present patients hold the lowest
// tokens.
func TestConcurrentCheckInsKeepEverySnapshotConsistent(t *testing.T) {
	st := newStore(t)
	doc := addDoctor(t, st, "DC", 30)
	ctx := context.Background()
	var ids []string
	for i := range 30 {
		a, err := book(ctx, st, doc, fmt.Sprintf("p%02d", i))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.ID)
	}
	r := rand.New(rand.NewPCG(1, 2))
	r.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	arriving := ids[:20]

	stop := make(chan struct{})
	readerDone := make(chan struct{})
	var snapshots atomic.Int32
	var readerErr atomic.Value
	go func() {
		defer close(readerDone)
		lastVersion := int64(0)
		for {
			select {
			case <-stop:
				return
			default:
			}
			day, err := st.Day(ctx, doc.ID, date)
			if err != nil {
				readerErr.Store(err)
				return
			}
			if err := consistent(day); err != nil {
				readerErr.Store(fmt.Errorf("version %d: %w", day.Version, err))
				return
			}
			if day.Version < lastVersion {
				readerErr.Store(fmt.Errorf("version went back %d → %d", lastVersion, day.Version))
				return
			}
			lastVersion = day.Version
			snapshots.Add(1)
		}
	}()
	var wg sync.WaitGroup
	for _, id := range arriving {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := st.Mutate(ctx, doc.ID, date, now, func(d *clinic.Day) error {
				_, err := d.CheckIn(id, false, now)
				return err
			}, nil); err != nil {
				t.Errorf("check-in %s: %v", id, err)
			}
		}()
	}
	wg.Wait()
	close(stop)
	<-readerDone // its last read, and any error it found, are in
	if err, _ := readerErr.Load().(error); err != nil {
		t.Fatal(err)
	}
	day, err := st.Day(ctx, doc.ID, date)
	if err != nil {
		t.Fatal(err)
	}
	if err := consistent(day); err != nil {
		t.Fatal(err)
	}
	present := map[string]bool{}
	for _, id := range arriving {
		present[id] = true
	}
	for _, a := range day.Appointments {
		if present[a.ID] != (a.State == clinic.CheckedIn) || (present[a.ID] && a.Token > 20) || (!present[a.ID] && a.Token <= 20) {
			t.Fatalf("%s state %s token %d", a.ID, a.State, a.Token)
		}
	}
	t.Logf("reader saw %d consistent snapshots during the check-ins", snapshots.Load())
}

// consistent: tokens are exactly 1..n with no duplicate, original tokens unchanged, and no
// absent patient ahead of a present one.
func consistent(day *clinic.Day) error {
	if err := day.Check(); err != nil {
		return err
	}
	seen := map[int]bool{}
	for _, a := range day.Appointments {
		if seen[a.Token] {
			return fmt.Errorf("token %d twice", a.Token)
		}
		seen[a.Token] = true
		if want := clinic.AppointmentID(a.DoctorID, a.Date, a.OriginalToken); want != a.ID {
			return fmt.Errorf("original token of %s changed to %d", a.ID, a.OriginalToken)
		}
	}
	for i := 1; i <= len(day.Appointments); i++ {
		if !seen[i] {
			return fmt.Errorf("token %d lost", i)
		}
	}
	return nil
}

func TestCompleteMovesStatsInTheSameTransaction(t *testing.T) {
	st := newStore(t)
	doc := addDoctor(t, st, "DS", 10)
	ctx := context.Background()
	a, _ := book(ctx, st, doc, "p1")
	mut := func(op func(d *clinic.Day) error, extra clinicstore.Extra) {
		t.Helper()
		if _, err := st.Mutate(ctx, doc.ID, date, now, op, extra); err != nil {
			t.Fatal(err)
		}
	}
	mut(func(d *clinic.Day) error { _, err := d.CheckIn(a.ID, false, now); return err }, nil)
	mut(func(d *clinic.Day) error { _, err := d.Next(now); return err }, nil)
	var dur time.Duration
	if _, err := st.Mutate(ctx, doc.ID, date, now.Add(7*time.Minute), func(d *clinic.Day) error {
		var err error
		_, dur, err = d.Complete(a.ID, now.Add(7*time.Minute))
		return err
	}, st.StatsWrite(doc.ID, time.Minute, func() time.Duration { return dur })); err != nil {
		t.Fatal(err)
	}
	s, err := st.Stats(ctx, doc.ID)
	if err != nil || s.Consultations != 1 || s.TotalMs != 420000 || s.Version != 1 {
		t.Fatalf("%+v %v", s, err)
	}
	got, err := st.Appointment(ctx, a.ID)
	if err != nil || got.State != clinic.Completed || got.DurationMs != 420000 {
		t.Fatalf("%+v %v", got, err)
	}
}
