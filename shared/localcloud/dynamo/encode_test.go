package dynamo

import (
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"holdfast/shared/localcloud/dynamo/attr"
)

// A numeric sort key sorts numerically (Developer Guide, "Core components" → sort key; "Query"
// returns items in order of the sort key value): the byte order of encodeNumber is the numeric
// order, for negatives, decimals, exponents and the extremes of DynamoDB's range.
func TestEncodeNumberOrdersNumerically(t *testing.T) {
	fixed := []string{"0", "1", "-1", "10", "9", "0.5", "-0.5", "0.05", "-0.05", "100", "99.999", "-100", "-99.999",
		"1E-130", "-1E-130", "9.9999999999999999999999999999999999999E+125", "-9.9999999999999999999999999999999999999E+125",
		"12345678901234567890123456789012345678", "0.12", "0.123", "-0.12", "-0.123", "1.1", "1.10001", "-1.1", "-1.10001"}
	rng := rand.New(rand.NewPCG(7, 9))
	for i := 0; i < 2000; i++ {
		var b strings.Builder
		if rng.IntN(2) == 0 {
			b.WriteByte('-')
		}
		for d := 0; d < 1+rng.IntN(12); d++ {
			b.WriteByte(byte('0' + rng.IntN(10)))
		}
		if rng.IntN(2) == 0 {
			b.WriteByte('.')
			for d := 0; d < 1+rng.IntN(10); d++ {
				b.WriteByte(byte('0' + rng.IntN(10)))
			}
		}
		if rng.IntN(4) == 0 {
			b.WriteString("E")
			b.WriteString([]string{"-", "+", ""}[rng.IntN(3)])
			b.WriteString(string(rune('0' + rng.IntN(10))))
		}
		fixed = append(fixed, b.String())
	}
	vals := make([]attr.Value, 0, len(fixed))
	for _, s := range fixed {
		c, err := attr.CanonicalNumber(s)
		if err != nil {
			continue
		}
		vals = append(vals, attr.Value{Kind: attr.N, Str: c})
	}
	byNumber := append([]attr.Value(nil), vals...)
	sort.SliceStable(byNumber, func(i, j int) bool { c, _ := attr.Compare(byNumber[i], byNumber[j]); return c < 0 })
	for i := 1; i < len(byNumber); i++ {
		a, b := encodeNumber(byNumber[i-1].Str), encodeNumber(byNumber[i].Str)
		c, _ := attr.Compare(byNumber[i-1], byNumber[i])
		switch {
		case c < 0 && a >= b:
			t.Fatalf("%s < %s but their encodings are ordered %q >= %q", byNumber[i-1].Str, byNumber[i].Str, a, b)
		case c == 0 && a != b:
			t.Fatalf("%s = %s but their encodings differ", byNumber[i-1].Str, byNumber[i].Str)
		}
	}
	if len(vals) < 1500 {
		t.Fatalf("only %d valid numbers generated", len(vals))
	}
}
