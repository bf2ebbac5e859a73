package expr

import (
	"testing"

	"holdfast/shared/localcloud/dynamo/attr"
)

func TestCanonicalNumberCompare(t *testing.T) {
	// attr.CanonicalNumber's form; the fast path must agree with attr.Compare.
	nums := []string{"0", "1", "-1", "10", "9", "0.5", "0.25", "-0.5", "-0.25", "123.456", "123.45", "-123.456", "1000000000000000000000000000000", "0.0000000001", "-10", "2"}
	for _, a := range nums {
		if !canonical(a) {
			t.Fatalf("%s should be canonical", a)
		}
		for _, b := range nums {
			want, _ := attr.Compare(attr.Num(a), attr.Num(b))
			if got := compareCanonical(a, b); got != want {
				t.Errorf("compare(%s, %s) = %d, want %d", a, b, got, want)
			}
		}
	}
	for _, s := range []string{"", "-", "-0", "01", "1.", "1.50", "1e5", "+1", ".5", "1.2.3", "00"} {
		if canonical(s) {
			t.Errorf("%q should not be canonical", s)
		}
	}
}
