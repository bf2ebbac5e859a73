package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/dynamoitem"
	"holdfast/shared/platform/errs"
)

// Query limits.
const (
	DefaultLimit = 50
	MaxLimit     = 200
	// DefaultRange is how far back a query without "from" reaches.
	DefaultRange = 7 * 24 * time.Hour
	// maxCalls bounds the DynamoDB queries one page may cost; a page that hits it ends early
	// with a cursor, so no request does unbounded work (pages may then be short).
	maxCalls = 32
	// filteredBatch is how many index entries one call evaluates when filters beyond the
	// index key apply.
	filteredBatch = 200
)

// ErrDuplicate means a record with that ID and time already exists (never overwritten).
var ErrDuplicate = errors.New("audit record already exists")

// Store reads and appends audit records in AUDIT_TABLE.
type Store struct {
	db    *dynamodb.Client
	table string
	clock clock.Clock
}

// NewStore returns a store over table.
func NewStore(db *dynamodb.Client, table string, clk clock.Clock) *Store {
	return &Store{db: db, table: table, clock: clk}
}

type item struct {
	PK            string   `dynamodbav:"pk"`
	SK            string   `dynamodbav:"sk"`
	GSI1PK        string   `dynamodbav:"gsi1pk,omitempty"`
	GSI1SK        string   `dynamodbav:"gsi1sk,omitempty"`
	GSI2PK        string   `dynamodbav:"gsi2pk"`
	GSI2SK        string   `dynamodbav:"gsi2sk"`
	GSI3PK        string   `dynamodbav:"gsi3pk,omitempty"`
	GSI3SK        string   `dynamodbav:"gsi3sk,omitempty"`
	ID            string   `dynamodbav:"id"`
	At            string   `dynamodbav:"at"`
	Action        string   `dynamodbav:"action"`
	Route         string   `dynamodbav:"route"`
	ActorID       string   `dynamodbav:"actorId,omitempty"`
	ActorRoles    []string `dynamodbav:"actorRoles,omitempty"`
	ActorTenant   string   `dynamodbav:"actorTenant,omitempty"`
	SourceIP      string   `dynamodbav:"sourceIp,omitempty"`
	UserAgent     string   `dynamodbav:"userAgent,omitempty"`
	DurationMs    int64    `dynamodbav:"durationMs"`
	Arguments     string   `dynamodbav:"arguments"`
	Outcome       string   `dynamodbav:"outcome"`
	ErrorCode     string   `dynamodbav:"errorCode,omitempty"`
	Status        int      `dynamodbav:"status"`
	EntityType    string   `dynamodbav:"entityType,omitempty"`
	EntityID      string   `dynamodbav:"entityId,omitempty"`
	CorrelationID string   `dynamodbav:"correlationId,omitempty"`
}

func dayKey(t time.Time) string       { return "DAY#" + t.UTC().Format("2006-01-02") }
func actorKey(id string) string       { return "ACTOR#" + id }
func actionKey(a string) string       { return "ACTION#" + a }
func entityKeyOf(t, id string) string { return "ENTITY#" + t + "#" + id }

// doubledEntityTypes are the entity types once written with their type repeated in the id
// (the wallet routes named entity wallet:wallet:<sub>). A query for entity T:X of such a type
// also reads the partition of T:T:X, after T:X's own: every record written the old way
// predates the fix, so the pages stay newest first.
var doubledEntityTypes = map[string]bool{"wallet": true}

// legacyEntityKey is the second partition an entity query reads ("" for none).
func legacyEntityKey(t, id string) string {
	if !doubledEntityTypes[t] || strings.HasPrefix(id, t+":") {
		return ""
	}
	return entityKeyOf(t, t+":"+id)
}

func toItem(r Record) item {
	sk := dynamoitem.SortableTime(r.At) + "#" + r.ID
	it := item{
		PK: dayKey(r.At), SK: sk,
		GSI2PK: actionKey(r.Action), GSI2SK: sk,
		ID: r.ID, At: dynamoitem.SortableTime(r.At), Action: r.Action, Route: r.Route,
		ActorID: r.Actor.ID, ActorRoles: r.Actor.Roles, ActorTenant: r.Actor.Tenant,
		SourceIP: r.SourceIP, UserAgent: r.UserAgent, DurationMs: r.DurationMs,
		Arguments: string(r.Arguments), Outcome: string(r.Outcome), ErrorCode: r.ErrorCode,
		Status: r.Status, CorrelationID: r.CorrelationID,
	}
	if it.Arguments == "" {
		it.Arguments = "{}"
	}
	if r.Actor.ID != "" {
		it.GSI1PK, it.GSI1SK = actorKey(r.Actor.ID), sk
	}
	if r.Entity != nil {
		it.EntityType, it.EntityID = r.Entity.Type, r.Entity.ID
		it.GSI3PK, it.GSI3SK = entityKeyOf(r.Entity.Type, r.Entity.ID), sk
	}
	return it
}

