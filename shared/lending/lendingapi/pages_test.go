package lendingapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"holdfast/shared/lending"
	"holdfast/shared/lending/lendingstore"
	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/page"
	"holdfast/shared/platform/platformtest"
	"holdfast/shared/platform/problem"
)

// listPage is any list's page: the items' IDs (loans, alerts) or versions (a timeline).
type listPage struct {
	Items []struct {
		ID      string `json:"id"`
		AlertID string `json:"alertId"`
		Version int64  `json:"version"`
	} `json:"items"`
	NextCursor *string `json:"nextCursor"`
}

func (p listPage) keys() []string {
	var out []string
	for _, it := range p.Items {
		switch {
		case it.ID != "":
			out = append(out, it.ID)
		case it.AlertID != "":
			out = append(out, it.AlertID)
		default:
			out = append(out, strconv.FormatInt(it.Version, 10))
		}
	}
	return out
}

// pageThrough follows nextCursor from the first page of rk (loan id for a /loans/{id} route)
// as c with limit; it returns every page's keys in order and the cursors it followed, failing
// on anything but 200 or a page over limit.
func (e *loanEnv) pageThrough(t *testing.T, rk, id string, c platformtest.Call, limit int) (keys, cursors []string) {
	t.Helper()
	q := "limit=" + strconv.Itoa(limit)
	for n := 0; ; n++ {
		c.Query = q
		r := e.call(t, rk, id, c)
		var p listPage
		if r.StatusCode != 200 || json.Unmarshal([]byte(r.Body), &p) != nil || len(p.Items) > limit || n > 20 {
			t.Fatalf("%s %s: %d %s", rk, q, r.StatusCode, r.Body)
		}
		keys = append(keys, p.keys()...)
		if p.NextCursor == nil {
			return keys, cursors
		}
		cursors = append(cursors, *p.NextCursor)
		q = "limit=" + strconv.Itoa(limit) + "&cursor=" + url.QueryEscape(*p.NextCursor)
	}
}

// refuses checks that every cursor is the one 400 invalid_cursor on rk and that nothing in the
// lending table changes.
func (e *loanEnv) refuses(t *testing.T, rk, id string, c platformtest.Call, cursors map[string]string) {
	t.Helper()
	before := e.lendingItems(t)
	want := errs.InvalidCursor()
	for name, cur := range cursors {
		c.Query = "cursor=" + url.QueryEscape(cur)
		r := e.call(t, rk, id, c)
		var p problem.Document
		if r.StatusCode != 400 || json.Unmarshal([]byte(r.Body), &p) != nil || p.Code != errs.CodeInvalidCursor ||
			p.Detail != want.Detail || len(p.Errors) != 1 || p.Errors[0].Field != "cursor" || p.Errors[0].Message != want.Fields[0].Message {
			t.Errorf("%s %s: %d %s", rk, name, r.StatusCode, r.Body)
		}
	}
	if after := e.lendingItems(t); after != before {
		t.Fatalf("%s: refused cursors changed the lending table: %d → %d items", rk, before, after)
	}
}

func tamper(c string) string {
	b := []byte(c)
	b[len(b)/2] ^= 1
	return string(b)
}

func forgedKey(t *testing.T, c page.Cursor, attrs map[string]string) string {
	t.Helper()
	last := map[string]types.AttributeValue{}
	for k, v := range attrs {
		last[k] = &types.AttributeValueMemberS{Value: v}
	}
	s, err := c.NextKey(last)
	if err != nil || s == nil {
		t.Fatal(s, err)
	}
	return *s
}

