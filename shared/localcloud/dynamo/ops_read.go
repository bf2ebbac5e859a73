package dynamo

import (
	"hash/fnv"
	"strings"

	"github.com/google/btree"

	"holdfast/shared/localcloud/dynamo/attr"
	"holdfast/shared/localcloud/dynamo/expr"
)

// maxPage is the most item data one Query or Scan reads before it stops with a
// LastEvaluatedKey (API Reference, Query and Scan: "a maximum of 1 MB of data").
const maxPage = 1 << 20

type readCommon struct {
	exprParams
	legacyParams
	TableName              string    `json:"TableName"`
	IndexName              string    `json:"IndexName"`
	Select                 string    `json:"Select"`
	Limit                  *int      `json:"Limit"`
	ConsistentRead         bool      `json:"ConsistentRead"`
	ExclusiveStartKey      attr.Item `json:"ExclusiveStartKey"`
	FilterExpression       string    `json:"FilterExpression"`
	ProjectionExpression   string    `json:"ProjectionExpression"`
	ReturnConsumedCapacity string    `json:"ReturnConsumedCapacity"`
}

type queryInput struct {
	readCommon
	KeyConditionExpression string `json:"KeyConditionExpression"`
	ScanIndexForward       *bool  `json:"ScanIndexForward"`
}

type scanInput struct {
	readCommon
	Segment       *int `json:"Segment"`
	TotalSegments *int `json:"TotalSegments"`
}

// readPlan is a Query or Scan after validation, ready to run under the read lock.
type readPlan struct {
	op      string
	t       *table
	ix      *index
	filter  *expr.Condition
	proj    []expr.Path
	sel     string
	limit   int
	start   *entry
	forward bool
	// Query only:
	key     *expr.KeyCondition
	pkEnc   string   // the partition key value, encoded
	sortEnc []string // the sort condition's values, encoded
	// Scan only:
	segment, total int
}

func (in *readCommon) parse(op string, env *expr.Env) (*readPlan, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	p := &readPlan{op: op, forward: true, total: 0}
	if in.Limit != nil {
		if *in.Limit < 1 {
			return nil, validationf("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1", *in.Limit)
		}
		p.limit = *in.Limit
	}
	var err error
	if p.filter, err = parseCond("FilterExpression", in.FilterExpression, env); err != nil {
		return nil, err
	}
	if p.proj, err = parseProjection(in.ProjectionExpression, env); err != nil {
		return nil, err
	}
	p.sel = in.Select
	switch in.Select {
	case "":
		if in.ProjectionExpression != "" {
			p.sel = "SPECIFIC_ATTRIBUTES"
		}
	case "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES", "COUNT":
		if in.ProjectionExpression != "" {
			return nil, validationf("Cannot specify the ProjectionExpression when choosing to get %s", in.Select)
		}
	case "SPECIFIC_ATTRIBUTES":
		if in.ProjectionExpression == "" {
			return nil, validationf("Select type SPECIFIC_ATTRIBUTES requires ProjectionExpression (or the legacy AttributesToGet)")
		}
	default:
		return nil, validationf("1 validation error detected: Value '%s' at 'select' failed to satisfy constraint: Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]", in.Select)
	}
	return p, nil
}

// bind resolves the table and index and the start key; the caller holds the read lock.
func (p *readPlan) bind(e *Engine, in *readCommon) error {
	t, err := e.table(in.TableName)
	if err != nil {
		return err
	}
	p.t = t
	if in.IndexName != "" {
		p.ix = t.index(in.IndexName)
		if p.ix == nil {
			return validationf("The table does not have the specified index: %s", in.IndexName)
		}
		if in.ConsistentRead && !p.ix.Local {
			return validationf("Consistent reads are not supported on global secondary indexes")
		}
		switch {
		case p.sel == "":
			p.sel = "ALL_PROJECTED_ATTRIBUTES"
		case p.sel == "ALL_ATTRIBUTES" && p.ix.Projection != "ALL" && !p.ix.Local:
			return validationf("One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index %s because its projection type is not ALL", p.ix.Name)
		}
	} else {
		if p.sel == "ALL_PROJECTED_ATTRIBUTES" {
			return validationf("One or more parameter values were invalid: Select type ALL_PROJECTED_ATTRIBUTES is only supported for indexes")
		}
		if p.sel == "" {
			p.sel = "ALL_ATTRIBUTES"
		}
	}
	if in.ExclusiveStartKey != nil {
		s, err := p.startKey(in.ExclusiveStartKey)
		if err != nil {
			return err
		}
		p.start = s
	}
	return nil
}

