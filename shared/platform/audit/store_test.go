package audit_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"holdfast/shared/localcloud/emulator/emulatortest"
	"holdfast/shared/platform/audit"
	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/platformtest"
	"holdfast/shared/platform/problem"
)

func TestMain(m *testing.M) { emulatortest.Main(m) }

var base = time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)

// newStore resets the emulator, creates the audit table and returns a store whose clock says
// base + 1h.
func newStore(t *testing.T) (*audit.Store, *dynamodb.Client) {
	t.Helper()
	db := dynamodb.NewFromConfig(emulatortest.Config(t))
	platformtest.CreateTables(t, db, platformtest.Table{LogicalID: "AuditTable", Name: platformtest.AuditTable})
	return audit.NewStore(db, platformtest.AuditTable, clock.NewFixed(base.Add(time.Hour))), db
}

func rec(i int, at time.Time, actor, action string, entity *audit.Entity) audit.Record {
	return audit.Record{
		ID: fmt.Sprintf("id-%03d", i), At: at, Action: action, Route: "POST /x",
		Actor: audit.Actor{ID: actor, Roles: []string{"customer"}}, SourceIP: "198.51.100.7",
		DurationMs: int64(i), Arguments: json.RawMessage(`{"body":{"amount":"1.00"}}`),
		Outcome: audit.Success, Status: 201, Entity: entity, CorrelationID: fmt.Sprintf("c-%d", i),
	}
}

func put(t *testing.T, s *audit.Store, rs ...audit.Record) {
	t.Helper()
	for _, r := range rs {
		if err := s.Put(context.Background(), r); err != nil {
			t.Fatalf("put %s: %v", r.ID, err)
		}
	}
}

func ids(rs []audit.Record) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

// all pages through q and returns every record, checking page sizes.
func all(t *testing.T, s *audit.Store, q audit.Query) []audit.Record {
	t.Helper()
	var out []audit.Record
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatal("pagination does not end")
		}
		p, err := s.Query(context.Background(), q)
		if err != nil {
			t.Fatalf("query %+v: %v", q, err)
		}
		if q.Limit > 0 && len(p.Items) > q.Limit {
			t.Fatalf("page of %d over limit %d", len(p.Items), q.Limit)
		}
		out = append(out, p.Items...)
		if p.Next == nil {
			return out
		}
		q.After = p.Next
	}
}

