package expr

import (
	"strings"
	"testing"
	"time"
)

// TestPathologicalInputs guards against super-linear parsing of adversarial expressions of the
// maximum length.
func TestPathologicalInputs(t *testing.T) {
	n := MaxExpressionLength / 2
	inputs := []string{
		strings.Repeat("(", n),
		strings.Repeat("(", n/2) + "a" + strings.Repeat(")", n/2),
		strings.Repeat("(", n/3) + "a = :s" + strings.Repeat(")", n/3),
		strings.Repeat("NOT ", n/2),
		"a = :s" + strings.Repeat(" AND a = :s", n/12),
		"SET a = " + strings.Repeat("(", n-10),
		"SET a = " + strings.Repeat("list_append(", n/13),
		"SET a = " + strings.Repeat("(", n/2-10) + "b" + strings.Repeat(")", n/2-10),
		"a IN (" + strings.Repeat(":s,", n/3),
		"a" + strings.Repeat(".b[1]", n/5),
	}
	for _, s := range inputs {
		start := time.Now()
		ParseCondition(KindCondition, s, newEnv(t))
		ParseUpdate(s, newEnv(t))
		ParseProjection(s, newEnv(t))
		ParseKeyCondition(s, newEnv(t))
		if d := time.Since(start); d > 500*time.Millisecond {
			t.Errorf("%.30q... took %v", s, d)
		}
	}
}
