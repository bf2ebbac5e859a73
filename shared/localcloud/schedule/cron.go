package schedule

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Cron is an AWS cron expression: minutes, hours, day-of-month, month, day-of-week, year,
// evaluated in Location.
//
// Supported, as EventBridge documents them: `*`, values, ranges `a-b`, lists `a,b`, steps `*/n`,
// `a/n` and `a-b/n`; month names JAN–DEC; day names SUN–SAT with 1 = SUN … 7 = SAT; `?` in
// exactly one of day-of-month and day-of-week; in day-of-month `L` (last day), `LW` (last
// weekday) and `nW` (the weekday nearest day n, within the month); in day-of-week `L` (7, SAT),
// `nL` (the last day n of the month) and `n#k` (the k-th day n of the month). `L`, `W` and `#`
// stand alone in their field. Rejected with an error: `L-n` offsets, ranges that wrap (FRI-MON),
// and anything else. In a zone with daylight saving, a wall-clock time that the change skips
// does not fire that day, and one that it repeats fires once.
type Cron struct {
	Location *time.Location

	src     string
	minutes bitset // 0–59
	hours   bitset // 0–23
	months  bitset // 1–12
	years   bitset // offset from minYear
	dom     domSpec
	dow     dowSpec
}

const (
	minYear = 1970
	maxYear = 2199
)

// bitset holds small non-negative integers (up to 229, for years as offsets).
type bitset [4]uint64

func (b *bitset) set(i int)     { b[i/64] |= 1 << (uint(i) % 64) }
func (b bitset) has(i int) bool { return i >= 0 && i < 256 && b[i/64]&(1<<(uint(i)%64)) != 0 }
func (b bitset) empty() bool    { return b == bitset{} }
func (b *bitset) setRange(lo, hi, step int) {
	for i := lo; i <= hi; i += step {
		b.set(i)
	}
}

type domSpec struct {
	unspecified bool   // '?'
	days        bitset // 1–31
	last        bool   // L
	lastWeekday bool   // LW
	nearest     int    // nW: the weekday nearest day n; 0 when unused
}

type dowSpec struct {
	unspecified bool   // '?'
	days        bitset // 1–7, 1 = SUN
	lastOf      int    // nL: the last day n of the month; 0 when unused
	nth         int    // n#k: day n …
	nthK        int    // … the k-th of the month
}

var monthNames = map[string]int{"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6,
	"JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12}
var dayNames = map[string]int{"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}

func parseCron(src, body string, loc *time.Location) (Expression, error) {
	fields := strings.Fields(body)
	if len(fields) != 6 {
		return nil, fmt.Errorf("%w: %q: cron needs 6 fields (minutes hours day-of-month month day-of-week year), got %d",
			ErrInvalidExpression, src, len(fields))
	}
	c := &Cron{Location: loc, src: src}
	bad := func(field string, err error) error {
		return fmt.Errorf("%w: %q: %s: %v", ErrInvalidExpression, src, field, err)
	}
	var err error
	if c.minutes, err = parseList(fields[0], 0, 59, nil, 0); err != nil {
		return nil, bad("minutes", err)
	}
	if c.hours, err = parseList(fields[1], 0, 23, nil, 0); err != nil {
		return nil, bad("hours", err)
	}
	if c.dom, err = parseDOM(fields[2]); err != nil {
		return nil, bad("day-of-month", err)
	}
	if c.months, err = parseList(fields[3], 1, 12, monthNames, 0); err != nil {
		return nil, bad("month", err)
	}
	if c.dow, err = parseDOW(fields[4]); err != nil {
		return nil, bad("day-of-week", err)
	}
	if c.years, err = parseList(fields[5], minYear, maxYear, nil, minYear); err != nil {
		return nil, bad("year", err)
	}
	if c.dom.unspecified == c.dow.unspecified {
		return nil, fmt.Errorf("%w: %q: exactly one of day-of-month and day-of-week must be '?'", ErrInvalidExpression, src)
	}
	return c, nil
}

// parseList reads `*`, values, ranges, lists and steps between lo and hi; offset is subtracted
// before the values are stored.
func parseList(field string, lo, hi int, names map[string]int, offset int) (bitset, error) {
	var b bitset
	for _, part := range strings.Split(field, ",") {
		if part == "" {
			return b, fmt.Errorf("empty list element in %q", field)
		}
		base, stepStr, hasStep := strings.Cut(part, "/")
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepStr)
			if err != nil || n <= 0 {
				return b, fmt.Errorf("step %q must be a positive number", stepStr)
			}
			step = n
		}
		var from, to int
		switch {
		case base == "*":
			from, to = lo, hi
		case strings.Contains(base, "-"):
			a, z, _ := strings.Cut(base, "-")
			var err error
			if from, err = value(a, lo, hi, names); err != nil {
				return b, err
			}
			if to, err = value(z, lo, hi, names); err != nil {
				return b, err
			}
			if from > to {
				return b, fmt.Errorf("range %q runs backwards (wrapping ranges are not supported)", base)
			}
		default:
			v, err := value(base, lo, hi, names)
			if err != nil {
				return b, err
			}
			from, to = v, v
			if hasStep {
				to = hi // a/n: from a to the end of the field, every n
			}
		}
		b.setRange(from-offset, to-offset, step)
	}
	return b, nil
}

