package page

import (
	"encoding/base64"
	"errors"
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
	c := For("audit", "alice", "loan.approve")
	b64 := base64.RawURLEncoding.EncodeToString
	for _, p := range []any{pos{Seq: 9}, pos{Seq: 1, Day: "2025-01-31", Key: Key{"pk": "DAY#2025-01-31", "sk": "x"}}, uint64(3)} {
		s, err := c.Encode(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(s)
	}
	for _, s := range []string{
		b64([]byte(envOf(c, `{"seq":9}`))),
		b64([]byte(envOf(c, `{"seq":9,"seq":1}`))),
		b64([]byte(envOf(c, `{"seq":9,"k":{"pk":"a","pk":"b"}}`))),
		b64([]byte(envOf(c, `{"seq":9}`) + " ")),
		b64([]byte(envOf(For("loans", "alice", "loan.approve"), `{"seq":9}`))),
		b64([]byte(envOf(c, `{"Seq":9}`))),
		b64([]byte(envOf(c, `null`))),
		b64([]byte(envOf(c, `{"seq":9,"x":{}}`))),
		b64([]byte(`{"pk":"LOAN#1","sk":"LOAN","gsi2pk":"REVIEW","gsi2sk":"LOAN#x#1"}`)),
		b64([]byte(`ledger.v1.42`)),
		"", "!!", "bm90IGpzb24", strings.Repeat("A", MaxCursor+1),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cursor string) {
		var p pos
		err := c.Decode(cursor, &p)
		if err != nil {
			if field(err) != errs.CodeInvalidCursor+":cursor" {
				t.Fatalf("%q: refused without naming cursor: %v", cursor, err)
			}
			return
		}
		// Accepted: bounded, and exactly the cursor Encode makes of what it decoded to.
		again, err := c.Encode(p)
		if err != nil || again != cursor || len(cursor) > MaxCursor {
			t.Fatalf("%q accepted as %+v, which encodes to %q (%v)", cursor, p, again, err)
		}
		// And no other list or binding accepts it.
		for _, other := range []Cursor{For("loans", "alice", "loan.approve"), For("audit", "bob", "loan.approve"), For("audit", "alice")} {
			if other.Decode(cursor, &p) == nil {
				t.Fatalf("%q accepted by %v too", cursor, other)
			}
		}
	})
}

// FuzzKeyRoundTrip: every key DynamoDB can hand back (non-empty UTF-8 strings) survives
// NextKey → StartKey on its own list, when its cursor fits MaxCursor.
func FuzzKeyRoundTrip(f *testing.F) {
	f.Add("LOAN#1", "LOAN")
	f.Add("USER#é", "2025-01-01T00:00:00Z#ü")
	f.Add("<script>", "\u0000\"")
	f.Add("a", strings.Repeat("z", 700))
	keys := []string{"gsi2pk", "gsi2sk", "pk", "sk"}
	bound := map[string]string{"gsi2pk": "REVIEW"}
	c := For("approvals")
	f.Fuzz(func(t *testing.T, pk, sk string) {
		if pk == "" || sk == "" || !utf8.ValidString(pk) || !utf8.ValidString(sk) {
			return
		}
		last := map[string]types.AttributeValue{"pk": s(pk), "sk": s(sk), "gsi2pk": s("REVIEW"), "gsi2sk": s(sk + "#" + pk)}
		next, err := c.NextKey(last)
		if err != nil {
			if errors.Is(err, errOversize) {
				return // longer keys than any list of the platform uses: never issued
			}
			t.Fatalf("encode %v: %v", last, err)
		}
		back, err := c.StartKey(map[string]string{"cursor": *next}, keys, bound)
		if err != nil || !sameKey(back, last) {
			t.Fatalf("key %v → %q → %v %v", last, *next, back, err)
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
