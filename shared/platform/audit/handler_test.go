package audit_test

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"holdfast/shared/platform/audit"
	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/httpapi"
	"holdfast/shared/platform/lambdahttp"
	"holdfast/shared/platform/page"
	"holdfast/shared/platform/platformtest"
	"holdfast/shared/platform/problem"
)

type listBody struct {
	Items      []audit.Record `json:"items"`
	NextCursor *string        `json:"nextCursor"`
}

func TestListHandler(t *testing.T) {
	now := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
	d := platformtest.Deps(t, platformtest.Options{Clock: clock.NewFixed(now)})
	store := audit.NewStore(d.DynamoDB, d.Config.AuditTable, d.Clock)
	for i := 1; i <= 3; i++ {
		put(t, store, rec(i, now.Add(-time.Duration(i)*time.Hour), "alice", "profile.update", &audit.Entity{Type: "profile", ID: "alice"}))
	}
	fn, err := lambdahttp.New(context.Background(), "GET /api/v1/audit", d, audit.ListHandler)
	if err != nil {
		t.Fatal(err)
	}
	call := func(query string, roles ...string) (int, listBody, problem.Document) {
		c := platformtest.Call{Path: "/api/v1/audit", Query: query, Sub: "boss", Roles: roles}
		if len(roles) == 0 {
			c.Sub = ""
		}
		resp, err := fn.Invoke(context.Background(), c.Event())
		if err != nil {
			t.Fatal(err)
		}
		var body listBody
		var doc problem.Document
		if resp.StatusCode == 200 {
			platformtest.JSON(t, resp, &body)
		} else {
			platformtest.JSON(t, resp, &doc)
		}
		return resp.StatusCode, body, doc
	}

	for _, role := range []string{"admin", "auditor"} {
		status, body, _ := call("limit=2&actor=alice", role)
		if status != 200 || len(body.Items) != 2 || body.NextCursor == nil || body.Items[0].ID != "id-001" {
			t.Fatalf("%s: %d %+v", role, status, body)
		}
		status, rest, _ := call("limit=2&actor=alice&cursor="+*body.NextCursor, role)
		if status != 200 || len(rest.Items) != 1 || rest.NextCursor != nil || rest.Items[0].ID != "id-003" {
			t.Fatalf("%s page 2: %d %+v", role, status, rest)
		}
	}
	status, body, _ := call("entity=profile:alice&from=2025-03-10T09:30:00Z&to=2025-03-10T11:00:00%2B00:00", "admin")
	if status != 200 || len(body.Items) != 2 {
		t.Fatalf("range: %d %+v", status, body)
	}
	status, body, _ = call("action=nothing.here", "admin")
	if status != 200 || body.Items == nil || len(body.Items) != 0 || body.NextCursor != nil {
		t.Fatalf("empty: %d %+v", status, body)
	}

	if status, _, doc := call("", "customer"); status != 403 || doc.Code != errs.CodeForbidden {
		t.Fatalf("customer: %d %+v", status, doc)
	}
	if status, _, doc := call(""); status != 401 || doc.Code != errs.CodeUnauthenticated {
		t.Fatalf("anonymous: %d %+v", status, doc)
	}

	bad := []struct {
		query  string
		fields []string
	}{
		{"from=yesterday", []string{"from"}},
		// A range of centuries would walk that many day partitions.
		{"from=0001-01-01T00:00:00Z", []string{"from"}},
		{"to=9999-12-31T00:00:00Z", []string{"to"}},
		{"to=2025-13-01T00:00:00Z", []string{"to"}},
		{"from=2025-03-10T00:00:00Z&to=2025-03-09T00:00:00Z", []string{"from"}},
		{"limit=0", []string{"limit"}},
		{"limit=201", []string{"limit"}},
		{"limit=ten", []string{"limit"}},
		{"colour=red", []string{"colour"}},
		{"limit=1&limit=2", []string{"limit"}},
		{"entity=profile", []string{"entity"}},
		{"entity=:alice", []string{"entity"}},
		{"entityType=profile&entityId=alice", []string{"entityType", "entityId"}},
		{"action=Not%20An%20Action", []string{"action"}},
		{"cursor=%25%25", []string{"cursor"}},
		{"from=bad&limit=x&zzz=1", []string{"zzz"}},
	}
	for _, c := range bad {
		status, _, doc := call(c.query, "admin")
		if status != 400 {
			t.Errorf("%s: status %d", c.query, status)
			continue
		}
		got := map[string]bool{}
		for _, f := range doc.Errors {
			got[f.Field] = true
		}
		for _, f := range c.fields {
			if !got[f] {
				t.Errorf("%s: field %s not named in %+v", c.query, f, doc.Errors)
			}
		}
	}
	if status, _, doc := call("cursor=eyJ2IjoxfQ", "admin"); status != 400 || doc.Code != "invalid_cursor" {
		t.Fatalf("tampered cursor: %d %+v", status, doc)
	}
}

