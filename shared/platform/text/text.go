// Package text is the one rule for free text a caller sends (names, notes, subjects, bodies):
// valid UTF-8, within the field's limit, and nothing that can spoof what a reader sees or break
// a line — no control characters (Cc; a field may allow '\n'), no format characters (Cf: the
// bidirectional controls such as U+202E, zero-width characters, the BOM) and no line or
// paragraph separators (U+2028, U+2029). It is a leaf: no I/O, no HTTP, no error model — it
// answers with the message a validator puts on the field, so domain packages can use it.
package text

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Rule is one field's limits. The zero value allows an empty string of any length.
type Rule struct {
	Max      int  // most characters (runes); 0: no limit
	MaxBytes int  // most bytes (for encodings with a byte budget); 0: no limit
	Required bool // refuse an empty or all-space value
	Newlines bool // allow '\n' (and only '\n') among the control characters
}

// Check returns "" when s satisfies the rule, otherwise the message for the field (e.g. "must
// not contain control, format or bidirectional characters (U+202E)").
func (r Rule) Check(s string) string {
	if r.Required && strings.TrimSpace(s) == "" {
		return "is required"
	}
	if !utf8.ValidString(s) {
		return "must be valid UTF-8"
	}
	if r.MaxBytes > 0 && len(s) > r.MaxBytes {
		return fmt.Sprintf("must be at most %d bytes", r.MaxBytes)
	}
	if r.Max > 0 && utf8.RuneCountInString(s) > r.Max {
		return fmt.Sprintf("must be at most %d characters", r.Max)
	}
	for _, c := range s {
		if Refused(c) && (c != '\n' || !r.Newlines) {
			return fmt.Sprintf("must not contain control, format or bidirectional characters (%U)", c)
		}
	}
	return ""
}

// Refused reports whether c may never appear in free text ('\n' is refused here; a Rule with
// Newlines lets it through).
func Refused(c rune) bool {
	return unicode.IsControl(c) || unicode.In(c, unicode.Cf, unicode.Zl, unicode.Zp)
}
