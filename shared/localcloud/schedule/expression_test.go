package schedule_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"holdfast/shared/localcloud/schedule"
)

func TestParseAcceptsAWSExpressions(t *testing.T) {
	for _, expr := range []string{
		"rate(1 minute)", "rate(5 minutes)", "rate(1 hour)", "rate(12 hours)", "rate(1 day)", "rate(7 days)",
		" rate(1 minute) ",
		"cron(0 12 * * ? *)", "cron(15 10 ? * 6L 2026-2030)", "cron(0/15 * * * ? *)", "cron(0 18 ? * MON-FRI *)",
		"cron(0 8 1 * ? *)", "cron(0/5 8-17 ? * MON-FRI *)", "cron(0 9 ? * 2#1 *)", "cron(30 2 L * ? *)",
		"cron(0 0 LW * ? *)", "cron(0 0 15W * ? *)", "cron(0 0 ? JAN,JUL SUN *)", "cron(0 0 ? * L *)",
		"cron(5,35 14 * * ? *)", "cron(0 0 1-7/2 * ? *)", "cron(0 0 ? * fri#3 *)", "cron(0 0 * jan-mar ? 2030/2)",
		"cron(0 0 ? * FRIL *)",
		"at(2026-03-01T09:30:00)",
	} {
		e, err := schedule.Parse(expr)
		if err != nil {
			t.Errorf("Parse(%q): %v", expr, err)
			continue
		}
		if e.String() != strings.TrimSpace(expr) {
			t.Errorf("String() = %q, want %q", e.String(), expr)
		}
	}
}

func TestParseRejectsWithAClearReason(t *testing.T) {
	cases := []struct{ expr, want string }{
		{"", "is not rate"},
		{"every 5 minutes", "is not rate"},
		{"rate(5)", "want rate(value unit)"},
		{"rate(0 minutes)", "positive whole number"},
		{"rate(-1 minutes)", "positive whole number"},
		{"rate(1.5 hours)", "positive whole number"},
		{"rate(+2 hours)", "positive whole number"},
		{"rate(5 seconds)", "minute(s), hour(s) or day(s)"},
		{"rate(1 minutes)", "write rate(1 minute)"},
		{"rate(5 minute)", "write rate(5 minutes)"},
		{"rate(999999999 days)", "too long"},
		{"cron(0 12 * * ?)", "needs 6 fields"},
		{"cron(0 12 * * ? * *)", "needs 6 fields"},
		{"cron(0 12 * * * *)", "exactly one of day-of-month and day-of-week"},
		{"cron(0 12 ? * ? *)", "exactly one of day-of-month and day-of-week"},
		{"cron(60 12 * * ? *)", "minutes: 60 is outside 0–59"},
		{"cron(0 24 * * ? *)", "hours: 24 is outside 0–23"},
		{"cron(0 0 0 * ? *)", "day-of-month: 0 is outside 1–31"},
		{"cron(0 0 32 * ? *)", "day-of-month"},
		{"cron(0 0 * 13 ? *)", "month: 13 is outside 1–12"},
		{"cron(0 0 * FOO ? *)", "month"},
		{"cron(0 0 ? * 8 *)", "day-of-week: 8 is outside 1–7"},
		{"cron(0 0 ? * 0 *)", "day-of-week: 0 is outside 1–7"},
		{"cron(0 0 * * ? 1969)", "year: 1969 is outside 1970–2199"},
		{"cron(0 0 * * ? 2200)", "year"},
		{"cron(0/0 0 * * ? *)", "step"},
		{"cron(*/x 0 * * ? *)", "step"},
		{"cron(10-5 0 * * ? *)", "runs backwards"},
		{"cron(0 0 ? * FRI-MON *)", "runs backwards"},
		{"cron(0 0 L-3 * ? *)", "L-n offsets are not supported"},
		{"cron(0 0 1,L * ? *)", "cannot be combined"},
		{"cron(0 0 ? * 1#6 *)", "# occurrence must be 1–5"},
		{"cron(0 0 ? * 9#1 *)", "day-of-week"},
		{"cron(0 0 ? * 1,2L *)", "cannot be combined"},
		{"cron(0 0 40W * ? *)", "nW needs a day"},
		{"cron(0,,5 0 * * ? *)", "empty list element"},
		{"cron(a 0 * * ? *)", "is not a number"},
		{"at(2026-03-01 09:30)", "want at("},
	}
	for _, c := range cases {
		_, err := schedule.Parse(c.expr)
		if !errors.Is(err, schedule.ErrInvalidExpression) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q) = %v, want an ErrInvalidExpression mentioning %q", c.expr, err, c.want)
		}
	}
}

// utc reads a test's RFC 3339 literal; a malformed literal is a bug in the test table, and the
// zero time it yields makes the comparison fail loudly.
func utc(s string) time.Time {
	t, _ := time.Parse(time.RFC3339, s)
	return t
}

