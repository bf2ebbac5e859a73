package clock

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"holdfast/shared/platform/config"
)

// The clock's decoders of input: business dates (query parameters, request bodies) and the
// local-mode time carried in a Lambda client context. The seeds run in every `go test`;
// `go test -fuzz FuzzX ./shared/platform/clock` explores further.

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2025-01-15", "2024-02-29", "2025-02-29", "2025-02-30", "2025-13-01", "2025-00-10", "0000-01-01",
		"9999-12-31", "2025-1-15", "2025-01-15T00:00:00Z", "2025-01-15\n", " 2025-01-15", "+025-01-15", "-025-01-15",
		"２０２５-01-15", "٢٠٢٥-٠١-١٥", "2025/01/15", "../01-15", "", "2025-01-1\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			if !d.IsZero() {
				t.Fatalf("%q rejected but returned %v", s, d)
			}
			return
		}
		// Accepted: exactly YYYY-MM-DD naming a real day, so it prints back as written and is
		// already normalised.
		if got := d.String(); got != s {
			t.Fatalf("%q accepted as %s", s, got)
		}
		if NewDate(d.Year, d.Month, d.Day) != d || d.IsZero() {
			t.Fatalf("%q is not a real day: %+v", s, d)
		}
		var u Date
		if err := u.UnmarshalText([]byte(s)); err != nil || u != d {
			t.Fatalf("UnmarshalText(%q) = %v %v", s, u, err)
		}
		b, _ := json.Marshal(d)
		var j Date
		if err := json.Unmarshal(b, &j); err != nil || j != d {
			t.Fatalf("JSON round trip of %q: %s → %v %v", s, b, j, err)
		}
		if d.AddDays(1).AddDays(-1) != d || d.DaysUntil(d.AddDays(1)) != 1 {
			t.Fatalf("%v: day arithmetic broken", d)
		}
	})
}

func FuzzClientContextNow(f *testing.F) {
	for _, s := range []string{"2031-05-06T12:38:09.123456789+05:30", "2031-05-06T07:08:09Z", "2031-05-06T07:08:09", "",
		"2031-02-30T00:00:00Z", "garbage", "9999-12-31T23:59:59.999999999-23:59", "0000-01-01T00:00:00Z",
		"2031-05-06T07:08:09+24:00", "2031-05-06t07:08:09z", "2031-05-06T07:08:09.Z", "２０３１-05-06T07:08:09Z"} {
		f.Add(s)
	}
	local, prod := ForMode(config.ModeLocal), ForMode(config.ModeAWS)
	f.Fuzz(func(t *testing.T, s string) {
		ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{
			ClientContext: lambdacontext.ClientContext{Custom: map[string]string{ClientContextKey: s}},
		})
		// A production clock is never moved, whatever the invocation carries.
		before := time.Now()
		got := prod.Now(ctx)
		if after := time.Now(); got.Before(before.Add(-time.Second)) || got.After(after.Add(time.Second)) || got.Location() != time.UTC {
			t.Fatalf("aws-mode clock moved to %v by %q", got, s)
		}
		// A local clock honours exactly a valid RFC 3339 time, in UTC; anything else is real time.
		before = time.Now()
		got = local.Now(ctx)
		after := time.Now()
		if got.Location() != time.UTC {
			t.Fatalf("%q: local clock answered %v, not UTC", s, got)
		}
		if want, err := time.Parse(time.RFC3339Nano, s); err == nil && s != "" {
			if !got.Equal(want) {
				t.Fatalf("%q: local clock answered %v, want %v", s, got, want)
			}
		} else if got.Before(before.Add(-time.Second)) || got.After(after.Add(time.Second)) {
			t.Fatalf("malformed %q moved the local clock to %v", s, got)
		}
	})
}
