package schedule

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ErrInvalidExpression is wrapped by every parse error.
var ErrInvalidExpression = errors.New("invalid schedule expression")

// Expression is a parsed schedule expression.
type Expression interface {
	// Next is the first fire time strictly after t, or the zero time when there is none.
	Next(t time.Time) time.Time
	// String is the expression as written.
	String() string
}

// Parse reads `rate(value unit)` or `cron(minutes hours day-of-month month day-of-week year)`.
// Cron fields are evaluated in UTC; see ParseIn for a schedule with a time zone.
func Parse(expr string) (Expression, error) { return ParseIn(expr, time.UTC) }

// ParseIn is Parse with cron fields evaluated in loc (EventBridge Scheduler's
// ScheduleExpressionTimezone). Rates do not depend on a zone.
func ParseIn(expr string, loc *time.Location) (Expression, error) {
	if loc == nil {
		loc = time.UTC
	}
	e := strings.TrimSpace(expr)
	switch {
	case strings.HasPrefix(e, "rate(") && strings.HasSuffix(e, ")"):
		return parseRate(e, e[len("rate("):len(e)-1])
	case strings.HasPrefix(e, "cron(") && strings.HasSuffix(e, ")"):
		return parseCron(e, e[len("cron("):len(e)-1], loc)
	case strings.HasPrefix(e, "at(") && strings.HasSuffix(e, ")"):
		return parseAt(e, e[len("at("):len(e)-1], loc)
	default:
		return nil, fmt.Errorf("%w: %q is not rate(…), cron(…) or at(…)", ErrInvalidExpression, expr)
	}
}

// Rate fires every Period, counted from Anchor (when the rule was created; the scheduler sets it
// to the time it starts, as EventBridge counts from the rule's creation).
type Rate struct {
	Period time.Duration
	Anchor time.Time
	src    string
}

func parseRate(src, body string) (Expression, error) {
	fields := strings.Fields(body)
	if len(fields) != 2 {
		return nil, fmt.Errorf("%w: %q: want rate(value unit)", ErrInvalidExpression, src)
	}
	n, err := strconv.Atoi(fields[0])
	if err != nil || n <= 0 || fields[0][0] == '+' {
		return nil, fmt.Errorf("%w: %q: the value must be a positive whole number", ErrInvalidExpression, src)
	}
	units := map[string]time.Duration{"minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour}
	unit := fields[1]
	base := strings.TrimSuffix(unit, "s")
	d, ok := units[base]
	if !ok {
		return nil, fmt.Errorf("%w: %q: the unit must be minute(s), hour(s) or day(s)", ErrInvalidExpression, src)
	}
	// EventBridge insists on the singular for 1 and the plural otherwise.
	if (n == 1) != (unit == base) {
		want := base + "s"
		if n == 1 {
			want = base
		}
		return nil, fmt.Errorf("%w: %q: write rate(%d %s)", ErrInvalidExpression, src, n, want)
	}
	if n > int(100*365*24*time.Hour/d) {
		return nil, fmt.Errorf("%w: %q: the rate is too long", ErrInvalidExpression, src)
	}
	return Rate{Period: time.Duration(n) * d, src: src}, nil
}

// Next is the first Anchor + k·Period strictly after t.
func (r Rate) Next(t time.Time) time.Time {
	if t.Before(r.Anchor) {
		return r.Anchor.Add(r.Period)
	}
	k := t.Sub(r.Anchor)/r.Period + 1
	return r.Anchor.Add(k * r.Period)
}

func (r Rate) String() string { return r.src }

// At is a one-time schedule (EventBridge Scheduler's at(yyyy-mm-ddThh:mm:ss)).
type At struct {
	Time time.Time
	src  string
}

func parseAt(src, body string, loc *time.Location) (Expression, error) {
	t, err := time.ParseInLocation("2006-01-02T15:04:05", strings.TrimSpace(body), loc)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: want at(yyyy-mm-ddThh:mm:ss)", ErrInvalidExpression, src)
	}
	return At{Time: t, src: src}, nil
}

// Next is the at time when it is after t, else none.
func (a At) Next(t time.Time) time.Time {
	if a.Time.After(t) {
		return a.Time
	}
	return time.Time{}
}

func (a At) String() string { return a.src }
