package clinic

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// The clinic's decoders of untrusted input: appointment IDs from paths, clock times from bodies,
// doctor registrations, and names that end up (masked) on a public board. The seeds run in
// every `go test`; `go test -fuzz FuzzX ./shared/clinic` explores further.

func FuzzParseAppointmentID(f *testing.F) {
	for _, s := range []string{"doc-1.20250115.7", "doc-1.20250230.7", "doc-1.20250115.0", "doc-1.20250115.99", "doc-1.20250115.100", "doc-1.20250115.999", "doc-1.20250115.1000",
		"../x.20250115.1", "a.b.c", "", strings.Repeat("a", 65) + ".20250115.1", "doc\u00001.20250115.1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		doctor, date, token, ok := ParseAppointmentID(id)
		if !ok {
			return
		}
		// Accepted IDs are canonical: they round-trip, name a valid doctor and a real token.
		if !ValidID(doctor) || token < 1 || token > MaxTokenNumber {
			t.Fatalf("%q accepted as %q %v %d", id, doctor, date, token)
		}
		if back := AppointmentID(doctor, date, token); back != id {
			t.Fatalf("%q round-trips to %q", id, back)
		}
	})
}

func FuzzParseClockTime(f *testing.F) {
	for _, s := range []string{"09:30", "23:59", "24:00", "9:30", "09:60", "", "0930", "09:30\n", "٠٩:٣٠"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, ok := ParseClockTime(s)
		if !ok {
			return
		}
		if c < 0 || c >= 24*60 || c.String() != s {
			t.Fatalf("%q accepted as %d (%s)", s, c, c)
		}
	})
}

func FuzzNewDoctor(f *testing.F) {
	f.Add(`{"name":"Dr Meera Iyer","specialty":"GP","startTime":"09:00","endTime":"17:00","slotMinutes":10,"maxTokens":40}`)
	f.Add(`{"name":"<script>","specialty":"","startTime":"17:00","endTime":"09:00","slotMinutes":4,"maxTokens":0}`)
	f.Add(`{"name":"  ","specialty":"x","startTime":"00:00","endTime":"00:05","slotMinutes":10,"maxTokens":99}`)
	f.Add(`{}`)
	now := time.Date(2025, 1, 15, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body string) {
		var in NewDoctorInput
		if json.Unmarshal([]byte(body), &in) != nil {
			return
		}
		d, err := NewDoctor("doc-1", in, now)
		if err != nil {
			return
		}
		// An accepted doctor has a usable day and board-safe text.
		if d.EndTime <= d.StartTime || d.SlotMinutes < 5 || len(d.Slots()) == 0 || d.MaxTokens < 1 || d.MaxTokens > MaxTokensLimit {
			t.Fatalf("accepted %+v", d)
		}
		for _, s := range []string{d.Name, d.Specialty} {
			if s == "" || !utf8.ValidString(s) || strings.ContainsAny(s, "<>\"`\\{}") {
				t.Fatalf("accepted text %q", s)
			}
		}
	})
}

func FuzzInitials(f *testing.F) {
	for _, s := range []string{"Asha Rao", "", "  ", "<b>Eve</b> Mallory", "ചിത്ര നായർ", "a b c d e", "\u0000x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got := Initials(name)
		if got == "—" {
			return
		}
		// At most three initials, each a letter and a dot: nothing else of the name survives.
		parts := strings.Split(got, " ")
		if len(parts) > 3 {
			t.Fatalf("%q → %q", name, got)
		}
		for _, p := range parts {
			r, size := utf8.DecodeRuneInString(p)
			if p[size:] != "." || !unicode.IsLetter(r) {
				t.Fatalf("%q → %q", name, got)
			}
		}
	})
}
