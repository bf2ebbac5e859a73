package expr

import (
	"strings"

	"holdfast/shared/localcloud/dynamo/attr"
)

// Fast paths for comparing numbers without parsing them. Item numbers are canonical text
// (attr.CanonicalNumber: no exponent, no "+", no leading or trailing zeros, "0" for zero), and
// canonical decimal text orders by sign, integer length and then digits, so comparisons during
// Eval need no allocation. Anything not in canonical form falls back to attr.Compare.

// canonical reports whether s is in attr's canonical number form.
func canonical(s string) bool {
	t := strings.TrimPrefix(s, "-")
	if t == "" || t == "0" && len(s) > 1 { // "-0" is not canonical
		return false
	}
	dot := -1
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c >= '0' && c <= '9':
		case c == '.' && dot < 0:
			dot = i
		default:
			return false
		}
	}
	intPart := t
	if dot >= 0 {
		intPart = t[:dot]
		frac := t[dot+1:]
		if frac == "" || frac[len(frac)-1] == '0' {
			return false
		}
	}
	if intPart == "" || len(intPart) > 1 && intPart[0] == '0' {
		return false
	}
	return true
}

// compareCanonical orders two canonical numbers.
func compareCanonical(a, b string) int {
	an, bn := strings.HasPrefix(a, "-"), strings.HasPrefix(b, "-")
	switch {
	case an && !bn:
		return -1
	case !an && bn:
		return 1
	case an && bn:
		return -compareAbs(a[1:], b[1:])
	}
	return compareAbs(a, b)
}

func compareAbs(a, b string) int {
	ai, af, _ := strings.Cut(a, ".")
	bi, bf, _ := strings.Cut(b, ".")
	if len(ai) != len(bi) {
		if len(ai) < len(bi) {
			return -1
		}
		return 1
	}
	if c := strings.Compare(ai, bi); c != 0 {
		return c
	}
	return strings.Compare(af, bf)
}

// compareValues is attr.Compare with the allocation-free path for canonical numbers.
func compareValues(a, b attr.Value) (int, bool) {
	if a.Kind == attr.N && b.Kind == attr.N && canonical(a.Str) && canonical(b.Str) {
		return compareCanonical(a.Str, b.Str), true
	}
	return attr.Compare(a, b)
}

// equalValues is attr.Equal with the allocation-free path for canonical numbers.
func equalValues(a, b attr.Value) bool {
	if a.Kind == attr.N && b.Kind == attr.N && canonical(a.Str) && canonical(b.Str) {
		return a.Str == b.Str
	}
	return attr.Equal(a, b)
}
