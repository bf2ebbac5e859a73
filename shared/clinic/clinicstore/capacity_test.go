package clinicstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"holdfast/shared/clinic"
	"holdfast/shared/clinic/clinicstore"
	"holdfast/shared/platform/errs"
)

func cancel(ctx context.Context, st *clinicstore.Store, a clinic.Appointment) error {
	_, err := st.Mutate(ctx, a.DoctorID, a.Date, now, func(d *clinic.Day) error {
		_, err := d.Cancel(a.ID, now)
		return err
	}, nil)
	return err
}

// Cancelled bookings free their place on a stored day (the store's Book reads only the day's
// head), tokens keep increasing, and a patient's third booking after two cancellations is
// refused.
func TestStoredDayCapacityCountsActiveBookings(t *testing.T) {
	st := newStore(t)
	doc := addDoctor(t, st, "DCAP", 10)
	ctx := context.Background()
	last := 0
	check := func(a clinic.Appointment) {
		t.Helper()
		if a.OriginalToken <= last {
			t.Fatalf("token %d after %d: tokens must strictly increase", a.OriginalToken, last)
		}
		last = a.OriginalToken
	}
	for i := range 10 {
		a, err := book(ctx, st, doc, fmt.Sprintf("c%d", i/2))
		if err != nil {
			t.Fatalf("cycle %d: booking: %v", i, err)
		}
		check(a)
		if err := cancel(ctx, st, a); err != nil {
			t.Fatalf("cycle %d: cancel: %v", i, err)
		}
	}
	if _, err := book(ctx, st, doc, "c0"); errs.CodeOf(err) != clinic.CodeRebookLimit {
		t.Fatalf("third booking after two cancellations: %v, want rebook_limit", err)
	}
	if _, err := bookThroughMutate(ctx, st, doc, "c1"); errs.CodeOf(err) != clinic.CodeRebookLimit {
		t.Fatalf("third booking through Mutate: %v, want rebook_limit", err)
	}
	for i := range 10 {
		a, err := book(ctx, st, doc, fmt.Sprintf("p%d", i))
		if err != nil {
			t.Fatalf("booking %d of 10 by other patients: %v", i+1, err)
		}
		check(a)
	}
	if _, err := book(ctx, st, doc, "p10"); errs.CodeOf(err) != clinic.CodeDayFull {
		t.Fatalf("11th active booking: %v, want day_full", err)
	}
	day, err := st.Day(ctx, doc.ID, date)
	if err != nil {
		t.Fatal(err)
	}
	if day.LastToken != 20 || len(day.Appointments) != 20 {
		t.Fatalf("day: last token %d, %d appointments; want 20 and 20", day.LastToken, len(day.Appointments))
	}
	if err := day.Check(); err != nil {
		t.Fatal(err)
	}
}

// Two patients racing for the place a cancellation freed on a full day: exactly one wins.
func TestRacingBookingsForTheLastFreedPlace(t *testing.T) {
	st := newStore(t)
	doc := addDoctor(t, st, "DLAST", 5)
	ctx := context.Background()
	var first clinic.Appointment
	for i := range 5 {
		a, err := book(ctx, st, doc, fmt.Sprintf("p%d", i))
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = a
		}
	}
	if err := cancel(ctx, st, first); err != nil {
		t.Fatal(err)
	}
	for round := range 5 {
		var wg sync.WaitGroup
		results := make([]error, 2)
		bookers := []func(context.Context, *clinicstore.Store, clinic.Doctor, string) (clinic.Appointment, error){book, bookThroughMutate}
		won := make([]clinic.Appointment, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				won[i], results[i] = bookers[i](ctx, st, doc, fmt.Sprintf("r%d-%d", round, i))
			}()
		}
		wg.Wait()
		wins := 0
		var winner clinic.Appointment
		for i, err := range results {
			switch {
			case err == nil:
				wins++
				winner = won[i]
			case errs.CodeOf(err) != clinic.CodeDayFull:
				t.Fatalf("round %d: loser: %v, want day_full", round, err)
			}
		}
		if wins != 1 {
			t.Fatalf("round %d: %d bookings won the last place, want exactly 1", round, wins)
		}
		// Free the place again for the next round.
		if err := cancel(ctx, st, winner); err != nil {
			t.Fatal(err)
		}
	}
}