// fires lists the next n fire times of expr after from.
func fires(t *testing.T, expr string, from time.Time, n int) []string {
	t.Helper()
	e, err := schedule.Parse(expr)
	if err != nil {
		t.Fatalf("Parse(%q): %v", expr, err)
	}
	var out []string
	cur := from
	for range n {
		cur = e.Next(cur)
		if cur.IsZero() {
			out = append(out, "none")
			break
		}
		out = append(out, cur.UTC().Format(time.RFC3339))
	}
	return out
}

func TestCronNext(t *testing.T) {
	cases := []struct {
		name, expr, from string
		want             []string
	}{
		{"every 15 minutes, strictly after", "cron(0/15 * * * ? *)", "2026-01-31T23:30:00Z",
			[]string{"2026-01-31T23:45:00Z", "2026-02-01T00:00:00Z", "2026-02-01T00:15:00Z"}},
		{"seconds are dropped", "cron(* * * * ? *)", "2026-01-31T23:59:59.999Z",
			[]string{"2026-02-01T00:00:00Z", "2026-02-01T00:01:00Z"}},
		{"daily across a month end", "cron(0 12 * * ? *)", "2026-01-30T13:00:00Z",
			[]string{"2026-01-31T12:00:00Z", "2026-02-01T12:00:00Z"}},
		{"the 31st skips short months", "cron(0 0 31 * ? *)", "2026-01-31T00:00:00Z",
			[]string{"2026-03-31T00:00:00Z", "2026-05-31T00:00:00Z", "2026-07-31T00:00:00Z", "2026-08-31T00:00:00Z"}},
		{"the 29th of February in leap years", "cron(0 0 29 FEB ? *)", "2026-01-01T00:00:00Z",
			[]string{"2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"}},
		{"last day of the month", "cron(30 2 L * ? *)", "2028-01-31T03:00:00Z",
			[]string{"2028-02-29T02:30:00Z", "2028-03-31T02:30:00Z", "2028-04-30T02:30:00Z"}},
		{"last weekday of the month", "cron(0 9 LW * ? *)", "2026-01-01T00:00:00Z",
			// Jan 31 2026 is a Saturday, Feb 28 a Saturday, May 31 a Sunday.
			[]string{"2026-01-30T09:00:00Z", "2026-02-27T09:00:00Z", "2026-03-31T09:00:00Z", "2026-04-30T09:00:00Z", "2026-05-29T09:00:00Z"}},
		{"nearest weekday", "cron(0 9 15W * ? *)", "2026-02-01T00:00:00Z",
			// Feb 15 2026 is a Sunday → Monday 16; Mar 15 a Sunday → 16; Aug 15 a Saturday → Friday 14.
			[]string{"2026-02-16T09:00:00Z", "2026-03-16T09:00:00Z", "2026-04-15T09:00:00Z"}},
		{"nearest weekday never leaves the month", "cron(0 9 1W AUG ? *)", "2026-01-01T00:00:00Z",
			// Aug 1 2026 is a Saturday → Monday 3 (not Friday July 31).
			[]string{"2026-08-03T09:00:00Z"}},
		{"weekdays", "cron(0 18 ? * MON-FRI *)", "2026-01-30T19:00:00Z",
			[]string{"2026-02-02T18:00:00Z", "2026-02-03T18:00:00Z"}},
		{"numeric days: 1 is Sunday", "cron(0 0 ? * 1 *)", "2026-01-01T00:00:00Z",
			[]string{"2026-01-04T00:00:00Z", "2026-01-11T00:00:00Z"}},
		{"L in day-of-week is Saturday", "cron(0 0 ? * L *)", "2026-01-01T00:00:00Z",
			[]string{"2026-01-03T00:00:00Z"}},
		{"last Friday", "cron(15 10 ? * 6L 2026)", "2026-01-01T00:00:00Z",
			[]string{"2026-01-30T10:15:00Z", "2026-02-27T10:15:00Z", "2026-03-27T10:15:00Z"}},
		{"first Monday", "cron(0 9 ? * MON#1 *)", "2026-01-06T00:00:00Z",
			[]string{"2026-02-02T09:00:00Z", "2026-03-02T09:00:00Z"}},
		{"fifth Friday only where there is one", "cron(0 9 ? * 6#5 *)", "2026-01-01T00:00:00Z",
			[]string{"2026-01-30T09:00:00Z", "2026-05-29T09:00:00Z", "2026-07-31T09:00:00Z"}},
		{"hour range with a step", "cron(0 8-17/4 * * ? *)", "2026-01-31T16:00:00Z",
			[]string{"2026-02-01T08:00:00Z", "2026-02-01T12:00:00Z", "2026-02-01T16:00:00Z", "2026-02-02T08:00:00Z"}},
		{"lists", "cron(5,35 14 * * ? *)", "2026-12-31T14:10:00Z",
			[]string{"2026-12-31T14:35:00Z", "2027-01-01T14:05:00Z"}},
		{"month names and list", "cron(0 0 1 JAN,JUL ? *)", "2026-02-01T00:00:00Z",
			[]string{"2026-07-01T00:00:00Z", "2027-01-01T00:00:00Z"}},
		{"year range ends", "cron(0 0 1 1 ? 2026-2027)", "2026-06-01T00:00:00Z",
			[]string{"2027-01-01T00:00:00Z", "none"}},
		{"year steps", "cron(0 0 1 1 ? 2030/5)", "2026-06-01T00:00:00Z",
			[]string{"2030-01-01T00:00:00Z", "2035-01-01T00:00:00Z"}},
		{"nothing after 2199", "cron(0 0 1 1 ? *)", "2199-06-01T00:00:00Z", []string{"none"}},
		{"day-of-month step", "cron(0 0 1/10 * ? *)", "2026-01-31T00:00:00Z",
			[]string{"2026-02-01T00:00:00Z", "2026-02-11T00:00:00Z", "2026-02-21T00:00:00Z", "2026-03-01T00:00:00Z"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := fires(t, c.expr, utc(c.from), len(c.want))
			if strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Fatalf("%s after %s:\n got %v\nwant %v", c.expr, c.from, got, c.want)
			}
		})
	}
}

