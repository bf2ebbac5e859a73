package ledgerapi_test

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"holdfast/shared/ledger/ledgerapi"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/page"
	"holdfast/shared/platform/platformtest"
	"holdfast/shared/platform/problem"
)

// pageThrough follows nextCursor from the first page of route as c with limit, returning the
// seqs of every page's items in order; it fails on anything but 200 or a page over limit.
func pageThrough(t *testing.T, e *env, route string, c platformtest.Call, limit int, seqs func([]byte) ([]uint64, *string)) []uint64 {
	t.Helper()
	var all []uint64
	q := "limit=" + strconv.Itoa(limit)
	for n := 0; ; n++ {
		if n > 20 {
			t.Fatalf("%s: paging does not end", route)
		}
		c.Query = q
		r := e.do(route, c)
		if r.StatusCode != 200 {
			t.Fatalf("%s %s: %d %s", route, q, r.StatusCode, r.Body)
		}
		got, next := seqs([]byte(r.Body))
		if len(got) > limit {
			t.Fatalf("%s %s: %d items", route, q, len(got))
		}
		all = append(all, got...)
		if next == nil {
			return all
		}
		q = "limit=" + strconv.Itoa(limit) + "&cursor=" + url.QueryEscape(*next)
	}
}

func statementSeqs(t *testing.T) func([]byte) ([]uint64, *string) {
	return func(b []byte) ([]uint64, *string) {
		v := decode[ledgerapi.StatementView](t, lambdaevents.APIGatewayV2HTTPResponse{StatusCode: 200, Body: string(b)})
		var out []uint64
		for _, it := range v.Items {
			out = append(out, it.Seq)
		}
		return out, v.NextCursor
	}
}

func digestSeqs(t *testing.T) func([]byte) ([]uint64, *string) {
	return func(b []byte) ([]uint64, *string) {
		v := decode[ledgerapi.DigestsView](t, lambdaevents.APIGatewayV2HTTPResponse{StatusCode: 200, Body: string(b)})
		var out []uint64
		for _, it := range v.Items {
			out = append(out, it.Seq)
		}
		return out, v.NextCursor
	}
}

// isInvalidCursor: the one answer to a cursor a list did not issue, word for word.
func isInvalidCursor(t *testing.T, r lambdaevents.APIGatewayV2HTTPResponse) bool {
	t.Helper()
	p := decode[problem.Document](t, r)
	want := errs.InvalidCursor()
	return r.StatusCode == 400 && p.Code == errs.CodeInvalidCursor && p.Detail == want.Detail &&
		len(p.Errors) == 1 && p.Errors[0].Field == "cursor" && p.Errors[0].Message == want.Fields[0].Message
}

// TestStatementAndDigestCursors: both ledger lists page through more items than one page,
// each exactly once, newest first, the last page with a null nextCursor; a cursor of another
// wallet, of the other list, edited, of the old format or never issued is the one 400
// invalid_cursor and changes nothing.
func TestStatementAndDigestCursors(t *testing.T) {
	e := setup(t)
	e.deposits("amy", 7)
	e.deposits("bob", 3)
	for range 5 {
		if _, err := e.jobs().Digest(context.Background(), lambdaevents.CloudWatchEvent{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, limit := range []int{1, 2, 3} {
		if got := pageThrough(t, e, rStatement, customer("amy"), limit, statementSeqs(t)); !slices.Equal(got, []uint64{7, 6, 5, 4, 3, 2, 1}) {
			t.Errorf("statement by %d: %v", limit, got)
		}
		if got := pageThrough(t, e, rDigests, platformtest.Call{Sub: "aud", Roles: auditor}, limit, digestSeqs(t)); !slices.Equal(got, []uint64{5, 4, 3, 2, 1}) {
			t.Errorf("digests by %d: %v", limit, got)
		}
	}

	first := func(route string, c platformtest.Call) string {
		t.Helper()
		c.Query = "limit=2"
		r := e.do(route, c)
		if route == rStatement {
			_, next := statementSeqs(t)([]byte(r.Body))
			return *next
		}
		_, next := digestSeqs(t)([]byte(r.Body))
		return *next
	}
	amys := first(rStatement, customer("amy"))
	bobs := first(rStatement, customer("bob"))
	digests := first(rDigests, platformtest.Call{Sub: "aud", Roles: auditor})
	forged := func(c page.Cursor, before uint64) string {
		t.Helper()
		s, err := c.Encode(map[string]uint64{"before": before})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	tampered := []byte(amys)
	tampered[len(tampered)/2] ^= 1

	before := e.lendingItems()
	for name, c := range map[string]struct {
		route, sub, cursor string
	}{
		"bob's statement cursor on amy's":   {rStatement, "amy", bobs},
		"amy's statement cursor on bob's":   {rStatement, "bob", amys},
		"a digest cursor on a statement":    {rStatement, "amy", digests},
		"a statement cursor on digests":     {rDigests, "", amys},
		"tampered":                          {rStatement, "amy", string(tampered)},
		"truncated":                         {rStatement, "amy", amys[:len(amys)-2]},
		"empty":                             {rStatement, "amy", ""},
		"old statement format":              {rStatement, "amy", "bGVkZ2VyLnYxLjQ"}, // ledger.v1.4
		"old digest format":                 {rDigests, "", "ZGlnZXN0cy52MS4z"},     // digests.v1.3
		"never issued: nothing below seq 1": {rStatement, "amy", forged(page.For("wallet.statement", "wallet:amy"), 1)},
		"never issued: nothing below 1":     {rDigests, "", forged(page.For("ledger.digests"), 1)},
		"another list's cursor":             {rDigests, "", forged(page.For("loans", "amy"), 3)},
	} {
		call := customer(c.sub)
		if c.route == rDigests {
			call = platformtest.Call{Sub: "root", Roles: admin}
		}
		call.Query = "cursor=" + url.QueryEscape(c.cursor)
		if r := e.do(c.route, call); !isInvalidCursor(t, r) {
			t.Errorf("%s: %d %s", name, r.StatusCode, r.Body)
		}
	}
	if after := e.lendingItems(); after != before {
		t.Fatalf("refused cursors changed the table: %d → %d items", before, after)
	}
	// A forged position inside the caller's own list is just a position of it.
	c := customer("amy")
	c.Query = "cursor=" + url.QueryEscape(forged(page.For("wallet.statement", "wallet:amy"), 3))
	if got, _ := statementSeqs(t)([]byte(e.do(rStatement, c).Body)); !slices.Equal(got, []uint64{2, 1}) {
		t.Fatalf("below 3: %v", got)
	}
}
