package page

import (
	"errors"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/problem"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func field(err error) string {
	var p *errs.Error
	if !errors.As(err, &p) || problem.Status(p.Kind) != 400 || len(p.Fields) != 1 {
		return ""
	}
	return p.Code + ":" + p.Fields[0].Field
}

func TestLimit(t *testing.T) {
	for q, want := range map[string]int{"": 25, "1": 1, "100": 100} {
		m := map[string]string{}
		if q != "" {
			m["limit"] = q
		}
		if n, err := Limit(m, 25, 100); err != nil || n != want {
			t.Errorf("%q: %d %v", q, n, err)
		}
	}
	for _, q := range []string{"0", "101", "-1", "ten", "1.5", "00001", ""} {
		if _, err := Limit(map[string]string{"limit": q}, 25, 100); field(err) != errs.CodeValidation+":limit" {
			t.Errorf("%q accepted: %v", q, err)
		}
	}
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func TestCursorRoundTripAndBinding(t *testing.T) {
	last := map[string]types.AttributeValue{"pk": s("LOAN#1"), "sk": s("LOAN"), "gsi2pk": s("REVIEW"), "gsi2sk": s("LOAN#x#1")}
	c, err := Encode(last)
	if err != nil || c == nil {
		t.Fatal(c, err)
	}
	keys := []string{"pk", "sk", "gsi2pk", "gsi2sk"}
	got, err := Decode(map[string]string{"cursor": *c}, map[string]string{"gsi2pk": "REVIEW"}, keys...)
	if err != nil || len(got) != 4 || got["gsi2sk"].(*types.AttributeValueMemberS).Value != "LOAN#x#1" {
		t.Fatalf("%v %v", got, err)
	}
	if none, err := Encode(nil); none != nil || err != nil {
		t.Fatal("an empty key is the end of the list")
	}
	if k, err := Decode(map[string]string{}, nil, keys...); k != nil || err != nil {
		t.Fatal("no cursor is the first page")
	}
	other, _ := Encode(map[string]types.AttributeValue{"pk": s("LOAN#1"), "sk": s("LOAN"), "gsi2pk": s("OTHER"), "gsi2sk": s("x")})
	short, _ := Encode(map[string]types.AttributeValue{"pk": s("LOAN#1"), "sk": s("LOAN"), "gsi2pk": s("REVIEW")})
	extra, _ := Encode(map[string]types.AttributeValue{"pk": s("a"), "sk": s("b"), "gsi2pk": s("REVIEW"), "gsi2sk": s("c"), "x": s("d")})
	empty, _ := Encode(map[string]types.AttributeValue{"pk": s(""), "sk": s("b"), "gsi2pk": s("REVIEW"), "gsi2sk": s("c")})
	for name, bad := range map[string]string{"another partition": *other, "missing attribute": *short, "extra attribute": *extra,
		"empty attribute": *empty, "not base64": "!!", "not JSON": "bm90IGpzb24", "oversize": strings.Repeat("A", MaxCursor+1)} {
		if _, err := Decode(map[string]string{"cursor": bad}, map[string]string{"gsi2pk": "REVIEW"}, keys...); field(err) != CodeInvalidCursor+":cursor" {
			t.Errorf("%s accepted: %v", name, err)
		}
	}
	if _, err := Encode(map[string]types.AttributeValue{"n": &types.AttributeValueMemberN{Value: "1"}}); err == nil {
		t.Fatal("a number key attribute must be refused")
	}
}