func (it item) record() (Record, error) {
	at, err := dynamoitem.ParseTime(it.At)
	if err != nil {
		return Record{}, fmt.Errorf("audit record %s: bad time %q: %w", it.ID, it.At, err)
	}
	r := Record{
		ID: it.ID, At: at.UTC(), Action: it.Action, Route: it.Route,
		Actor:    Actor{ID: it.ActorID, Roles: it.ActorRoles, Tenant: it.ActorTenant},
		SourceIP: it.SourceIP, UserAgent: it.UserAgent, DurationMs: it.DurationMs,
		Arguments: json.RawMessage(it.Arguments), Outcome: Outcome(it.Outcome), ErrorCode: it.ErrorCode,
		Status: it.Status, CorrelationID: it.CorrelationID,
	}
	if r.Actor.Roles == nil {
		r.Actor.Roles = []string{}
	}
	if !json.Valid(r.Arguments) {
		r.Arguments = json.RawMessage("{}")
	}
	if it.EntityType != "" {
		r.Entity = &Entity{Type: it.EntityType, ID: it.EntityID}
	}
	return r, nil
}

// Put appends r. It never overwrites: a second record with the same time and ID is
// ErrDuplicate.
func (s *Store) Put(ctx context.Context, r Record) error {
	if r.ID == "" || r.At.IsZero() || r.Action == "" {
		return fmt.Errorf("audit put: record needs id, at and action")
	}
	av, err := attributevalue.MarshalMap(toItem(r))
	if err != nil {
		return fmt.Errorf("audit put: encode: %w", err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(s.table),
		Item:                av,
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return fmt.Errorf("audit put %s: %w", r.ID, ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("audit put %s: %w", r.ID, err)
	}
	return nil
}

// Query selects records. At most one index serves it: entity (gsi3) over actor (gsi1) over
// action (gsi2); other filters are applied on top. Without filters it walks the DAY#
// partitions from To back to From.
type Query struct {
	Actor      string
	Action     string
	EntityType string
	EntityID   string
	From       time.Time // inclusive; zero: To - DefaultRange (or After's)
	To         time.Time // inclusive; zero: now (or After's)
	Limit      int       // 0: DefaultLimit
	After      *Position // where the previous page of this query ended (its Page.Next); nil: the first page
}

// Page is one page of records, newest first.
type Page struct {
	Items []Record
	Next  *Position // nil when there is nothing more
}

// Position is where a page of a query ended: the query's resolved time range (so every page
// reads the range the first one resolved, whatever the clock says by then) and the last
// record read in it. Callers hand it back unchanged (the list route carries it in its cursor,
// bound to the query's filters); a Position that does not lie inside the query is
// errs.InvalidCursor().
type Position struct {
	From string `json:"f"`
	To   string `json:"t"`
	Day  string `json:"d,omitempty"`  // table walk: the day partition to resume in
	PK   string `json:"pk,omitempty"` // the table key of the last record read; empty: the start of Day
	SK   string `json:"sk,omitempty"`
	// Legacy: the page ended in the entity's old-style partition (legacyEntityKey); with an
	// empty PK, at its start.
	Legacy bool `json:"l,omitempty"`
}

// plan is a resolved query.
type plan struct {
	q        Query
	from, to time.Time
	lo, hi   string // sort-key bounds, both inclusive
	index    string // "" for the table walk
	pkName   string
	skName   string
	pkValue  string
	legacyPK string // an entity query's old-style partition, read after pkValue's ("": none)
	filter   string
	names    map[string]string
	values   map[string]types.AttributeValue
}

func (s *Store) resolve(ctx context.Context, q Query) (plan, error) {
	if c := q.After; c != nil {
		from, ferr := time.Parse(time.RFC3339Nano, c.From)
		to, terr := time.Parse(time.RFC3339Nano, c.To)
		if ferr != nil || terr != nil || c.From != from.UTC().Format(time.RFC3339Nano) || c.To != to.UTC().Format(time.RFC3339Nano) ||
			(!q.From.IsZero() && !q.From.Equal(from)) || (!q.To.IsZero() && !q.To.Equal(to)) {
			return plan{}, errs.InvalidCursor()
		}
		q.From, q.To = from, to
	}
	if q.To.IsZero() {
		q.To = s.clock.Now(ctx)
	}
	if q.From.IsZero() {
		q.From = q.To.Add(-DefaultRange)
	}
	if q.From.After(q.To) {
		return plan{}, errs.Validation(errs.Field("from", "must not be after to"))
	}
	if q.Limit == 0 {
		q.Limit = DefaultLimit
	}
	if q.Limit < 1 || q.Limit > MaxLimit {
		return plan{}, errs.Validation(errs.Field("limit", fmt.Sprintf("must be 1..%d", MaxLimit)))
	}
	if (q.EntityType == "") != (q.EntityID == "") {
		return plan{}, errs.Validation(errs.Field("entity", "needs both a type and an id"))
	}
	p := plan{q: q, from: q.From.UTC(), to: q.To.UTC(), names: map[string]string{}, values: map[string]types.AttributeValue{}}
	p.lo = dynamoitem.SortableTime(p.from)
	p.hi = dynamoitem.SortableTime(p.to) + "$" // '$' sorts after '#': every record at exactly To is included
	var filters []string
	addFilter := func(attrName, value string) {
		n, v := "#f"+attrName, ":f"+attrName
		p.names[n] = attrName
		p.values[v] = &types.AttributeValueMemberS{Value: value}
		filters = append(filters, n+" = "+v)
	}
	switch {
	case q.EntityType != "":
		p.index, p.pkValue = "gsi3", entityKeyOf(q.EntityType, q.EntityID)
		p.legacyPK = legacyEntityKey(q.EntityType, q.EntityID)
		if q.Actor != "" {
			addFilter("actorId", q.Actor)
		}
		if q.Action != "" {
			addFilter("action", q.Action)
		}
	case q.Actor != "":
		p.index, p.pkValue = "gsi1", actorKey(q.Actor)
		if q.Action != "" {
			addFilter("action", q.Action)
		}
	case q.Action != "":
		p.index, p.pkValue = "gsi2", actionKey(q.Action)
	}
	if p.index != "" {
		p.pkName, p.skName = p.index+"pk", p.index+"sk"
	} else {
		p.pkName, p.skName = "pk", "sk"
	}
	p.filter = strings.Join(filters, " AND ")
	if q.After != nil && !p.fits(*q.After) {
		return plan{}, errs.InvalidCursor()
	}
	return p, nil
}

// fits reports whether a position lies inside the query, so that its start key is one
// DynamoDB accepts (a key outside the query would otherwise surface as a 500).
func (p plan) fits(c Position) bool {
	if p.index == "" {
		d, err := time.Parse("2006-01-02", c.Day)
		if err != nil || d.Format("2006-01-02") != c.Day || d.Before(truncDay(p.from)) || d.After(truncDay(p.to)) {
			return false
		}
		if c.PK == "" && c.SK == "" {
			return true
		}
		return c.PK == "DAY#"+c.Day && p.skInRange(c.SK)
	}
	if c.Day != "" || (c.Legacy && p.legacyPK == "") {
		return false
	}
	if c.Legacy && c.PK == "" && c.SK == "" {
		return true // the start of the old-style partition
	}
	return strings.HasPrefix(c.PK, "DAY#") && len(c.PK) > len("DAY#") && p.skInRange(c.SK)
}

// start is the ExclusiveStartKey of a position in the query: the table key, plus the index's
// (the index partition is the query's own, or its old-style one; its sort key is the table's).
func (p plan) start(c Position) map[string]types.AttributeValue {
	if c.PK == "" {
		return nil
	}
	k := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: c.PK}, "sk": &types.AttributeValueMemberS{Value: c.SK}}
	if p.index != "" {
		k[p.pkName] = &types.AttributeValueMemberS{Value: p.partition(c.Legacy)}
		k[p.skName] = &types.AttributeValueMemberS{Value: c.SK}
	}
	return k
}