func TestPutAndReadBack(t *testing.T) {
	s, _ := newStore(t)
	r := rec(1, base.Add(123456789*time.Nanosecond), "alice", "profile.update", &audit.Entity{Type: "profile", ID: "alice"})
	r.ErrorCode, r.Outcome, r.Status, r.UserAgent = "validation_failed", audit.Failed, 400, "curl/8"
	r.Actor.Tenant = "t1"
	put(t, s, r)
	page, err := s.Query(context.Background(), audit.Query{Actor: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 || page.Next != nil {
		t.Fatalf("%+v", page)
	}
	got := page.Items[0]
	want, _ := json.Marshal(r)
	have, _ := json.Marshal(got)
	if string(want) != string(have) {
		t.Fatalf("round trip\n got  %s\n want %s", have, want)
	}
	if err := s.Put(context.Background(), r); !errors.Is(err, audit.ErrDuplicate) {
		t.Fatalf("second put of the same record: %v", err)
	}
}

func TestQueryByEachFilterNewestFirst(t *testing.T) {
	s, _ := newStore(t)
	loan := &audit.Entity{Type: "loan", ID: "L1"}
	records := []audit.Record{
		rec(1, base.Add(-5*time.Hour), "alice", "loan.apply", loan),
		rec(2, base.Add(-4*time.Hour), "bob", "loan.approve", loan),
		rec(3, base.Add(-3*time.Hour), "alice", "wallet.deposit", nil),
		rec(4, base.Add(-2*time.Hour), "alice", "loan.apply", &audit.Entity{Type: "loan", ID: "L2"}),
		rec(5, base.Add(-1*time.Hour), "carol", "loan.approve", loan),
		rec(6, base.Add(-26*time.Hour), "alice", "loan.apply", nil), // previous day
	}
	put(t, s, records...)
	cases := []struct {
		name string
		q    audit.Query
		want []string
	}{
		{"no filter", audit.Query{}, []string{"id-005", "id-004", "id-003", "id-002", "id-001", "id-006"}},
		{"actor", audit.Query{Actor: "alice"}, []string{"id-004", "id-003", "id-001", "id-006"}},
		{"action", audit.Query{Action: "loan.approve"}, []string{"id-005", "id-002"}},
		{"entity", audit.Query{EntityType: "loan", EntityID: "L1"}, []string{"id-005", "id-002", "id-001"}},
		{"actor+action", audit.Query{Actor: "alice", Action: "loan.apply"}, []string{"id-004", "id-001", "id-006"}},
		{"entity+actor", audit.Query{EntityType: "loan", EntityID: "L1", Actor: "bob"}, []string{"id-002"}},
		{"entity+action", audit.Query{EntityType: "loan", EntityID: "L1", Action: "loan.apply"}, []string{"id-001"}},
		{"time range inclusive", audit.Query{From: base.Add(-4 * time.Hour), To: base.Add(-2 * time.Hour)}, []string{"id-004", "id-003", "id-002"}},
		{"actor in range", audit.Query{Actor: "alice", From: base.Add(-30 * time.Hour), To: base.Add(-3 * time.Hour)}, []string{"id-003", "id-001", "id-006"}},
		{"nothing", audit.Query{Actor: "nobody"}, nil},
		{"range before everything", audit.Query{From: base.Add(-72 * time.Hour), To: base.Add(-48 * time.Hour)}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, limit := range []int{0, 1, 2} {
				q := c.q
				q.Limit = limit
				if got := ids(all(t, s, q)); !slices.Equal(got, c.want) {
					t.Fatalf("limit %d: got %v want %v", limit, got, c.want)
				}
			}
		})
	}
}

func TestPaginationAcrossPagesAndDays(t *testing.T) {
	s, _ := newStore(t)
	var want []string
	n := 0
	// Four days, the middle one empty, several records per day incl. two in the same instant.
	for _, day := range []int{0, -1, -3} {
		for j := 0; j < 5; j++ {
			n++
			at := base.AddDate(0, 0, day).Add(-time.Duration(j) * time.Minute)
			if j == 4 {
				at = base.AddDate(0, 0, day).Add(-3 * time.Minute) // same instant as j == 3
			}
			put(t, s, rec(n, at, "alice", "wallet.deposit", &audit.Entity{Type: "wallet", ID: "alice"}))
		}
	}
	// Expected order: newest first; equal instants by ID descending (the sort key's tie-break).
	recs := all(t, s, audit.Query{Limit: 200})
	if len(recs) != 15 {
		t.Fatalf("got %d records", len(recs))
	}
	for i := 1; i < len(recs); i++ {
		if recs[i].At.After(recs[i-1].At) {
			t.Fatalf("not newest first at %d: %v after %v", i, recs[i].At, recs[i-1].At)
		}
	}
	want = ids(recs)
	for _, q := range []audit.Query{{}, {Actor: "alice"}, {Action: "wallet.deposit"}, {EntityType: "wallet", EntityID: "alice"}} {
		for _, limit := range []int{1, 3, 4, 5, 14, 15} {
			q.Limit = limit
			if got := ids(all(t, s, q)); !slices.Equal(got, want) {
				t.Fatalf("%+v: got %v want %v", q, got, want)
			}
		}
	}
}

// TestPositionMustLieInsideItsQuery: a position the query did not hand out — another time
// range, another kind of query, outside the range — is invalid_cursor, never a query DynamoDB
// refuses. (The cursor binds the position to the filters: TestListHandlerCursors.)
func TestPositionMustLieInsideItsQuery(t *testing.T) {
	s, _ := newStore(t)
	for i := 1; i <= 3; i++ {
		put(t, s, rec(i, base.Add(-time.Duration(i)*time.Minute), "alice", "loan.apply", nil))
	}
	ctx := context.Background()
	byActor, err := s.Query(ctx, audit.Query{Actor: "alice", Limit: 1})
	if err != nil || byActor.Next == nil {
		t.Fatal(byActor, err)
	}
	walk, err := s.Query(ctx, audit.Query{Limit: 1})
	if err != nil || walk.Next == nil {
		t.Fatal(walk, err)
	}
	edit := func(p *audit.Position, f func(*audit.Position)) *audit.Position {
		c := *p
		f(&c)
		return &c
	}
	bad := map[string]audit.Query{
		"another from":          {Actor: "alice", From: base.Add(-48 * time.Hour), After: byActor.Next},
		"another to":            {Actor: "alice", To: base, After: byActor.Next},
		"a walk's on an index":  {Actor: "alice", After: walk.Next},
		"an index's on a walk":  {After: byActor.Next},
		"no key on an index":    {Actor: "alice", After: edit(byActor.Next, func(p *audit.Position) { p.PK, p.SK = "", "" })},
		"key outside the range": {Actor: "alice", After: edit(byActor.Next, func(p *audit.Position) { p.SK = "2024-01-01T00:00:00.000000000Z#x" })},
		"key not a day's":       {Actor: "alice", After: edit(byActor.Next, func(p *audit.Position) { p.PK = "ACTOR#bob" })},
		"day outside the range": {After: edit(walk.Next, func(p *audit.Position) { p.Day, p.PK = "2025-03-01", "DAY#2025-03-01" })},
		"key of another day":    {After: edit(walk.Next, func(p *audit.Position) { p.PK = "DAY#2025-03-09" })},
		"day not a date":        {After: edit(walk.Next, func(p *audit.Position) { p.Day = "2025-3-10" })},
		"time not canonical":    {After: edit(walk.Next, func(p *audit.Position) { p.From = strings.Replace(p.From, "Z", "+00:00", 1) })},
		"time not a time":       {After: edit(walk.Next, func(p *audit.Position) { p.To = "now" })},
	}
	for name, q := range bad {
		_, err := s.Query(ctx, q)
		if pe := problem.From(err); problem.Status(pe.Kind) != 400 || pe.Code != errs.CodeInvalidCursor {
			t.Errorf("%s: %v", name, err)
		}
	}
	for name, q := range map[string]audit.Query{
		"same query, other limit":    {Actor: "alice", After: byActor.Next, Limit: 5},
		"the pinned range restated":  {Actor: "alice", After: byActor.Next, From: mustTime(t, byActor.Next.From), To: mustTime(t, byActor.Next.To)},
		"a walk's on the same walk":  {After: walk.Next},
		"another actor's partition":  {Actor: "bob", After: byActor.Next}, // the store's caller binds filters
		"a walk from the start of d": {After: edit(walk.Next, func(p *audit.Position) { p.PK, p.SK = "", "" })},
	} {
		if _, err := s.Query(ctx, q); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestQueryValidation(t *testing.T) {
	s, _ := newStore(t)
	for _, q := range []audit.Query{
		{From: base, To: base.Add(-time.Second)},
		{Limit: 201},
		{Limit: -1},
		{EntityType: "loan"},
	} {
		if _, err := s.Query(context.Background(), q); problem.StatusOf(err) != 400 {
			t.Errorf("%+v: %v", q, err)
		}
	}
}

func TestRecordsAreAppendOnlyItems(t *testing.T) {
	s, db := newStore(t)
	put(t, s, rec(1, base, "alice", "a.b", &audit.Entity{Type: "loan", ID: "L"}))
	out, err := db.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(platformtest.AuditTable)})
	if err != nil || len(out.Items) != 1 {
		t.Fatal(out, err)
	}
	it := out.Items[0]
	for k, want := range map[string]string{
		"pk": "DAY#2025-03-10", "sk": "2025-03-10T12:00:00.000000000Z#id-001",
		"gsi1pk": "ACTOR#alice", "gsi2pk": "ACTION#a.b", "gsi3pk": "ENTITY#loan#L",
		"gsi1sk": "2025-03-10T12:00:00.000000000Z#id-001",
	} {
		var got string
		if av, ok := it[k]; ok {
			if err := jsonString(av, &got); err != nil {
				t.Fatal(err)
			}
		}
		if got != want {
			t.Errorf("%s = %q want %q", k, got, want)
		}
	}
}

// TestWalletEntityReadsTheOldStylePartitionToo: records of entity wallet:alice and the ones
// written the old way (wallet:wallet:alice, all older) page together, newest first, each once,
// at every page size; other entity types read only their own partition, and a position in the
// old-style partition is invalid_cursor for them.
func TestWalletEntityReadsTheOldStylePartitionToo(t *testing.T) {
	s, _ := newStore(t)
	var want []string
	for i := 1; i <= 7; i++ {
		ent := &audit.Entity{Type: "wallet", ID: "alice"}
		if i > 4 {
			ent = &audit.Entity{Type: "wallet", ID: "wallet:alice"} // older: written before the fix
		}
		r := rec(i, base.Add(-time.Duration(i)*time.Minute), "alice", "wallet.deposit", ent)
		put(t, s, r)
		want = append(want, r.ID)
	}
	put(t, s, rec(20, base.Add(-time.Second), "bob", "wallet.deposit", &audit.Entity{Type: "wallet", ID: "bob"}))
	put(t, s, rec(21, base.Add(-time.Second), "p", "profile.update", &audit.Entity{Type: "profile", ID: "profile:alice"}))
	for _, limit := range []int{1, 2, 3, 4, 7, 50} {
		got := ids(all(t, s, audit.Query{EntityType: "wallet", EntityID: "alice", Limit: limit}))
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("limit %d: %v, want %v", limit, got, want)
		}
	}
	if got := ids(all(t, s, audit.Query{EntityType: "profile", EntityID: "alice"})); len(got) != 0 {
		t.Errorf("profile:alice read another type's doubled partition: %v", got)
	}
	atLegacyStart := &audit.Position{From: base.Add(-audit.DefaultRange).UTC().Format(time.RFC3339Nano), To: base.UTC().Format(time.RFC3339Nano), Legacy: true}
	if p, err := s.Query(context.Background(), audit.Query{EntityType: "wallet", EntityID: "alice", After: atLegacyStart}); err != nil ||
		strings.Join(ids(p.Items), ",") != strings.Join(want[4:], ",") {
		t.Errorf("from the start of the old-style partition: %v %v", ids(p.Items), err)
	}
	_, err := s.Query(context.Background(), audit.Query{EntityType: "profile", EntityID: "alice", After: atLegacyStart})
	if pe := problem.From(err); problem.Status(pe.Kind) != 400 || pe.Code != errs.CodeInvalidCursor {
		t.Errorf("a legacy position for a type without one: %v", err)
	}
}
