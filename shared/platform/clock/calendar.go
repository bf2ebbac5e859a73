package clock

import (
	"context"
	"fmt"
	"time"
)

// Date is a calendar date with no time zone: a business day. The zero value is invalid.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

const dateLayout = "2006-01-02"

// NewDate normalises y-m-d the way time.Date does (2024-02-30 becomes 2024-03-01).
func NewDate(year int, month time.Month, day int) Date {
	t := time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
	return Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}
}

// The dates the platform takes: every business date a route accepts or a record holds lies in
// 2000–2099, so no answer computed from one (a 30-year schedule, a due date) leaves four-digit
// years or meets a date nobody means.
var (
	MinDate = Date{2000, time.January, 1}
	MaxDate = Date{2099, time.December, 31}
)

// DateRule is how a field error states what a date must be.
const DateRule = "must be a date YYYY-MM-DD between 2000-01-01 and 2099-12-31"

// ParseDate accepts exactly YYYY-MM-DD naming a real day between MinDate and MaxDate.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(dateLayout, s)
	if err != nil || len(s) != len(dateLayout) {
		return Date{}, fmt.Errorf("date %q: want YYYY-MM-DD", s)
	}
	d := Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}
	if d.Before(MinDate) || d.After(MaxDate) {
		return Date{}, fmt.Errorf("date %q: outside %s…%s", s, MinDate, MaxDate)
	}
	return d, nil
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

func (d Date) utc() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// AddDays returns the date n days later (earlier for negative n).
func (d Date) AddDays(n int) Date { return NewDate(d.Year, d.Month, d.Day+n) }

// DaysUntil returns the number of days from d to other (negative when other is earlier).
func (d Date) DaysUntil(other Date) int {
	return int(other.utc().Sub(d.utc()).Hours() / 24)
}

// Compare returns -1, 0 or +1 as d is before, equal to or after other.
func (d Date) Compare(other Date) int { return d.utc().Compare(other.utc()) }

// Before reports whether d is strictly before other.
func (d Date) Before(other Date) bool { return d.Compare(other) < 0 }

// After reports whether d is strictly after other.
func (d Date) After(other Date) bool { return d.Compare(other) > 0 }

// MarshalText renders YYYY-MM-DD.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses YYYY-MM-DD.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Calendar places instants on business days in the configured zone (BUSINESS_TIMEZONE).
type Calendar struct{ loc *time.Location }

// NewCalendar returns a calendar for loc; nil means UTC.
func NewCalendar(loc *time.Location) Calendar {
	if loc == nil {
		loc = time.UTC
	}
	return Calendar{loc: loc}
}

// Location is the business time zone.
func (c Calendar) Location() *time.Location {
	if c.loc == nil {
		return time.UTC
	}
	return c.loc
}

// DateOf is the business day that contains t.
func (c Calendar) DateOf(t time.Time) Date {
	l := t.In(c.Location())
	return Date{Year: l.Year(), Month: l.Month(), Day: l.Day()}
}

// Today is the business day at clk's now for this request.
func (c Calendar) Today(ctx context.Context, clk Clock) Date { return c.DateOf(clk.Now(ctx)) }

// StartOf is the first instant of business day d.
func (c Calendar) StartOf(d Date) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, c.Location())
}

// EndOf is the last instant (to the nanosecond) of business day d.
func (c Calendar) EndOf(d Date) time.Time {
	return c.StartOf(d.AddDays(1)).Add(-time.Nanosecond)
}