// startKey validates ExclusiveStartKey: the table's key, plus the index's for an index read.
func (p *readPlan) startKey(k attr.Item) (*entry, error) {
	t := p.t
	want := map[string]keyDef{t.Hash.Name: t.Hash}
	if t.Range.Name != "" {
		want[t.Range.Name] = t.Range
	}
	if p.ix != nil {
		want[p.ix.Hash.Name] = p.ix.Hash
		if p.ix.Range.Name != "" {
			want[p.ix.Range.Name] = p.ix.Range
		}
	}
	if len(k) != len(want) {
		return nil, validationf("The provided starting key is invalid: The provided key element does not match the schema")
	}
	for n, d := range want {
		v, ok := k[n]
		if !ok || v.Kind != d.Kind {
			return nil, validationf("The provided starting key is invalid: The provided key element does not match the schema")
		}
	}
	pk, sk, err := t.itemKey(k)
	if err != nil {
		return nil, validationf("The provided starting key is invalid: %s", err.Message)
	}
	if p.ix == nil {
		return &entry{pk: pk, sk: sk}, nil
	}
	s := &entry{pk: encodeKey(k[p.ix.Hash.Name]), tpk: pk, tsk: sk}
	if p.ix.Range.Name != "" {
		s.sk = encodeKey(k[p.ix.Range.Name])
	}
	return s, nil
}

func (p *readPlan) tree() *btree.BTreeG[*entry] {
	if p.ix != nil {
		return p.ix.tree
	}
	return p.t.items
}

// lastKey is an entry's LastEvaluatedKey: the table's key attributes, plus the index's.
func (p *readPlan) lastKey(en *entry) attr.Item {
	k := p.t.keyOf(en.item)
	if p.ix != nil {
		k[p.ix.Hash.Name] = en.item[p.ix.Hash.Name]
		if p.ix.Range.Name != "" {
			k[p.ix.Range.Name] = en.item[p.ix.Range.Name]
		}
	}
	return k
}

type readResult struct {
	items     []attr.Item
	count     int
	scanned   int
	bytesRead int
	last      attr.Item
}

// run walks the plan's range, applying Limit (counted before the filter), the 1 MB page, the
// filter, the index projection and the ProjectionExpression. The caller holds the read lock;
// the items it returns are immutable.
func (p *readPlan) run() (*readResult, error) {
	r := &readResult{}
	var evalErr error
	visit := func(en *entry) bool {
		if p.start != nil && !p.pastStart(en) {
			return true
		}
		if p.key != nil && !p.inRange(en) {
			return p.beforeEnd(en)
		}
		if p.total > 0 && segmentOf(en.tpkOrPK(), p.total) != p.segment {
			return true
		}
		it := en.item
		// A global index answers with what it projects; a local one fetches the rest from the
		// table when asked for all attributes or named ones (Developer Guide, "Local secondary
		// indexes" → Attribute projections).
		if p.ix != nil && !(p.ix.Local && (p.sel == "ALL_ATTRIBUTES" || p.proj != nil)) {
			it = p.ix.project(p.t, it)
		}
		r.scanned++
		r.bytesRead += en.size
		ok, err := evalCond(p.filter, it)
		if err != nil {
			evalErr = err
			return false
		}
		if ok {
			r.count++
			if p.sel != "COUNT" {
				r.items = append(r.items, project(it, p.proj))
			}
		}
		if (p.limit > 0 && r.scanned >= p.limit) || r.bytesRead >= maxPage {
			r.last = p.lastKey(en)
			return false
		}
		return true
	}
	tree := p.tree()
	switch {
	case p.key != nil && p.forward:
		tree.AscendGreaterOrEqual(p.ascendFrom(), func(en *entry) bool {
			if en.pk != p.keyPK() {
				return false
			}
			return visit(en)
		})
	case p.key != nil:
		from := &entry{pk: p.keyPK(), max: true}
		if p.start != nil {
			from = p.start
		}
		tree.DescendLessOrEqual(from, func(en *entry) bool {
			if en.pk != p.keyPK() {
				return false
			}
			return visit(en)
		})
	case p.start != nil:
		tree.AscendGreaterOrEqual(p.start, visit)
	default:
		tree.Ascend(visit)
	}
	if evalErr != nil {
		return nil, evalErr
	}
	// The walk stopped on Limit or the page at the last item of the range: DynamoDB still
	// answers a LastEvaluatedKey, and the next page is empty.
	return r, nil
}

