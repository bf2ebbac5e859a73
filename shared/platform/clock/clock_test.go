package clock

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"holdfast/shared/platform/config"
)

func withClientNow(s string) context.Context {
	return lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{
		ClientContext: lambdacontext.ClientContext{Custom: map[string]string{ClientContextKey: s}},
	})
}

func TestLocalModeHonoursClientContext(t *testing.T) {
	clk := ForMode(config.ModeLocal)
	want := time.Date(2031, 5, 6, 7, 8, 9, 123456789, time.UTC)
	got := clk.Now(withClientNow("2031-05-06T12:38:09.123456789+05:30"))
	if !got.Equal(want) || got.Location() != time.UTC {
		t.Fatalf("got %v want %v", got, want)
	}
}

func TestAWSModeIgnoresClientContext(t *testing.T) {
	for _, m := range []string{"", "aws"} {
		mode, err := config.ParseMode(m)
		if err != nil {
			t.Fatal(err)
		}
		clk := ForMode(mode)
		got := clk.Now(withClientNow("2031-05-06T07:08:09Z"))
		if d := time.Since(got); d < -time.Minute || d > time.Minute {
			t.Fatalf("mode %q: clock moved to %v", mode, got)
		}
	}
}

func TestLocalModeFallsBackToRealTime(t *testing.T) {
	clk := ForMode(config.ModeLocal)
	for _, ctx := range []context.Context{context.Background(), withClientNow("not a time"), withClientNow("")} {
		if d := time.Since(clk.Now(ctx)); d < -time.Minute || d > time.Minute {
			t.Fatalf("expected real time, got %v", clk.Now(ctx))
		}
	}
}

func TestFixed(t *testing.T) {
	start := time.Date(2024, 2, 29, 23, 0, 0, 0, time.UTC)
	f := NewFixed(start)
	f.Advance(2 * time.Hour)
	if got := f.Now(context.Background()); !got.Equal(start.Add(2 * time.Hour)) {
		t.Fatal(got)
	}
	f.Set(start)
	if got := f.Now(context.Background()); !got.Equal(start) {
		t.Fatal(got)
	}
}

func TestCalendarBusinessDay(t *testing.T) {
	kolkata, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Fatal(err)
	}
	cal := NewCalendar(kolkata)
	cases := []struct {
		utc  time.Time
		want string
	}{
		{time.Date(2024, 3, 31, 18, 29, 59, 0, time.UTC), "2024-03-31"},
		{time.Date(2024, 3, 31, 18, 30, 0, 0, time.UTC), "2024-04-01"},
		{time.Date(2023, 12, 31, 20, 0, 0, 0, time.UTC), "2024-01-01"},
	}
	for _, c := range cases {
		if got := cal.DateOf(c.utc).String(); got != c.want {
			t.Errorf("DateOf(%v) = %s want %s", c.utc, got, c.want)
		}
	}
	d := NewDate(2024, 4, 1)
	if got := cal.StartOf(d).UTC(); !got.Equal(time.Date(2024, 3, 31, 18, 30, 0, 0, time.UTC)) {
		t.Errorf("StartOf %v", got)
	}
	if got := cal.EndOf(d).UTC(); !got.Equal(time.Date(2024, 4, 1, 18, 29, 59, 999999999, time.UTC)) {
		t.Errorf("EndOf %v", got)
	}
	if got := cal.Today(context.Background(), NewFixed(time.Date(2024, 3, 31, 19, 0, 0, 0, time.UTC))); got != d {
		t.Errorf("Today %v", got)
	}
}

func TestDate(t *testing.T) {
	if _, err := ParseDate("2023-02-29"); err == nil {
		t.Error("2023-02-29 accepted")
	}
	for _, bad := range []string{"2024-2-01", "2024-02-01T00:00:00Z", "", "20240201",
		// Outside the platform's dates (2000–2099).
		"1999-12-31", "2100-01-01", "9999-12-31", "0001-01-01"} {
		if _, err := ParseDate(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	for _, edge := range []string{"2000-01-01", "2099-12-31"} {
		if _, err := ParseDate(edge); err != nil {
			t.Errorf("%s refused: %v", edge, err)
		}
	}
	d, err := ParseDate("2024-02-28")
	if err != nil {
		t.Fatal(err)
	}
	if got := d.AddDays(1).String(); got != "2024-02-29" {
		t.Error(got)
	}
	if got := d.AddDays(2).String(); got != "2024-03-01" {
		t.Error(got)
	}
	if got := d.DaysUntil(NewDate(2025, 2, 28)); got != 366 {
		t.Error(got)
	}
	if !d.Before(d.AddDays(1)) || !d.AddDays(1).After(d) || d.Compare(d) != 0 {
		t.Error("ordering")
	}
	var u Date
	if err := u.UnmarshalText([]byte("2024-12-31")); err != nil || u != NewDate(2024, 12, 31) {
		t.Error(u, err)
	}
	if b, _ := u.MarshalText(); string(b) != "2024-12-31" {
		t.Error(string(b))
	}
}