func forged(t *testing.T, c page.Cursor, pos any) string {
	t.Helper()
	s, err := c.Encode(pos)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// applyAndCancel has user apply for a loan a minute after the last and, unless keep, cancel
// it (a customer holds at most three open loans); it returns the loan's ID.
func (e *loanEnv) applyAndCancel(t *testing.T, user string, keep bool) string {
	t.Helper()
	e.d.Clock.(*clock.Fixed).Advance(time.Minute)
	c := platformtest.Call{Sub: user, Roles: []string{"customer"}}
	r := e.call(t, "POST /api/v1/loans", "", withBody(c, `{"principal":"5000.00","tenureMonths":12,"purpose":"shop"}`))
	var l struct{ ID string }
	if r.StatusCode != 202 || json.Unmarshal([]byte(r.Body), &l) != nil {
		t.Fatalf("apply %d %s", r.StatusCode, r.Body)
	}
	if !keep {
		if r := e.call(t, "POST /api/v1/loans/{id}/cancel", l.ID, withBody(c, `{}`)); r.StatusCode != 200 {
			t.Fatalf("cancel %d %s", r.StatusCode, r.Body)
		}
	}
	return l.ID
}

// TestLoanListPages: GET /api/v1/loans is bounded now: it pages through more loans than one
// page, each exactly once, newest first, the last page with a null nextCursor; another
// customer's cursor, another list's, a forged key into another customer's partition, an
// edited one are the one 400 invalid_cursor and change nothing.
func TestLoanListPages(t *testing.T) {
	e := loanSetup(t)
	var want []string
	for i := range 7 {
		want = append([]string{e.applyAndCancel(t, "alice", i >= 5)}, want...) // newest first
	}
	bobs := []string{e.applyAndCancel(t, "bob", true), e.applyAndCancel(t, "bob", true)}
	alice := platformtest.Call{Sub: "alice", Roles: []string{"customer"}}
	bob := platformtest.Call{Sub: "bob", Roles: []string{"customer"}}
	var aliceCursors []string
	for _, limit := range []int{1, 2, 3, 7} {
		got, cursors := e.pageThrough(t, "GET /api/v1/loans", "", alice, limit)
		if !slices.Equal(got, want) {
			t.Errorf("limit %d: %v, want %v", limit, got, want)
		}
		aliceCursors = append(aliceCursors, cursors...)
	}
	r := e.call(t, "GET /api/v1/loans", "", alice)
	var first listPage
	if r.StatusCode != 200 || json.Unmarshal([]byte(r.Body), &first) != nil || len(first.Items) != 7 || first.NextCursor != nil {
		t.Fatalf("default limit (25) holds all 7: %d %s", r.StatusCode, r.Body)
	}
	gotBobs, bobCursors := e.pageThrough(t, "GET /api/v1/loans", "", bob, 1)
	if !slices.Equal(gotBobs, []string{bobs[1], bobs[0]}) || len(bobCursors) == 0 {
		t.Fatalf("bob's loans %v", gotBobs)
	}
	_, timeline := e.pageThrough(t, "GET /api/v1/loans/{id}/timeline", want[0], alice, 1)
	e.refuses(t, "GET /api/v1/loans", "", alice, map[string]string{
		"bob's cursor":            bobCursors[0],
		"a timeline's cursor":     timeline[0],
		"edited":                  tamper(aliceCursors[0]),
		"truncated":               aliceCursors[0][:len(aliceCursors[0])-1],
		"an unnamed key list's":   forgedKey(t, page.For("key"), map[string]string{"pk": "LOAN#x", "sk": "LOAN", "gsi1pk": "LOANS#alice", "gsi1sk": "LOAN#1#x"}),
		"a key into bob's loans":  forgedKey(t, page.For("loans", "alice"), map[string]string{"pk": "LOAN#x", "sk": "LOAN", "gsi1pk": "LOANS#bob", "gsi1sk": "LOAN#1#x"}),
		"a key of another index":  forgedKey(t, page.For("loans", "alice"), map[string]string{"pk": "LOAN#x", "sk": "LOAN", "gsi2pk": "LOANS#alice", "gsi2sk": "LOAN#1#x"}),
		"a key without sort keys": forgedKey(t, page.For("loans", "alice"), map[string]string{"pk": "LOAN#x", "gsi1pk": "LOANS#alice"}),
		"empty":                   "",
	})
	for _, q := range []string{"limit=0", "limit=101", "sort=asc"} {
		if r := e.call(t, "GET /api/v1/loans", "", withQuery(alice, q)); r.StatusCode != 400 || !json.Valid([]byte(r.Body)) {
			t.Errorf("%s: %d %s", q, r.StatusCode, r.Body)
		}
	}
}

// TestTimelinePages: a loan's timeline pages through more transitions than one page, each
// exactly once, oldest first, the last page with a null nextCursor; another loan's cursor,
// another list's, a position never issued or an edited cursor are the one 400
// invalid_cursor and change nothing.
func TestTimelinePages(t *testing.T) {
	e := loanSetup(t)
	st := lendingstore.NewLoanStore(e.d.DynamoDB, e.d.Config.LendingTable)
	id := e.applyAndCancel(t, "alice", true)
	if _, err := st.Transition(context.Background(), id, func(cur lendingstore.Loaded) (lending.Change, error) {
		return cur.Loan.Transition(lending.ActionAssess, "system:risk-assessment", "grade B", "c-assess", cur.Loan.CreatedAt)
	}, nil); err != nil {
		t.Fatal(err)
	}
	appr := platformtest.Call{Sub: "appr-1", Roles: []string{"approver"}}
	if r := e.call(t, "POST /api/v1/loans/{id}/reject", id, withBody(appr, `{"note":"no"}`)); r.StatusCode != 200 {
		t.Fatalf("reject %d %s", r.StatusCode, r.Body)
	}
	other := e.applyAndCancel(t, "alice", false)
	alice := platformtest.Call{Sub: "alice", Roles: []string{"customer"}}
	all, _ := e.pageThrough(t, "GET /api/v1/loans/{id}/timeline", id, alice, 100)
	if !slices.Equal(all, []string{"1", "2", "3"}) {
		t.Fatalf("timeline %v", all)
	}
	var cursors []string
	for _, limit := range []int{1, 2} {
		got, cs := e.pageThrough(t, "GET /api/v1/loans/{id}/timeline", id, alice, limit)
		if !slices.Equal(got, all) {
			t.Errorf("limit %d: %v, want %v", limit, got, all)
		}
		cursors = append(cursors, cs...)
	}
	// An approver reads the same list with the same cursors.
	if got, _ := e.pageThrough(t, "GET /api/v1/loans/{id}/timeline", id, appr, 1); !slices.Equal(got, all) {
		t.Errorf("approver: %v", got)
	}
	_, otherCursors := e.pageThrough(t, "GET /api/v1/loans/{id}/timeline", other, alice, 1)
	_, loansCursors := e.pageThrough(t, "GET /api/v1/loans", "", alice, 1)
	e.refuses(t, "GET /api/v1/loans/{id}/timeline", id, alice, map[string]string{
		"another loan's cursor":   otherCursors[0],
		"the loan list's cursor":  loansCursors[0],
		"edited":                  tamper(cursors[0]),
		"never issued: after 0":   forged(t, page.For("loans.timeline", id), map[string]int64{"after": 0}),
		"never issued: the end":   forged(t, page.For("loans.timeline", id), map[string]int64{"after": lendingstore.MaxTimelineVersion}),
		"never issued: negative":  forged(t, page.For("loans.timeline", id), map[string]int64{"after": -5}),
		"a position of a string":  forged(t, page.For("loans.timeline", id), map[string]string{"after": "1"}),
		"old null cursor, quoted": "null",
	})
	// Someone else's loan stays someone else's, cursor or not.
	mallory := platformtest.Call{Sub: "mallory", Roles: []string{"customer"}, Query: "cursor=" + url.QueryEscape(cursors[0])}
	if r := e.call(t, "GET /api/v1/loans/{id}/timeline", id, mallory); r.StatusCode != 403 && r.StatusCode != 404 {
		t.Fatalf("mallory: %d %s", r.StatusCode, r.Body)
	}
	if r := e.call(t, "GET /api/v1/loans/{id}/timeline", id, withQuery(alice, "limit=101")); r.StatusCode != 400 {
		t.Fatalf("limit 101: %d", r.StatusCode)
	}
}

// TestFraudAlertsPages: the alerts page through more alerts than one page, each exactly once,
// newest first, the last page with a null nextCursor; a cursor of the approval queue or the
// doctors (the same key shape), of the old unnamed form, or edited is the one 400
// invalid_cursor and changes nothing.
func TestFraudAlertsPages(t *testing.T) {
	e := loanSetup(t)
	st := lendingstore.NewLoanStore(e.d.DynamoDB, e.d.Config.LendingTable)
	ctx := context.Background()
	base := time.Date(2025, 4, 1, 10, 0, 0, 0, time.UTC)
	for u := range 5 {
		user := fmt.Sprintf("user-%d", u)
		at := base.Add(time.Duration(u) * time.Minute)
		for i := 0; i <= lendingstore.FraudThreshold; i++ {
			if _, err := st.ObserveWalletTx(ctx, user, fmt.Sprintf("dep-%s-%d", user, i), at.Add(time.Duration(i)*100*time.Millisecond), at, "c"); err != nil {
				t.Fatal(err)
			}
		}
	}
	admin := platformtest.Call{Sub: "root", Roles: []string{"admin"}}
	all, _ := e.pageThrough(t, "GET /api/v1/fraud/alerts", "", admin, 200)
	if len(all) != 5 {
		t.Fatalf("%d alerts: %v", len(all), all)
	}
	var cursors []string
	for _, limit := range []int{1, 2, 3} {
		got, cs := e.pageThrough(t, "GET /api/v1/fraud/alerts", "", admin, limit)
		if !slices.Equal(got, all) {
			t.Errorf("limit %d: %v, want %v", limit, got, all)
		}
		cursors = append(cursors, cs...)
	}
	alertKey := map[string]string{"pk": "FRAUD#user-1", "sk": "ALERT#x", "gsi1pk": lendingstore.AlertsIndexPK, "gsi1sk": "x"}
	e.refuses(t, "GET /api/v1/fraud/alerts", "", admin, map[string]string{
		"the old unnamed form":    forgedKey(t, page.For("key"), alertKey),
		"the doctors' cursor":     forgedKey(t, page.For("doctors"), alertKey),
		"the approval queue's":    forgedKey(t, page.For("key"), map[string]string{"pk": "LOAN#x", "sk": "LOAN", "gsi2pk": "REVIEW", "gsi2sk": "x"}),
		"a key into loans":        forgedKey(t, page.For("fraud.alerts"), map[string]string{"pk": "LOAN#x", "sk": "LOAN", "gsi1pk": "LOANS#alice", "gsi1sk": "x"}),
		"edited":                  tamper(cursors[0]),
		"truncated":               cursors[0][:10],
		"another list's position": forged(t, page.For("fraud.alerts"), map[string]uint64{"before": 2}),
	})
}

// TestApprovalQueueRefusesOtherCursors: the approval queue (paged by decide.go through Spec
// and Body) refuses another list's cursor with the same answer.
func TestApprovalQueueRefusesOtherCursors(t *testing.T) {
	e := loanSetup(t)
	st := lendingstore.NewLoanStore(e.d.DynamoDB, e.d.Config.LendingTable)
	var want []string
	for _, user := range []string{"u1", "u2", "u3", "u4", "u5"} {
		id := e.applyAndCancel(t, user, true)
		if _, err := st.Transition(context.Background(), id, func(cur lendingstore.Loaded) (lending.Change, error) {
			return cur.Loan.Transition(lending.ActionAssess, "system:risk-assessment", "grade B", "c-assess", cur.Loan.CreatedAt)
		}, nil); err != nil {
			t.Fatal(err)
		}
		want = append(want, id)
	}
	appr := platformtest.Call{Sub: "appr-1", Roles: []string{"approver"}}
	var cursors []string
	for _, limit := range []int{1, 2, 3} {
		got, cs := e.pageThrough(t, "GET /api/v1/approvals", "", appr, limit)
		if !slices.Equal(got, want) {
			t.Errorf("limit %d: %v, want %v", limit, got, want)
		}
		cursors = append(cursors, cs...)
	}
	_, loans := e.pageThrough(t, "GET /api/v1/loans", "", platformtest.Call{Sub: "u1", Roles: []string{"customer"}}, 1)
	e.refuses(t, "GET /api/v1/approvals", "", appr, map[string]string{
		"a named list's key":      forgedKey(t, page.For("fraud.alerts"), map[string]string{"pk": "LOAN#x", "sk": "LOAN", "gsi2pk": "REVIEW", "gsi2sk": "x"}),
		"a key into another part": forgedKey(t, page.For("key"), map[string]string{"pk": "LOAN#x", "sk": "LOAN", "gsi2pk": "LOANS#u1", "gsi2sk": "x"}),
		"a fraud alerts key":      forgedKey(t, page.For("key"), map[string]string{"pk": "FRAUD#x", "sk": "ALERT#x", "gsi1pk": lendingstore.AlertsIndexPK, "gsi1sk": "x"}),
		"the loan list's cursor":  loans[0],
		"edited":                  tamper(cursors[0]),
	})
}

func withQuery(c platformtest.Call, q string) platformtest.Call {
	c.Query = q
	return c
}