// ascendFrom is where an ascending Query starts: after ExclusiveStartKey when there is one,
// else at the sort condition's lower bound, else at the partition's first item. The walk
// skips what precedes the start and stops past the range, so a page costs its own items.
func (p *readPlan) ascendFrom() *entry {
	from := &entry{pk: p.keyPK()}
	if p.key.Sort != "" {
		switch p.key.SortOp {
		case "=", ">", ">=", "BETWEEN", "begins_with":
			from.sk = p.sortEnc[0]
		}
	}
	if p.start != nil && lessEntry(from, p.start) {
		return p.start
	}
	return from
}

func (en *entry) tpkOrPK() string {
	if en.tpk != "" {
		return en.tpk
	}
	return en.pk
}

func segmentOf(pk string, total int) int {
	h := fnv.New32a()
	h.Write([]byte(pk))
	return int(h.Sum32() % uint32(total))
}

// pastStart reports whether en comes after ExclusiveStartKey in the walk's direction.
func (p *readPlan) pastStart(en *entry) bool {
	s := *p.start
	if p.key == nil || p.forward {
		return lessEntry(&s, en)
	}
	return lessEntry(en, &s)
}

func (p *readPlan) keyPK() string { return p.pkEnc }

// inRange evaluates the sort key condition on en's encoded sort key.
func (p *readPlan) inRange(en *entry) bool {
	k := p.key
	if k.Sort == "" {
		return true
	}
	vals := p.sortEnc
	switch k.SortOp {
	case "=":
		return en.sk == vals[0]
	case "<":
		return en.sk < vals[0]
	case "<=":
		return en.sk <= vals[0]
	case ">":
		return en.sk > vals[0]
	case ">=":
		return en.sk >= vals[0]
	case "BETWEEN":
		return en.sk >= vals[0] && en.sk <= vals[1]
	case "begins_with":
		return strings.HasPrefix(en.sk, k.SortValues[0].Str)
	}
	return false
}

// beforeEnd reports whether the walk should go on past an entry outside the sort condition:
// ascending, entries below the range come first; descending, entries above it.
func (p *readPlan) beforeEnd(en *entry) bool {
	k, vals := p.key, p.sortEnc
	if p.forward {
		switch k.SortOp {
		case "=", ">=", "BETWEEN":
			return en.sk < vals[0]
		case ">":
			return en.sk <= vals[0]
		case "begins_with":
			return en.sk < vals[0]
		}
		return false // < and <=: past the upper bound nothing more matches
	}
	switch k.SortOp {
	case "=", "<=":
		return en.sk > vals[0]
	case "<":
		return en.sk >= vals[0]
	case "BETWEEN":
		return en.sk > vals[1]
	case "begins_with":
		return !strings.HasPrefix(en.sk, vals[0]) && en.sk > vals[0]
	}
	return false
}