// TestListHandlerCursors: every filter's list pages through more records than one page, each
// record exactly once, newest first, the last page with a null nextCursor; a cursor of another
// query (filter), another list or edited is the one 400 invalid_cursor, and writes nothing.
func TestListHandlerCursors(t *testing.T) {
	now := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
	d := platformtest.Deps(t, platformtest.Options{Clock: clock.NewFixed(now)})
	store := audit.NewStore(d.DynamoDB, d.Config.AuditTable, d.Clock)
	for i := 1; i <= 7; i++ {
		actor := "alice"
		if i%3 == 0 {
			actor = "bob"
		}
		// Spread over three days so the unfiltered walk crosses day partitions.
		put(t, store, rec(i, now.Add(-time.Duration(i)*11*time.Hour), actor, "profile.update", &audit.Entity{Type: "profile", ID: actor}))
	}
	fn, err := lambdahttp.New(context.Background(), "GET /api/v1/audit", d, audit.ListHandler)
	if err != nil {
		t.Fatal(err)
	}
	call := func(query string) (int, listBody, problem.Document) {
		t.Helper()
		resp, err := fn.Invoke(context.Background(), platformtest.Call{Path: "/api/v1/audit", Query: query, Sub: "boss", Roles: []string{"auditor"}}.Event())
		if err != nil {
			t.Fatal(err)
		}
		var body listBody
		var doc problem.Document
		if resp.StatusCode == 200 {
			platformtest.JSON(t, resp, &body)
		} else {
			platformtest.JSON(t, resp, &doc)
		}
		return resp.StatusCode, body, doc
	}
	pages := func(filter string, limit int) (ids []string, cursors []string) {
		t.Helper()
		q := filter + "&limit=" + strconv.Itoa(limit)
		for n := 0; ; n++ {
			if n > 10 {
				t.Fatalf("%s: paging does not end", q)
			}
			status, body, doc := call(q)
			if status != 200 || len(body.Items) > limit {
				t.Fatalf("%s: %d %+v %+v", q, status, body, doc)
			}
			for _, r := range body.Items {
				ids = append(ids, r.ID)
			}
			if body.NextCursor == nil {
				return ids, cursors
			}
			cursors = append(cursors, *body.NextCursor)
			q = filter + "&limit=" + strconv.Itoa(limit) + "&cursor=" + url.QueryEscape(*body.NextCursor)
		}
	}
	from := "&from=" + url.QueryEscape(now.AddDate(0, 0, -7).Format(time.RFC3339))
	for filter, want := range map[string][]string{
		from:                             {"id-001", "id-002", "id-003", "id-004", "id-005", "id-006", "id-007"},
		"actor=alice" + from:             {"id-001", "id-002", "id-004", "id-005", "id-007"},
		"action=profile.update" + from:   {"id-001", "id-002", "id-003", "id-004", "id-005", "id-006", "id-007"},
		"entity=profile:bob" + from:      {"id-003", "id-006"},
		"actor=alice&entity=profile:bob": {},
	} {
		for _, limit := range []int{1, 2, 3} {
			got, _ := pages(filter, limit)
			if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Errorf("%s limit %d: %v, want %v", filter, limit, got, want)
			}
		}
	}

	_, cursors := pages("actor=alice", 2)
	_, walk := pages("", 2)
	if len(cursors) == 0 || len(walk) == 0 {
		t.Fatal("no second page")
	}
	aliceCursor := cursors[0]
	other, err := page.For("loans", "alice").Encode(page.Key{"pk": "DAY#2025-03-10", "sk": "x"})
	if err != nil {
		t.Fatal(err)
	}
	tampered := []byte(aliceCursor)
	tampered[len(tampered)/2] ^= 1
	before := auditItems(t, d)
	for name, q := range map[string]string{
		"another actor's query":  "actor=bob&cursor=" + aliceCursor,
		"another filter's query": "actor=alice&action=profile.update&cursor=" + aliceCursor,
		"the unfiltered query":   "cursor=" + aliceCursor,
		"a walk's on an index":   "actor=alice&cursor=" + walk[0],
		"another list's cursor":  "actor=alice&cursor=" + other,
		"tampered":               "actor=alice&cursor=" + url.QueryEscape(string(tampered)),
		"truncated":              "actor=alice&cursor=" + aliceCursor[:len(aliceCursor)-1],
		"another pinned range":   "actor=alice&from=2025-03-01T00:00:00Z&cursor=" + aliceCursor,
	} {
		status, _, doc := call(q)
		want := errs.InvalidCursor()
		if status != 400 || doc.Code != errs.CodeInvalidCursor || doc.Detail != want.Detail ||
			len(doc.Errors) != 1 || doc.Errors[0].Field != "cursor" || doc.Errors[0].Message != want.Fields[0].Message {
			t.Errorf("%s: %d %+v", name, status, doc)
		}
	}
	if after := auditItems(t, d); after != before {
		t.Fatalf("refused cursors changed the audit table: %d → %d items", before, after)
	}
	if status, _, _ := call("actor=alice&limit=5&cursor=" + aliceCursor); status != 200 {
		t.Fatal("the same query with another limit must continue")
	}
}

func auditItems(t *testing.T, d *httpapi.Deps) int {
	t.Helper()
	out, err := d.DynamoDB.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(d.Config.AuditTable), Select: types.SelectCount})
	if err != nil {
		t.Fatal(err)
	}
	return int(out.Count)
}
