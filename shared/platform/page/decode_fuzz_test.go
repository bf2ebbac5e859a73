package page

import (
	"encoding/base64"
	"holdfast/shared/platform/errs"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The list routes' decoders of untrusted query parameters: `?limit=` and `?cursor=`. The seeds
// run in every `go test`; `go test -fuzz FuzzX ./shared/platform/page` explores further.

func FuzzLimit(f *testing.F) {
	for _, s := range []string{"1", "25", "100", "101", "0", "-1", "+5", "0100", "00001", "1.5", "1e2", "ten", "",
		" 5", "5\n", "٥", "１０", "9223372036854775808", "0x10"} {
		f.Add(true, s, 100)
	}
	f.Add(false, "", 100)
	f.Add(true, "9999", 9999)
	f.Add(true, "10000", 100000)
	f.Fuzz(func(t *testing.T, present bool, s string, max int) {
		if max < 1 {
			return // a route's own constant, never input
		}
		const def = 25
		q := map[string]string{}
		if present {
			q["limit"] = s
		}
		n, err := Limit(q, def, max)
		if !present {
			if n != def || err != nil {
				t.Fatalf("absent limit: %d %v", n, err)
			}
			return
		}
		if err != nil {
			if field(err) != errs.CodeValidation+":limit" {
				t.Fatalf("%q: rejected without naming limit: %v", s, err)
			}
			return
		}
		// Accepted: an ASCII integer of at most four characters, within 1..max, read exactly.
		if n < 1 || n > max || len(s) > 4 {
			t.Fatalf("%q accepted as %d (max %d)", s, n, max)
		}
		if m, aerr := strconv.Atoi(s); aerr != nil || m != n {
			t.Fatalf("%q accepted as %d", s, n)
		}
		for _, r := range strings.TrimPrefix(strings.TrimPrefix(s, "+"), "-") {
			if r < '0' || r > '9' {
				t.Fatalf("%q accepted with %q in it", s, r)
			}
		}
	})
}

func FuzzDecode(f *testing.F) {
	keys := []string{"gsi2pk", "gsi2sk", "pk", "sk"}
	bound := map[string]string{"gsi2pk": "REVIEW"}
	b64 := base64.RawURLEncoding.EncodeToString
	for _, c := range []string{
		b64([]byte(`{"pk":"LOAN#1","sk":"LOAN","gsi2pk":"REVIEW","gsi2sk":"LOAN#x#1"}`)),
		b64([]byte(`{"pk":"LOAN#1","sk":"LOAN","gsi2pk":"OTHER","gsi2sk":"LOAN#x#1"}`)),
		b64([]byte(`{"pk":"LOAN#1","sk":"LOAN","gsi2pk":"REVIEW","gsi2sk":"LOAN#x#1","gsi2pk":"OTHER"}`)),
		b64([]byte(`{"pk":"LOAN#1","sk":"LOAN","gsi2pk":"OTHER","gsi2sk":"LOAN#x#1","gsi2pk":"REVIEW"}`)),
		b64([]byte(`{"pk":"","sk":"LOAN","gsi2pk":"REVIEW","gsi2sk":"x"}`)),
		b64([]byte(`{"pk":"a","sk":"b","gsi2pk":"REVIEW"}`)),
		b64([]byte(`{"pk":"USER#../../admin","sk":"\u0000","gsi2pk":"REVIEW","gsi2sk":"<x>"}`)),
		b64([]byte(`{"pk":1,"sk":"b","gsi2pk":"REVIEW","gsi2sk":"c"}`)),
		b64([]byte(`null`)),
		base64.URLEncoding.EncodeToString([]byte(`{"pk":"a","sk":"b","gsi2pk":"REVIEW","gsi2sk":"c"}`)),
		base64.StdEncoding.EncodeToString([]byte(`{"pk":"a?","sk":"b>","gsi2pk":"REVIEW","gsi2sk":"c"}`)),
		"", "!!", "bm90IGpzb24", strings.Repeat("A", MaxCursor+1),
	} {
		f.Add(true, c, "LOAN#1", "LOAN")
	}
	f.Add(false, "", "pk", "sk")
	f.Add(true, "", "USER#é", "2025-01-01T00:00:00Z#ü")
	f.Fuzz(func(t *testing.T, present bool, cursor, pk, sk string) {
		q := map[string]string{}
		if present {
			q["cursor"] = cursor
		}
		got, err := Decode(q, bound, keys...)
		switch {
		case !present:
			if got != nil || err != nil {
				t.Fatalf("no cursor is the first page: %v %v", got, err)
			}
		case err != nil:
			if field(err) != CodeInvalidCursor+":cursor" {
				t.Fatalf("%q: rejected without naming cursor: %v", cursor, err)
			}
		default:
			// Accepted: exactly the list's key attributes, each a non-empty string, the bound ones
			// holding the list's own values; and the key re-encodes to a cursor that decodes alike.
			if len(cursor) > MaxCursor || len(got) != len(keys) {
				t.Fatalf("%q accepted as %v", cursor, got)
			}
			for _, k := range keys {
				v, ok := got[k].(*types.AttributeValueMemberS)
				if !ok || v.Value == "" {
					t.Fatalf("%q accepted with %s = %#v", cursor, k, got[k])
				}
				if want, isBound := bound[k]; isBound && v.Value != want {
					t.Fatalf("%q crosses into partition %s=%q", cursor, k, v.Value)
				}
			}
			again, err := Encode(got)
			if err != nil || again == nil {
				t.Fatalf("re-encode %v: %v", got, err)
			}
			back, err := Decode(map[string]string{"cursor": *again}, bound, keys...)
			if err != nil || !sameKey(back, got) {
				t.Fatalf("%q → %v → %q → %v %v", cursor, got, *again, back, err)
			}
		}
		// Every key DynamoDB can hand back (non-empty UTF-8 strings) survives Encode → Decode.
		if pk == "" || sk == "" || !utf8.ValidString(pk) || !utf8.ValidString(sk) {
			return
		}
		last := map[string]types.AttributeValue{"pk": s(pk), "sk": s(sk), "gsi2pk": s("REVIEW"), "gsi2sk": s(sk + "#" + pk)}
		c, err := Encode(last)
		if err != nil || c == nil {
			t.Fatalf("encode %v: %v", last, err)
		}
		if len(*c) > MaxCursor {
			return // longer keys than any list of the platform uses
		}
		back, err := Decode(map[string]string{"cursor": *c}, bound, keys...)
		if err != nil || !sameKey(back, last) {
			t.Fatalf("key %v → %q → %v %v", last, *c, back, err)
		}
	})
}

func sameKey(a, b map[string]types.AttributeValue) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		x, ok1 := v.(*types.AttributeValueMemberS)
		y, ok2 := b[k].(*types.AttributeValueMemberS)
		if !ok1 || !ok2 || x.Value != y.Value {
			return false
		}
	}
	return true
}
