package clinic

import (
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
