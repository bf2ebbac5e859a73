package clinic

import (
	"fmt"
	"testing"

	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/errs"
)

func TestCheckBookingDate(t *testing.T) {
	d := clock.NewDate
	cases := []struct {
		name        string
		date, today clock.Date
		code        string // "" when the day may be booked
	}{
		{"today", d(2025, 1, 15), d(2025, 1, 15), ""},
		{"tomorrow", d(2025, 1, 16), d(2025, 1, 15), ""},
		{"today+89", d(2025, 4, 14), d(2025, 1, 15), ""},
		{"today+90", d(2025, 4, 15), d(2025, 1, 15), ""},
		{"today+91", d(2025, 4, 16), d(2025, 1, 15), CodeDateTooFar},
		{"yesterday", d(2025, 1, 14), d(2025, 1, 15), CodeDateInPast},
		{"a year ago", d(2024, 1, 15), d(2025, 1, 15), CodeDateInPast},
		{"a year ahead", d(2026, 1, 15), d(2025, 1, 15), CodeDateTooFar},
		// year boundaries
		{"new year's day from new year's eve", d(2026, 1, 1), d(2025, 12, 31), ""},
		{"new year's eve from new year's day", d(2025, 12, 31), d(2026, 1, 1), CodeDateInPast},
		{"today+90 across the year", d(2026, 3, 31), d(2025, 12, 31), ""},
		{"today+91 across the year", d(2026, 4, 1), d(2025, 12, 31), CodeDateTooFar},
		{"today+90 from october into the next year", d(2026, 1, 1), d(2025, 10, 3), ""},
		{"today+91 from october into the next year", d(2026, 1, 2), d(2025, 10, 3), CodeDateTooFar},
		// a leap year's February counts its 29th day
		{"today+90 over a leap day", d(2024, 3, 31), d(2024, 1, 1), ""},
		{"today+91 over a leap day", d(2024, 4, 1), d(2024, 1, 1), CodeDateTooFar},
		{"today+90 without a leap day", d(2025, 4, 1), d(2025, 1, 1), ""},
		{"today+91 without a leap day", d(2025, 4, 2), d(2025, 1, 1), CodeDateTooFar},
		// the last bookable dates the API accepts
		{"the last day of 2099 from today", d(2099, 12, 31), d(2099, 12, 31), ""},
		{"the last day of 2099 from 90 days before", d(2099, 12, 31), d(2099, 10, 2), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := CheckBookingDate(c.date, c.today)
			if c.code == "" {
				if err != nil {
					t.Fatalf("%s from %s: %v", c.date, c.today, err)
				}
				return
			}
			e, ok := errs.As(err)
			if !ok || e.Kind != errs.KindUnprocessable || e.Code != c.code {
				t.Fatalf("%s from %s: %v, want 422 %s", c.date, c.today, err, c.code)
			}
		})
	}
}

// The messages are the wire's detail: they stay what the booking route always said.
func TestCheckBookingDateDetail(t *testing.T) {
	today := clock.NewDate(2025, 1, 15)
	for date, want := range map[clock.Date]string{
		today.AddDays(-1): "Appointments can be booked from today on.",
		today.AddDays(91): "Appointments can be booked at most 90 days ahead.",
	} {
		if e, ok := errs.As(CheckBookingDate(date, today)); !ok || e.Detail != want {
			t.Errorf("%s: %v, want detail %q", date, e, want)
		}
	}
}

