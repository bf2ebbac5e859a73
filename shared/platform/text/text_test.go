package text

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestCheck(t *testing.T) {
	line := Rule{Max: 10, Required: true}
	body := Rule{Max: 10, Required: true, Newlines: true}
	cases := []struct {
		rule Rule
		in   string
		want string // "" accepted; otherwise a prefix of the message
	}{
		{line, "Asha Rao", ""},
		{line, "आशा राव", ""},
		{line, "", "is required"},
		{line, " \t", "is required"},
		{Rule{Max: 10}, "", ""},
		{line, "0123456789", ""},
		{line, "01234567890", "must be at most 10 characters"},
		{line, "ééééééééé", ""}, // 9 characters, 18 bytes
		{Rule{MaxBytes: 4}, "éé", ""},
		{Rule{MaxBytes: 4}, "ééé", "must be at most 4 bytes"},
		{line, "a\xffb", "must be valid UTF-8"},
		{line, "a\x00b", "must not contain control, format or bidirectional characters (U+0000)"},
		{line, "a\nb", "must not contain control, format or bidirectional characters (U+000A)"},
		{line, "a\rb", "must not contain control, format or bidirectional characters (U+000D)"},
		{line, "a\tb", "must not contain control"},
		{line, "a\u0085b", "must not contain control"},
		{line, "a\u202eb", "must not contain control, format or bidirectional characters (U+202E)"},
		{line, "a\u2066b", "must not contain control"},
		{line, "a\u061cb", "must not contain control"},
		{line, "a\u200bb", "must not contain control, format or bidirectional characters (U+200B)"},
		{line, "a\u200db", "must not contain control"},
		{line, "\ufeffab", "must not contain control"},
		{line, "a\u2028b", "must not contain control, format or bidirectional characters (U+2028)"},
		{line, "a\u2029b", "must not contain control"},
		{body, "a\nb", ""},
		{body, "a\r\nb", "must not contain control, format or bidirectional characters (U+000D)"},
		{body, "a\u2028b", "must not contain control"},
	}
	for _, c := range cases {
		got := c.rule.Check(c.in)
		if (c.want == "") != (got == "") || !strings.HasPrefix(got, c.want) {
			t.Errorf("%+v.Check(%q) = %q, want %q", c.rule, c.in, got, c.want)
		}
	}
}

// FuzzCheck: whatever Check accepts is valid UTF-8, within its limits, and holds no rune the
// rule refuses; whatever it refuses has a message.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{"", "Asha", "a\nb", "a\u202eb", "\xff", "a\u2028", "\u200b", "  "} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, newlines bool) {
		r := Rule{Max: 20, MaxBytes: 40, Required: true, Newlines: newlines}
		if r.Check(s) != "" {
			return
		}
		if !utf8.ValidString(s) || utf8.RuneCountInString(s) > 20 || len(s) > 40 || strings.TrimSpace(s) == "" {
			t.Fatalf("accepted %q", s)
		}
		for _, c := range s {
			if (c != '\n' || !newlines) && (unicode.IsControl(c) || unicode.Is(unicode.Cf, c) || c == '\u2028' || c == '\u2029') {
				t.Fatalf("accepted %q holding %U", s, c)
			}
		}
	})
}
