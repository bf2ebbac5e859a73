package lending

import (
	"strings"
	"testing"

	"holdfast/shared/platform/errs"
)

func TestParseRejectionNote(t *testing.T) {
	str := func(s string) *string { return &s }
	cases := []struct {
		name string
		note *string
		want string // the note kept, or the field's message
		ok   bool
	}{
		{"a reason", str("income too low"), "income too low", true},
		{"trimmed", str("  no  "), "no", true},
		{"at the limit", str(strings.Repeat("n", MaxNoteLen)), strings.Repeat("n", MaxNoteLen), true},
		{"missing", nil, "is required", false},
		{"empty", str(""), "must not be blank", false},
		{"blank", str(" \t "), "must not be blank", false},
		{"too long", str(strings.Repeat("n", MaxNoteLen+1)), "must be at most 500 characters", false},
		{"control characters", str("a\x07b"), "must not contain control, format or bidirectional characters (U+0007)", false},
		{"a bidi control", str("a\u202eb"), "must not contain control, format or bidirectional characters (U+202E)", false},
	}
	for _, c := range cases {
		got, err := ParseRejectionNote(c.note)
		if c.ok {
			if err != nil || got != c.want {
				t.Errorf("%s: %q %v", c.name, got, err)
			}
			continue
		}
		e, _ := errs.As(err)
		if e == nil || e.Kind != errs.KindInvalid || len(e.Fields) != 1 || e.Fields[0].Field != "note" ||
			e.Fields[0].Message != c.want || got != "" {
			t.Errorf("%s: %q %v, want note: %s", c.name, got, err, c.want)
		}
	}
}