func (e *Engine) query(in *queryInput) (any, error) {
	anyExpr := in.KeyConditionExpression != "" || in.FilterExpression != "" || in.ProjectionExpression != ""
	env, err := in.env(anyExpr)
	if err != nil {
		return nil, err
	}
	if in.KeyConditionExpression == "" {
		if err := in.check(); err != nil {
			return nil, err
		}
		return nil, validationf("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.")
	}
	kc, kerr := expr.ParseKeyCondition(in.KeyConditionExpression, env)
	if kerr != nil {
		return nil, asAPI(kerr)
	}
	p, perr := in.parse("Query", env)
	if perr != nil {
		return nil, perr
	}
	if err := asAPI(env.CheckUnused()); err != nil {
		return nil, err
	}
	p.key = kc
	if in.ScanIndexForward != nil {
		p.forward = *in.ScanIndexForward
	}
	e.mu.RLock()
	if err := p.bind(e, &in.readCommon); err != nil {
		e.mu.RUnlock()
		return nil, err
	}
	if err := p.checkKeyCondition(); err != nil {
		e.mu.RUnlock()
		return nil, err
	}
	r, rerr := p.run()
	e.mu.RUnlock()
	if rerr != nil {
		return nil, rerr
	}
	return p.respond(e, r, in.ReturnConsumedCapacity, in.ConsistentRead), nil
}

// checkKeyCondition matches the key condition to the table's or index's key schema (API
// Reference, Query → KeyConditionExpression).
func (p *readPlan) checkKeyCondition() error {
	h, r := p.t.Hash, p.t.Range
	if p.ix != nil {
		h, r = p.ix.Hash, p.ix.Range
	}
	k := p.key
	if err := k.Resolve(h.Name, r.Name); err != nil {
		return asAPI(err)
	}
	if k.Partition != h.Name {
		return validationf("Query condition missed key schema element: %s", h.Name)
	}
	if k.PartitionValue.Kind != h.Kind {
		return validationf("One or more parameter values were invalid: Condition parameter type does not match schema type")
	}
	if k.Sort != "" {
		if r.Name == "" || k.Sort != r.Name {
			return validationf("Query condition missed key schema element: %s", orName(r.Name, k.Sort))
		}
		for _, v := range k.SortValues {
			if v.Kind != r.Kind {
				return validationf("One or more parameter values were invalid: Condition parameter type does not match schema type")
			}
		}
		if k.SortOp == "begins_with" && r.Kind == attr.N {
			return validationf("Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N")
		}
		if k.SortOp == "BETWEEN" {
			if c, _ := attr.Compare(k.SortValues[0], k.SortValues[1]); c > 0 {
				return validationf("Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound")
			}
		}
	}
	p.pkEnc = encodeKey(k.PartitionValue)
	p.sortEnc = make([]string, len(k.SortValues))
	for i, v := range k.SortValues {
		p.sortEnc[i] = encodeKey(v)
	}
	// ExclusiveStartKey must lie inside the query: its partition, within the sort condition
	// (API Reference, Query → ExclusiveStartKey; DynamoDB answers "outside query boundaries").
	if p.start != nil && (p.start.pk != p.pkEnc || !p.inRange(p.start)) {
		return validationf("The provided starting key is outside query boundaries based on provided conditions")
	}
	return nil
}

