package audit_test

import (
	"context"
	"testing"
	"time"

	"holdfast/shared/platform/audit"
	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/lambdahttp"
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