// partition is the index partition a position reads.
func (p plan) partition(legacy bool) string {
	if legacy {
		return p.legacyPK
	}
	return p.pkValue
}

// position is where a page of the plan ends, after the item whose key is key (nil: at the
// start of day).
func (p plan) position(day string, key map[string]types.AttributeValue) *Position {
	c := &Position{From: p.from.Format(time.RFC3339Nano), To: p.to.Format(time.RFC3339Nano), Day: day}
	if len(key) > 0 {
		c.PK, c.SK = str(key["pk"]), str(key["sk"])
	}
	return c
}

func str(av types.AttributeValue) string {
	if s, ok := av.(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

func (p plan) skInRange(sk string) bool { return sk >= p.lo && sk <= p.hi }

func truncDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func (p plan) input(pkValue string, limit int32, start map[string]types.AttributeValue) *dynamodb.QueryInput {
	names := maps.Clone(p.names)
	values := maps.Clone(p.values)
	names["#pk"], names["#sk"] = p.pkName, p.skName
	values[":pk"] = &types.AttributeValueMemberS{Value: pkValue}
	values[":lo"] = &types.AttributeValueMemberS{Value: p.lo}
	values[":hi"] = &types.AttributeValueMemberS{Value: p.hi}
	in := &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("#pk = :pk AND #sk BETWEEN :lo AND :hi"),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(limit),
		ExclusiveStartKey:         start,
	}
	if p.index != "" {
		in.IndexName = aws.String(p.index)
	}
	if p.filter != "" {
		in.FilterExpression = aws.String(p.filter)
	}
	return in
}

// Query returns one page of records matching q, newest first.
func (s *Store) Query(ctx context.Context, q Query) (Page, error) {
	p, err := s.resolve(ctx, q)
	if err != nil {
		return Page{}, err
	}
	if p.index == "" {
		return s.walkDays(ctx, p, q.After)
	}
	return s.queryIndex(ctx, p, q.After)
}

func (s *Store) run(ctx context.Context, in *dynamodb.QueryInput) (*dynamodb.QueryOutput, []Record, error) {
	in.TableName = aws.String(s.table)
	out, err := s.db.Query(ctx, in)
	if err != nil {
		return nil, nil, fmt.Errorf("audit query: %w", err)
	}
	recs := make([]Record, 0, len(out.Items))
	for _, av := range out.Items {
		var it item
		if err := attributevalue.UnmarshalMap(av, &it); err != nil {
			return nil, nil, fmt.Errorf("audit query: decode: %w", err)
		}
		r, err := it.record()
		if err != nil {
			return nil, nil, err
		}
		recs = append(recs, r)
	}
	return out, recs, nil
}

func (s *Store) walkDays(ctx context.Context, p plan, after *Position) (Page, error) {
	first := truncDay(p.from)
	day := truncDay(p.to)
	var start map[string]types.AttributeValue
	if after != nil {
		day, _ = time.Parse("2006-01-02", after.Day) // fits checked it
		start = p.start(*after)
	}
	items := make([]Record, 0, p.q.Limit)
	next := func(d time.Time, key map[string]types.AttributeValue) (Page, error) {
		return Page{Items: items, Next: p.position(d.Format("2006-01-02"), key)}, nil
	}
	for calls := 0; !day.Before(first); calls++ {
		if calls == maxCalls {
			return next(day, start)
		}
		out, recs, err := s.run(ctx, p.input(dayKey(day), int32(p.q.Limit-len(items)), start))
		if err != nil {
			return Page{}, err
		}
		items = append(items, recs...)
		if len(items) >= p.q.Limit {
			switch {
			case len(out.LastEvaluatedKey) > 0:
				return next(day, out.LastEvaluatedKey)
			case day.After(first):
				return next(day.AddDate(0, 0, -1), nil)
			default:
				return Page{Items: items}, nil
			}
		}
		if len(out.LastEvaluatedKey) > 0 {
			start = out.LastEvaluatedKey
			continue
		}
		day, start = day.AddDate(0, 0, -1), nil
	}
	return Page{Items: items}, nil
}

func (s *Store) queryIndex(ctx context.Context, p plan, after *Position) (Page, error) {
	var start map[string]types.AttributeValue
	legacy := false
	if after != nil {
		start, legacy = p.start(*after), after.Legacy
	}
	items := make([]Record, 0, p.q.Limit)
	next := func(key map[string]types.AttributeValue) (Page, error) {
		c := p.position("", key)
		c.Legacy = legacy
		return Page{Items: items, Next: c}, nil
	}
	// done ends the current partition: the page is complete unless the old-style partition is
	// still to be read.
	done := func() (bool, Page) {
		if legacy || p.legacyPK == "" {
			return true, Page{Items: items}
		}
		legacy, start = true, nil
		return false, Page{}
	}
	for calls := 0; ; calls++ {
		if calls == maxCalls {
			return next(start) // nil only at the start of the old-style partition
		}
		batch := int32(p.q.Limit - len(items))
		if p.filter != "" {
			batch = filteredBatch
		}
		out, recs, err := s.run(ctx, p.input(p.partition(legacy), batch, start))
		if err != nil {
			return Page{}, err
		}
		for i, r := range recs {
			items = append(items, r)
			if len(items) == p.q.Limit {
				if i == len(recs)-1 && len(out.LastEvaluatedKey) == 0 {
					if legacy || p.legacyPK == "" {
						return Page{Items: items}, nil
					}
					// The old-style partition may hold more: continue at its start.
					legacy = true
					return next(nil)
				}
				return next(out.Items[i])
			}
		}
		if len(out.LastEvaluatedKey) > 0 {
			start = out.LastEvaluatedKey
			continue
		}
		if end, pg := done(); end {
			return pg, nil
		}
	}
}