func TestCronInATimeZone(t *testing.T) {
	kolkata, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Fatal(err)
	}
	e, err := schedule.ParseIn("cron(30 9 * * ? *)", kolkata)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.Next(utc("2026-01-31T05:00:00Z")); !got.Equal(utc("2026-02-01T04:00:00Z")) {
		t.Fatalf("09:30 IST after 10:30 IST = %v, want 04:00 UTC next day", got.UTC())
	}
	// A zone with daylight saving: the 02:30 slot does not exist on the spring-forward day.
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	e, err = schedule.ParseIn("cron(30 2 * * ? *)", ny)
	if err != nil {
		t.Fatal(err)
	}
	prev := utc("2026-03-07T00:00:00Z")
	for range 4 {
		next := e.Next(prev)
		if !next.After(prev) {
			t.Fatalf("Next(%v) = %v is not after it", prev, next)
		}
		if l := next.In(ny); l.Hour() != 2 || l.Minute() != 30 {
			t.Fatalf("fire at %v local", l)
		}
		prev = next
	}
	// The 01:30 slot repeats on the fall-back day: it fires once.
	e, err = schedule.ParseIn("cron(30 1 * * ? *)", ny)
	if err != nil {
		t.Fatal(err)
	}
	first := e.Next(utc("2026-11-01T04:00:00Z")) // 00:00 EDT on 1 November
	second := e.Next(first)
	if !first.Equal(utc("2026-11-01T05:30:00Z")) || !second.Equal(utc("2026-11-02T06:30:00Z")) {
		t.Fatalf("fall-back fires %v then %v, want 05:30Z then the next day 06:30Z", first.UTC(), second.UTC())
	}
}

func TestRateNextCountsFromTheAnchor(t *testing.T) {
	e, err := schedule.Parse("rate(5 minutes)")
	if err != nil {
		t.Fatal(err)
	}
	r := e.(schedule.Rate)
	r.Anchor = utc("2026-01-31T23:58:20Z")
	for _, c := range []struct{ after, want string }{
		{"2026-01-31T23:00:00Z", "2026-02-01T00:03:20Z"},
		{"2026-01-31T23:58:20Z", "2026-02-01T00:03:20Z"},
		{"2026-02-01T00:03:19Z", "2026-02-01T00:03:20Z"},
		{"2026-02-01T00:03:20Z", "2026-02-01T00:08:20Z"},
		{"2026-02-28T23:59:00Z", "2026-03-01T00:03:20Z"},
	} {
		if got := r.Next(utc(c.after)); !got.Equal(utc(c.want)) {
			t.Errorf("Next(%s) = %s, want %s", c.after, got.Format(time.RFC3339), c.want)
		}
	}
	for expr, d := range map[string]time.Duration{"rate(1 minute)": time.Minute, "rate(3 hours)": 3 * time.Hour, "rate(2 days)": 48 * time.Hour} {
		e, err := schedule.Parse(expr)
		if err != nil || e.(schedule.Rate).Period != d {
			t.Errorf("%s: %v %v", expr, e, err)
		}
	}
}

func TestAtFiresOnce(t *testing.T) {
	e, err := schedule.Parse("at(2026-03-01T09:30:00)")
	if err != nil {
		t.Fatal(err)
	}
	if got := e.Next(utc("2026-01-01T00:00:00Z")); !got.Equal(utc("2026-03-01T09:30:00Z")) {
		t.Fatalf("Next = %v", got)
	}
	if got := e.Next(utc("2026-03-01T09:30:00Z")); !got.IsZero() {
		t.Fatalf("Next after the time = %v, want none", got)
	}
}
