package dynamo_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestConformanceComparators shows the suite's comparisons can fail: values that differ in
// type, number value, set member, list order, map key or nesting are told apart, and only
// numerically equal numbers and reordered sets compare equal.
func TestConformanceComparators(t *testing.T) {
	equal := [][2]types.AttributeValue{
		{N("1"), N("1.0")}, {N("1E40"), N("10000000000000000000000000000000000000000")}, {N("-0.50"), N("-.5")},
		{SS("a", "b"), SS("b", "a")}, {NS("1", "2.0"), NS("2", "1")}, {M(item{"a": L(S("x"))}), M(item{"a": L(S("x"))})},
	}
	differ := [][2]types.AttributeValue{
		{N("1"), S("1")}, {N("1"), N("1.00000000000000000000000000000000000001")}, {S("a"), S("A")},
		{SS("a", "b"), SS("a")}, {SS("a", "a"), SS("a", "b")}, {L(S("x"), S("y")), L(S("y"), S("x"))},
		{M(item{"a": N("1")}), M(item{"b": N("1")})}, {M(item{"a": M(item{"b": N("1")})}), M(item{"a": M(item{"b": N("2")})})},
		{B(1, 2), B(1, 2, 0)}, {NULL(), BOOL(false)}, {BOOL(true), BOOL(false)},
	}
	for _, p := range equal {
		if !avEq(p[0], p[1]) || !avEq(p[1], p[0]) {
			t.Errorf("%s and %s should compare equal", avString(p[0]), avString(p[1]))
		}
	}
	for _, p := range differ {
		if avEq(p[0], p[1]) || avEq(p[1], p[0]) {
			t.Errorf("%s and %s should differ", avString(p[0]), avString(p[1]))
		}
	}
	if itemEq(nil, item{}) || !itemEq(nil, nil) || itemEq(item{"a": N("1")}, item{"a": N("1"), "b": N("2")}) {
		t.Error("itemEq: absent vs empty item, or extra attribute, not told apart")
	}
	if !seqLess("9", "10") || seqLess("10", "9") || seqLess("5", "5") {
		t.Error("seqLess must compare sequence numbers as integers")
	}
}