func value(s string, lo, hi int, names map[string]int) (int, error) {
	if v, ok := names[strings.ToUpper(s)]; ok {
		return v, nil
	}
	if s == "?" || s == "L" || strings.ContainsAny(s, "LW#") {
		return 0, fmt.Errorf("%q cannot be combined with other values here", s)
	}
	v, err := strconv.Atoi(s)
	if err != nil || strings.HasPrefix(s, "+") {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	if v < lo || v > hi {
		return 0, fmt.Errorf("%d is outside %d–%d", v, lo, hi)
	}
	return v, nil
}

func parseDOM(field string) (domSpec, error) {
	upper := strings.ToUpper(field)
	switch {
	case field == "?":
		return domSpec{unspecified: true}, nil
	case upper == "L":
		return domSpec{last: true}, nil
	case upper == "LW":
		return domSpec{lastWeekday: true}, nil
	case strings.HasPrefix(upper, "L-"):
		return domSpec{}, fmt.Errorf("%q: L-n offsets are not supported", field)
	case strings.HasSuffix(upper, "W") && !strings.Contains(upper, ","):
		n, err := value(upper[:len(upper)-1], 1, 31, nil)
		if err != nil {
			return domSpec{}, fmt.Errorf("%q: nW needs a day 1–31: %v", field, err)
		}
		return domSpec{nearest: n}, nil
	}
	days, err := parseList(field, 1, 31, nil, 0)
	if err != nil {
		return domSpec{}, err
	}
	return domSpec{days: days}, nil
}

func parseDOW(field string) (dowSpec, error) {
	upper := strings.ToUpper(field)
	switch {
	case field == "?":
		return dowSpec{unspecified: true}, nil
	case upper == "L":
		var d bitset
		d.set(7)
		return dowSpec{days: d}, nil
	case strings.Contains(upper, "#"):
		day, k, _ := strings.Cut(upper, "#")
		n, err := value(day, 1, 7, dayNames)
		if err != nil {
			return dowSpec{}, fmt.Errorf("%q: %v", field, err)
		}
		kk, err := strconv.Atoi(k)
		if err != nil || kk < 1 || kk > 5 {
			return dowSpec{}, fmt.Errorf("%q: the # occurrence must be 1–5", field)
		}
		return dowSpec{nth: n, nthK: kk}, nil
	case strings.HasSuffix(upper, "L") && !strings.Contains(upper, ","):
		n, err := value(upper[:len(upper)-1], 1, 7, dayNames)
		if err != nil {
			return dowSpec{}, fmt.Errorf("%q: nL needs a day 1–7 or SUN–SAT: %v", field, err)
		}
		return dowSpec{lastOf: n}, nil
	}
	days, err := parseList(field, 1, 7, dayNames, 0)
	if err != nil {
		return dowSpec{}, err
	}
	return dowSpec{days: days}, nil
}

func (c *Cron) String() string { return c.src }

// Next is the first minute strictly after t that matches every field, in c.Location; the zero
// time when no such minute exists before the end of 2199.
func (c *Cron) Next(t time.Time) time.Time {
	loc := c.Location
	if loc == nil {
		loc = time.UTC
	}
	after := wallClock(t.In(loc))
	cur := t.In(loc).Truncate(time.Minute).Add(time.Minute)
	// Each step moves forward by at least a minute and skips whole years, months, days and hours
	// that cannot match, so this bound is never reached for a valid expression.
	for range 1_000_000 {
		y, m, d := cur.Date()
		if y > maxYear {
			return time.Time{}
		}
		if !c.years.has(y - minYear) {
			cur = forward(cur, time.Date(y+1, 1, 1, 0, 0, 0, 0, loc))
			continue
		}
		if !c.months.has(int(m)) {
			cur = forward(cur, time.Date(y, m+1, 1, 0, 0, 0, 0, loc))
			continue
		}
		if !c.dayMatches(y, m, d, cur.Weekday()) {
			cur = forward(cur, time.Date(y, m, d+1, 0, 0, 0, 0, loc))
			continue
		}
		if !c.hours.has(cur.Hour()) {
			cur = forward(cur, time.Date(y, m, d, cur.Hour()+1, 0, 0, 0, loc))
			continue
		}
		if !c.minutes.has(cur.Minute()) || wallClock(cur) <= after {
			// The second check skips a wall-clock minute a daylight-saving change repeats.
			cur = cur.Add(time.Minute)
			continue
		}
		return cur
	}
	return time.Time{}
}

// wallClock orders local times by their calendar fields down to the minute.
func wallClock(t time.Time) int64 {
	y, m, d := t.Date()
	return ((int64(y)*100+int64(m))*100+int64(d))*10000 + int64(t.Hour())*100 + int64(t.Minute())
}

// forward moves to next, or by a minute when a zone transition makes next not later than cur.
func forward(cur, next time.Time) time.Time {
	if next.After(cur) {
		return next
	}
	return cur.Add(time.Minute)
}

func (c *Cron) dayMatches(y int, m time.Month, d int, wd time.Weekday) bool {
	last := daysIn(y, m)
	if !c.dom.unspecified {
		switch {
		case c.dom.last:
			return d == last
		case c.dom.lastWeekday:
			return d == nearestWeekday(y, m, last)
		case c.dom.nearest > 0:
			return c.dom.nearest <= last && d == nearestWeekday(y, m, c.dom.nearest)
		default:
			return c.dom.days.has(d)
		}
	}
	dow := int(wd) + 1 // AWS: 1 = SUN
	switch {
	case c.dow.lastOf > 0:
		return dow == c.dow.lastOf && d+7 > last
	case c.dow.nth > 0:
		return dow == c.dow.nth && (d-1)/7+1 == c.dow.nthK
	default:
		return c.dow.days.has(dow)
	}
}

// nearestWeekday is the Monday–Friday day nearest day d of the month, never leaving the month.
func nearestWeekday(y int, m time.Month, d int) int {
	last := daysIn(y, m)
	switch time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Weekday() {
	case time.Saturday:
		if d == 1 {
			return 3 // the Monday after
		}
		return d - 1
	case time.Sunday:
		if d == last {
			return d - 2 // the Friday before
		}
		return d + 1
	default:
		return d
	}
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