func orName(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (p *readPlan) respond(e *Engine, r *readResult, rcc string, consistent bool) map[string]any {
	units := readUnits(r.bytesRead, consistent)
	e.stats.read(p.t.Name, p.op, units)
	out := map[string]any{"Count": r.count, "ScannedCount": r.scanned}
	if p.sel != "COUNT" {
		items := r.items
		if items == nil {
			items = []attr.Item{}
		}
		out["Items"] = items
	}
	if r.last != nil {
		out["LastEvaluatedKey"] = r.last
	}
	addCapacity(out, rcc, p.t, readCost(units), true)
	return out
}

func (e *Engine) scan(in *scanInput) (any, error) {
	env, err := in.env(in.FilterExpression != "" || in.ProjectionExpression != "")
	if err != nil {
		return nil, err
	}
	p, perr := in.parse("Scan", env)
	if perr != nil {
		return nil, perr
	}
	if err := asAPI(env.CheckUnused()); err != nil {
		return nil, err
	}
	if (in.Segment == nil) != (in.TotalSegments == nil) {
		if in.Segment == nil {
			return nil, validationf("The Segment parameter is required but was not present in the request when parameter TotalSegments is present")
		}
		return nil, validationf("The TotalSegments parameter is required but was not present in the request when Segment parameter is present")
	}
	if in.TotalSegments != nil {
		if *in.TotalSegments < 1 || *in.TotalSegments > 1000000 {
			return nil, validationf("1 validation error detected: Value '%d' at 'totalSegments' failed to satisfy constraint: Member must have value less than or equal to 1000000 and greater than or equal to 1", *in.TotalSegments)
		}
		if *in.Segment < 0 || *in.Segment >= *in.TotalSegments {
			return nil, validationf("The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: %d is not less than TotalSegments: %d", *in.Segment, *in.TotalSegments)
		}
		p.segment, p.total = *in.Segment, *in.TotalSegments
	}
	e.mu.RLock()
	if err := p.bind(e, &in.readCommon); err != nil {
		e.mu.RUnlock()
		return nil, err
	}
	if p.start != nil && p.total > 0 && segmentOf(p.start.tpkOrPK(), p.total) != p.segment {
		e.mu.RUnlock()
		return nil, validationf("The provided Exclusive start key does not map to the provided Segment and TotalSegments values.")
	}
	r, rerr := p.run()
	e.mu.RUnlock()
	if rerr != nil {
		return nil, rerr
	}
	return p.respond(e, r, in.ReturnConsumedCapacity, in.ConsistentRead), nil
}

type keysAndAttrs struct {
	exprParams
	legacyParams
	Keys                 []attr.Item `json:"Keys"`
	ConsistentRead       bool        `json:"ConsistentRead"`
	ProjectionExpression string      `json:"ProjectionExpression"`
}

type batchGetInput struct {
	RequestItems           map[string]*keysAndAttrs `json:"RequestItems"`
	ReturnConsumedCapacity string                   `json:"ReturnConsumedCapacity"`
}

func (e *Engine) batchGetItem(in *batchGetInput) (any, error) {
	if len(in.RequestItems) == 0 {
		return nil, validationf("1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	total := 0
	projs := map[string][]expr.Path{}
	for name, ka := range in.RequestItems {
		if ka == nil || len(ka.Keys) == 0 {
			return nil, validationf("1 validation error detected: Value at 'requestItems.%s.member.keys' failed to satisfy constraint: Member must have length greater than or equal to 1", name)
		}
		if err := ka.check(); err != nil {
			return nil, err
		}
		total += len(ka.Keys)
		env, err := ka.env(ka.ProjectionExpression != "")
		if err != nil {
			return nil, err
		}
		p, perr := parseProjection(ka.ProjectionExpression, env)
		if perr != nil {
			return nil, perr
		}
		if err := asAPI(env.CheckUnused()); err != nil {
			return nil, err
		}
		projs[name] = p
	}
	if total > 100 {
		return nil, validationf("Too many items requested for the BatchGetItem call")
	}
	type found struct {
		table string
		item  attr.Item
	}
	var got []found
	units := map[string]float64{}
	e.mu.RLock()
	tables := map[string]*table{}
	for name, ka := range in.RequestItems {
		t, err := e.table(name)
		if err != nil {
			e.mu.RUnlock()
			return nil, err
		}
		tables[name] = t
		seen := map[string]bool{}
		for _, k := range ka.Keys {
			pk, sk, err := t.keyArg(k)
			if err != nil {
				e.mu.RUnlock()
				return nil, err
			}
			if seen[pk+"\x00"+sk] {
				e.mu.RUnlock()
				return nil, validationf("Provided list of item keys contains duplicates")
			}
			seen[pk+"\x00"+sk] = true
			en := t.get(pk, sk)
			size := 0
			if en != nil {
				size = en.size
				got = append(got, found{name, en.item})
			}
			units[name] += readUnits(size, ka.ConsistentRead)
		}
	}
	e.mu.RUnlock()
	resp := map[string][]attr.Item{}
	for name := range in.RequestItems {
		resp[name] = []attr.Item{}
	}
	for _, f := range got {
		resp[f.table] = append(resp[f.table], project(f.item, projs[f.table]))
	}
	out := map[string]any{"Responses": resp, "UnprocessedKeys": map[string]any{}}
	var cc []map[string]any
	for name, u := range units {
		e.stats.read(name, "BatchGetItem", u)
		if c := capacityOf(in.ReturnConsumedCapacity, tables[name], readCost(u), true); c != nil {
			cc = append(cc, c)
		}
	}
	if cc != nil {
		out["ConsumedCapacity"] = cc
	}
	return out, nil
}
