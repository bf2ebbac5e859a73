package page

import (
	"encoding/base64"
	"errors"
	"fmt"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/problem"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// field is "code:field" of a 400 naming exactly one field, else "".
func field(err error) string {
	var p *errs.Error
	if !errors.As(err, &p) || problem.Status(p.Kind) != 400 || len(p.Fields) != 1 {
		return ""
	}
	return p.Code + ":" + p.Fields[0].Field
}

// isInvalidCursor: the one answer, word for word errs.InvalidCursor().
func isInvalidCursor(err error) bool {
	p, ok := errs.As(err)
	want := errs.InvalidCursor()
	return ok && field(err) == errs.CodeInvalidCursor+":cursor" && p.Detail == want.Detail &&
		p.Fields[0].Message == want.Fields[0].Message
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

// pos is a position of the shape lists use: a number, a string, an optional key.
type pos struct {
	Seq uint64 `json:"seq"`
	Day string `json:"d,omitempty"`
	Key Key    `json:"k,omitempty"`
}

func mustEncode(t *testing.T, c Cursor, p any) string {
	t.Helper()
	s, err := c.Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// raw is a cursor written by hand: base64url of the bytes given.
func raw(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestCursorRoundTrip(t *testing.T) {
	c := For("wallet.statement", "wallet:alice")
	want := pos{Seq: 42, Day: "2025-01-31", Key: Key{"pk": "DAY#2025-01-31", "sk": "x#<&>é"}}
	s := mustEncode(t, c, want)
	if len(s) > MaxCursor || strings.ContainsAny(s, "+/=") {
		t.Fatalf("cursor %q is not bounded base64url", s)
	}
	var got pos
	if err := c.Decode(s, &got); err != nil || got.Seq != 42 || got.Day != want.Day || got.Key["sk"] != want.Key["sk"] || len(got.Key) != 2 {
		t.Fatalf("%+v %v", got, err)
	}
	// Every JSON-able position survives: a bare number, a string, a key.
	var n uint64
	if err := c.Decode(mustEncode(t, c, uint64(7)), &n); err != nil || n != 7 {
		t.Fatal(n, err)
	}
	var k Key
	if err := For("doctors").Decode(mustEncode(t, For("doctors"), Key{"pk": "a"}), &k); err != nil || k["pk"] != "a" {
		t.Fatal(k, err)
	}
	// The same position on the same list is the same cursor (a client can compare them).
	if again := mustEncode(t, For("wallet.statement", "wallet:alice"), want); again != s {
		t.Fatal("encoding is not deterministic")
	}
}

func TestNextAndParse(t *testing.T) {
	c := For("l")
	var none *pos
	for name, p := range map[string]any{"nil": nil, "nil pointer": none, "nil key": Key(nil)} {
		if next, err := c.Next(p); next != nil || err != nil {
			t.Errorf("%s: %v %v", name, next, err)
		}
	}
	next, err := c.Next(&pos{Seq: 3})
	if err != nil || next == nil {
		t.Fatal(next, err)
	}
	var p pos
	if ok, err := c.Parse(map[string]string{}, &p); ok || err != nil {
		t.Fatal("no cursor is the first page", ok, err)
	}
	if ok, err := c.Parse(map[string]string{"cursor": *next}, &p); !ok || err != nil || p.Seq != 3 {
		t.Fatal(ok, err, p)
	}
	if ok, err := c.Parse(map[string]string{"cursor": ""}, &p); ok || !isInvalidCursor(err) {
		t.Fatal("an empty cursor is not the first page", ok, err)
	}
	if _, err := c.Encode(Key(nil)); err == nil {
		t.Fatal("a position that encodes to null must be refused")
	}
	if _, err := c.Encode(pos{Day: strings.Repeat("x", MaxCursor)}); err == nil {
		t.Fatal("a cursor over MaxCursor must never be issued")
	}
	if err := c.Decode(*next, p); err == nil || isInvalidCursor(err) {
		t.Fatal("decoding into a non-pointer is the caller's fault, not the client's", err)
	}
}

// envOf is the envelope of position p (JSON) on c, as Encode writes it, with its check value
// right: the cases below each break one rule and only that one.
func envOf(c Cursor, p string) string {
	return `{"v":1,"l":"` + c.list + `","p":` + p + `,"c":"` + c.check([]byte(p)) + `"}`
}

// TestCursorRefusesWhatItDidNotIssue: every way a cursor can be not this list's own, with the
// one error, word for word.
func TestCursorRefusesWhatItDidNotIssue(t *testing.T) {
	c := For("audit", "alice", "loan.approve")
	good := mustEncode(t, c, pos{Seq: 9, Day: "2025-01-31"})
	if raw(envOf(c, `{"seq":9,"d":"2025-01-31"}`)) != good {
		t.Fatal("the hand-written envelope below is not what Encode writes; fix the test")
	}
	env := func(p string) string { return envOf(c, p) }
	chk := c.check([]byte(`{"seq":9}`))
	bad := map[string]string{
		"empty":                "",
		"oversize":             strings.Repeat("A", MaxCursor+1),
		"not base64":           "!!",
		"html":                 "<script>alert(1)</script>",
		"traversal":            "../../etc/passwd",
		"padded":               good + "==",
		"standard base64":      base64.StdEncoding.EncodeToString([]byte(env(`{"seq":9,"d":"2025-01-31/?"}`))),
		"newline inside":       good[:10] + "\n" + good[10:],
		"not JSON":             raw("not json"),
		"JSON null":            raw("null"),
		"array":                raw("[1]"),
		"old key cursor":       raw(`{"pk":"LOAN#1","sk":"LOAN"}`),
		"old ledger cursor":    raw("ledger.v1.42"),
		"old audit cursor":     raw(`{"v":1,"a":"alice","f":"2025-01-01T00:00:00Z","t":"2025-01-08T00:00:00Z"}`),
		"another version":      raw(strings.Replace(env(`{"seq":9}`), `"v":1`, `"v":2`, 1)),
		"another list name":    raw(strings.Replace(env(`{"seq":9}`), `"l":"audit"`, `"l":"loans"`, 1)),
		"list name edited":     raw(strings.Replace(env(`{"seq":9}`), `"l":"audit"`, `"l":"Audit"`, 1)),
		"position edited":      raw(strings.Replace(env(`{"seq":9}`), `"seq":9`, `"seq":8`, 1)),
		"check edited":         raw(strings.Replace(env(`{"seq":9}`), chk, "A"+chk[1:], 1)),
		"no check":             raw(`{"v":1,"l":"audit","p":{"seq":9}}`),
		"no position":          raw(`{"v":1,"l":"audit","c":"` + chk + `"}`),
		"null position":        raw(env(`null`)),
		"unknown envelope key": raw(`{"v":1,"l":"audit","p":{"seq":9},"c":"` + chk + `","x":1}`),
		"unknown position key": raw(env(`{"seq":9,"admin":true}`)),
		"position of a type":   raw(env(`{"seq":"9"}`)),
		"negative seq":         raw(env(`{"seq":-1}`)),
		"float seq":            raw(env(`{"seq":9.0}`)),
		"trailing data":        raw(env(`{"seq":9}`) + `{}`),
		"trailing space":       raw(env(`{"seq":9}`) + ` `),
		"space inside":         raw(strings.Replace(env(`{"seq":9}`), `"v":1,`, `"v":1, `, 1)),
		"space in position":    raw(env(`{"seq": 9}`)),
		"duplicate field":      raw(env(`{"seq":1,"seq":9}`)),
		"duplicate envelope":   raw(strings.Replace(env(`{"seq":9}`), `"l":"audit"`, `"l":"loans","l":"audit"`, 1)),
		"field name case":      raw(env(`{"SEQ":9}`)),
		"envelope case":        raw(strings.Replace(env(`{"seq":9}`), `"v":1`, `"V":1`, 1)),
		"explicit empty field": raw(env(`{"seq":9,"d":""}`)),
		"escaped ascii":        raw(env(`{"seq":9,"d":"\u0032025-01-31"}`)),
		"fields out of order":  raw(`{"l":"audit","v":1,"p":{"seq":9},"c":"` + chk + `"}`),
	}
	for i := 1; i < len(good); i++ {
		bad[fmt.Sprintf("truncated to %d", i)] = good[:i]
	}
	for name, s := range bad {
		var p pos
		if err := c.Decode(s, &p); !isInvalidCursor(err) {
			t.Errorf("%s: %q accepted or refused otherwise: %+v %v", name, s, p, err)
		}
	}
	// The same cursor under another list, another binding or another order of the binding.
	for name, other := range map[string]Cursor{
		"another list":          For("loans", "alice", "loan.approve"),
		"another caller":        For("audit", "bob", "loan.approve"),
		"another filter":        For("audit", "alice", "loan.reject"),
		"binding swapped":       For("audit", "loan.approve", "alice"),
		"binding re-split":      For("audit", "aliceloan", ".approve"),
		"binding dropped":       For("audit", "alice"),
		"binding added":         For("audit", "alice", "loan.approve", ""),
		"name into binding":     For("", "audit", "alice", "loan.approve"),
		"list named as binding": For("auditalice", "loan.approve"),
	} {
		var p pos
		if err := other.Decode(good, &p); !isInvalidCursor(err) {
			t.Errorf("%s: accepted: %+v %v", name, p, err)
		}
	}
	var p pos
	if err := c.Decode(good, &p); err != nil || p.Seq != 9 {
		t.Fatal("the good cursor itself must decode", err)
	}
}

// TestTamperedCursors: changing any one character of a cursor — in its list, its position,
// its check value or its base64 — is refused, never panics.
func TestTamperedCursors(t *testing.T) {
	c := For("loans", "alice")
	good := mustEncode(t, c, Key{"pk": "LOAN#1", "sk": "LOAN", "gsi1pk": "LOANS#alice", "gsi1sk": "2025#1"})
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=.%"
	for i := range good {
		for _, r := range alphabet {
			if byte(r) == good[i] {
				continue
			}
			s := good[:i] + string(r) + good[i+1:]
			var k Key
			if err := c.Decode(s, &k); !isInvalidCursor(err) {
				t.Fatalf("%q (character %d of %q changed) accepted as %v: %v", s, i, good, k, err)
			}
		}
	}
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func TestKeyCursorsAndSpec(t *testing.T) {
	last := map[string]types.AttributeValue{"pk": s("LOAN#1"), "sk": s("LOAN"), "gsi2pk": s("REVIEW"), "gsi2sk": s("LOAN#x#1")}
	keys := []string{"pk", "sk", "gsi2pk", "gsi2sk"}
	review := Spec{Default: 25, Max: 100, Bound: map[string]string{"gsi2pk": "REVIEW"}, Keys: keys, List: "approvals"}

	next, err := review.Next(last)
	if err != nil || next == nil {
		t.Fatal(next, err)
	}
	limit, start, err := review.Parse(map[string]string{"limit": "10", "cursor": *next})
	if err != nil || limit != 10 || len(start) != 4 || start["gsi2sk"].(*types.AttributeValueMemberS).Value != "LOAN#x#1" {
		t.Fatalf("%d %v %v", limit, start, err)
	}
	if end, err := review.Next(nil); err != nil || end != nil {
		t.Fatal("an empty LastEvaluatedKey is the end of the list", end, err)
	}
	if limit, start, err := review.Parse(map[string]string{}); limit != 25 || start != nil || err != nil {
		t.Fatal("no cursor is the first page")
	}
	if _, _, err := review.Parse(map[string]string{"limit": "0"}); field(err) != errs.CodeValidation+":limit" {
		t.Fatal(err)
	}

	// A Spec's cursors are its own, not another list's with the same keys.
	alerts := Spec{Default: 50, Max: 200, Bound: map[string]string{"gsi2pk": "REVIEW"}, Keys: keys, List: "fraud.alerts"}
	other := Spec{Default: 50, Max: 200, Bound: map[string]string{"gsi2pk": "REVIEW"}, Keys: keys, List: "doctors"}
	named, err := alerts.Next(last)
	if err != nil || named == nil {
		t.Fatal(named, err)
	}
	if _, start, err := alerts.Parse(map[string]string{"cursor": *named}); err != nil || len(start) != 4 {
		t.Fatal(start, err)
	}
	for name, c := range map[string]struct {
		spec   Spec
		cursor string
	}{"approvals' on alerts": {alerts, *next}, "alerts' on approvals": {review, *named}, "alerts' on doctors": {other, *named}} {
		if _, _, err := c.spec.Parse(map[string]string{"cursor": c.cursor}); !isInvalidCursor(err) {
			t.Errorf("%s accepted: %v", name, err)
		}
	}

	// The key must be exactly the list's: its partition, all its attributes, no others.
	enc := func(k map[string]types.AttributeValue) string {
		t.Helper()
		c, err := review.Next(k)
		if err != nil || c == nil {
			t.Fatal(c, err)
		}
		return *c
	}
	for name, bad := range map[string]string{
		"another partition": enc(map[string]types.AttributeValue{"pk": s("LOAN#1"), "sk": s("LOAN"), "gsi2pk": s("OTHER"), "gsi2sk": s("x")}),
		"missing attribute": enc(map[string]types.AttributeValue{"pk": s("LOAN#1"), "sk": s("LOAN"), "gsi2pk": s("REVIEW")}),
		"extra attribute":   enc(map[string]types.AttributeValue{"pk": s("a"), "sk": s("b"), "gsi2pk": s("REVIEW"), "gsi2sk": s("c"), "x": s("d")}),
		"renamed attribute": enc(map[string]types.AttributeValue{"pk": s("a"), "sk": s("b"), "gsi2pk": s("REVIEW"), "gsi1sk": s("c")}),
		"empty attribute":   enc(map[string]types.AttributeValue{"pk": s(""), "sk": s("b"), "gsi2pk": s("REVIEW"), "gsi2sk": s("c")}),
		"number attribute":  raw(envOf(For("approvals"), `{"gsi2pk":"REVIEW","gsi2sk":"c","pk":1,"sk":"b"}`)),
		"not base64":        "!!",
		"oversize":          strings.Repeat("A", MaxCursor+1),
	} {
		if _, _, err := review.Parse(map[string]string{"cursor": bad}); !isInvalidCursor(err) {
			t.Errorf("%s accepted: %v", name, err)
		}
	}
	if _, err := KeyOf(map[string]types.AttributeValue{"n": &types.AttributeValueMemberN{Value: "1"}}); err == nil {
		t.Fatal("a number key attribute must be refused")
	}

	// A cursor bound per request (a caller's own partition).
	mine := For("loans", "alice")
	c, err := mine.NextKey(map[string]types.AttributeValue{"pk": s("LOAN#1"), "gsi1pk": s("LOANS#alice")})
	if err != nil || c == nil {
		t.Fatal(c, err)
	}
	loanKeys := []string{"pk", "gsi1pk"}
	if k, err := mine.StartKey(map[string]string{"cursor": *c}, loanKeys, map[string]string{"gsi1pk": "LOANS#alice"}); err != nil || len(k) != 2 {
		t.Fatal(k, err)
	}
	if _, err := For("loans", "bob").StartKey(map[string]string{"cursor": *c}, loanKeys, map[string]string{"gsi1pk": "LOANS#bob"}); !isInvalidCursor(err) {
		t.Fatal("alice's cursor on bob's list", err)
	}
}