// TestBookOnlyInTheDoctorsSlots: a booking must start one of the doctor's slots (09:00–13:00
// every 15 minutes here); anything else is 400 naming slot, before the other booking rules,
// and consumes no token and leaves no guard.
func TestBookOnlyInTheDoctorsSlots(t *testing.T) {
	d := &Day{DoctorID: "D1", Date: clock.NewDate(2025, 1, 15)}
	for _, slot := range []ClockTime{9 * 60, 9*60 + 15, 12*60 + 45} {
		if _, err := d.Book(doctor(10), BookInput{PatientID: fmt.Sprint("p", slot), Slot: slot}, t0); err != nil {
			t.Fatalf("%s: %v", slot, err)
		}
	}
	for _, slot := range []ClockTime{8*60 + 45, 9*60 + 5, 13 * 60, 23*60 + 59} {
		_, err := d.Book(doctor(10), BookInput{PatientID: "p" + slot.String(), Slot: slot}, t0)
		e, ok := errs.As(err)
		if !ok || e.Kind != errs.KindInvalid || e.Code != errs.CodeValidation || len(e.Fields) != 1 ||
			e.Fields[0] != errs.Field(FieldSlot, "is not one of the doctor's slots") {
			t.Errorf("%s: %v", slot, err)
		}
	}
	// A patient who already holds a booking, on a full day, asking for a bad slot: the slot is
	// what is wrong with the request.
	_, err := d.Book(doctor(3), BookInput{PatientID: fmt.Sprint("p", ClockTime(9*60)), Slot: 9*60 + 5}, t0)
	if errs.CodeOf(err) != errs.CodeValidation {
		t.Errorf("bad slot on a full day for a booked patient: %v", err)
	}
	if d.LastToken != 3 || len(d.Appointments) != 3 || len(d.Guards) != 3 {
		t.Fatalf("refused bookings changed the day: %d tokens, %d appointments, %d guards", d.LastToken, len(d.Appointments), len(d.Guards))
	}
}

// TestTokensRemainingIsTheRuleBookUses: the slots view's "tokens remaining" and Book's day_full
// are one rule — every active booking counts; a cancelled one frees its place (its token is
// not reused).
func TestTokensRemainingIsTheRuleBookUses(t *testing.T) {
	d := &Day{DoctorID: "D1", Date: clock.NewDate(2025, 1, 15)}
	doc := doctor(3)
	if n := d.TokensRemaining(doc); n != 3 {
		t.Fatalf("empty day: %d", n)
	}
	var ids []string
	for i := 1; d.TokensRemaining(doc) > 0; i++ {
		a, err := d.Book(doc, BookInput{PatientID: fmt.Sprint("p", i), Slot: 9*60 + ClockTime(15*(i%2))}, t0)
		if err != nil {
			t.Fatalf("booking %d with %d remaining: %v", i, d.TokensRemaining(doc)+1, err)
		}
		ids = append(ids, a.ID)
	}
	if _, err := d.Cancel(ids[0], t0); err != nil {
		t.Fatal(err)
	}
	if n := d.TokensRemaining(doc); n != 1 {
		t.Fatalf("a cancellation left %d remaining, want 1", n)
	}
	if a, err := d.Book(doc, BookInput{PatientID: "late", Slot: 9 * 60}, t0); err != nil || a.OriginalToken != 4 {
		t.Fatalf("1 remaining: booked %+v, %v; want token 4", a, err)
	}
	if n := d.TokensRemaining(doc); n != 0 {
		t.Fatalf("full day: %d remaining", n)
	}
	if _, err := d.Book(doc, BookInput{PatientID: "later", Slot: 9 * 60}, t0); errs.CodeOf(err) != CodeDayFull {
		t.Fatalf("0 remaining but booked: %v", err)
	}
	// A doctor whose maxTokens was lowered below the tokens already issued: none remain.
	if n := d.TokensRemaining(doctor(2)); n != 0 {
		t.Fatalf("over-issued day: %d remaining", n)
	}
	// p1 (09:15, cancelled), p2 (09:00), p3 (09:15), late (09:00).
	if got := d.BookingsPerSlot(); len(got) != 2 || got[9*60] != 2 || got[9*60+15] != 1 {
		t.Fatalf("bookings per slot: %v", got)
	}
}

func TestCheckOnTheDay(t *testing.T) {
	today := clock.NewDate(2025, 1, 15)
	for _, tc := range []struct {
		name string
		date clock.Date
		code string
	}{
		{"the day itself", today, ""},
		{"the day before", today.AddDays(-1), CodeNotToday},
		{"the day after", today.AddDays(1), CodeNotToday},
		{"a year later", today.AddDays(365), CodeNotToday},
		{"same day of another month", clock.NewDate(2025, 2, 15), CodeNotToday},
	} {
		err := CheckOnTheDay(tc.date, today)
		if errs.CodeOf(err) != tc.code || (err != nil && errs.KindOf(err) != errs.KindConflict) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.code)
		}
	}
}
