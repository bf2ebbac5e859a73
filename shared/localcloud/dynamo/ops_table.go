package dynamo

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"holdfast/shared/localcloud/dynamo/attr"
)

type keySchemaElem struct {
	AttributeName string `json:"AttributeName"`
	KeyType       string `json:"KeyType"`
}

type projection struct {
	ProjectionType   string   `json:"ProjectionType,omitempty"`
	NonKeyAttributes []string `json:"NonKeyAttributes,omitempty"`
}

type throughput struct {
	ReadCapacityUnits  int64 `json:"ReadCapacityUnits"`
	WriteCapacityUnits int64 `json:"WriteCapacityUnits"`
}

type indexInput struct {
	IndexName             string          `json:"IndexName"`
	KeySchema             []keySchemaElem `json:"KeySchema"`
	Projection            *projection     `json:"Projection"`
	ProvisionedThroughput *throughput     `json:"ProvisionedThroughput"`
}

type streamSpec struct {
	StreamEnabled  bool   `json:"StreamEnabled"`
	StreamViewType string `json:"StreamViewType,omitempty"`
}

type createTableInput struct {
	TableName              string          `json:"TableName"`
	AttributeDefinitions   []attrDef       `json:"AttributeDefinitions"`
	KeySchema              []keySchemaElem `json:"KeySchema"`
	GlobalSecondaryIndexes []indexInput    `json:"GlobalSecondaryIndexes"`
	LocalSecondaryIndexes  []indexInput    `json:"LocalSecondaryIndexes"`
	BillingMode            string          `json:"BillingMode"`
	ProvisionedThroughput  *throughput     `json:"ProvisionedThroughput"`
	StreamSpecification    *streamSpec     `json:"StreamSpecification"`
}

// Table names: 3–255 characters of a-z, A-Z, 0-9, '_', '-' and '.' (Developer Guide, "Supported
// data types and naming rules" → Naming rules).
var tableNameRE = regexp.MustCompile(`^[a-zA-Z0-9_.-]{3,255}$`)

func checkTableName(name, field string) *APIError {
	if name == "" {
		return validationf("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", field)
	}
	if !tableNameRE.MatchString(name) {
		return validationf("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+ and have length between 3 and 255", name, field)
	}
	return nil
}

func keysOf(ks []keySchemaElem, defs map[string]attr.Kind, used map[string]bool, what string) (h, r keyDef, err *APIError) {
	if len(ks) < 1 || len(ks) > 2 {
		return h, r, validationf("1 validation error detected: Value '%v' at '%s' failed to satisfy constraint: Member must have length less than or equal to 2 and greater than or equal to 1", ks, what)
	}
	for i, k := range ks {
		kind, ok := defs[k.AttributeName]
		if !ok {
			return h, r, validationf("One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [%s], AttributeDefinitions: %v", k.AttributeName, slices.Sorted(maps.Keys(defs)))
		}
		used[k.AttributeName] = true
		switch {
		case i == 0 && k.KeyType == "HASH":
			h = keyDef{k.AttributeName, kind}
		case i == 1 && k.KeyType == "RANGE":
			r = keyDef{k.AttributeName, kind}
		default:
			return h, r, validationf("Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
		}
	}
	if r.Name != "" && r.Name == h.Name {
		return h, r, validationf("Both the Hash Key and the Range Key element in the KeySchema have the same name")
	}
	return h, r, nil
}

func (e *Engine) createTable(in *createTableInput) (any, error) {
	if err := checkTableName(in.TableName, "tableName"); err != nil {
		return nil, err
	}
	defs := map[string]attr.Kind{}
	for _, d := range in.AttributeDefinitions {
		k := attr.KindOf(d.AttributeType)
		if k != attr.S && k != attr.N && k != attr.B {
			return nil, validationf("1 validation error detected: Value '%s' at 'attributeDefinitions.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]", d.AttributeType)
		}
		if _, dup := defs[d.AttributeName]; dup {
			return nil, validationf("Cannot have two attributes with the same name. Attribute name: %s", d.AttributeName)
		}
		defs[d.AttributeName] = k
	}
	used := map[string]bool{}
	h, r, err := keysOf(in.KeySchema, defs, used, "keySchema")
	if err != nil {
		return nil, err
	}
	billing := in.BillingMode
	if billing == "" {
		billing = "PROVISIONED"
	}
	var rcu, wcu int64
	switch billing {
	case "PAY_PER_REQUEST":
		if in.ProvisionedThroughput != nil {
			return nil, validationf("One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")
		}
	case "PROVISIONED":
		if in.ProvisionedThroughput == nil {
			return nil, validationf("One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED")
		}
		rcu, wcu = in.ProvisionedThroughput.ReadCapacityUnits, in.ProvisionedThroughput.WriteCapacityUnits
	default:
		return nil, validationf("1 validation error detected: Value '%s' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]", billing)
	}
	t := &table{Name: in.TableName, ARN: tableARN(in.TableName), ID: uuid(), Created: e.now(), Hash: h, Range: r,
		AttrDefs: in.AttributeDefinitions, Billing: billing, RCU: rcu, WCU: wcu, items: newTree()}
	names := map[string]bool{}
	addIndex := func(ii indexInput, local bool) *APIError {
		if ii.IndexName == "" || len(ii.IndexName) < 3 || len(ii.IndexName) > 255 || !tableNameRE.MatchString(ii.IndexName) {
			return validationf("1 validation error detected: Value '%s' at 'indexName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+ and have length between 3 and 255", ii.IndexName)
		}
		if names[ii.IndexName] {
			return validationf("One or more parameter values were invalid: Duplicate index name: %s", ii.IndexName)
		}
		names[ii.IndexName] = true
		ih, ir, err := keysOf(ii.KeySchema, defs, used, "indexKeySchema")
		if err != nil {
			return err
		}
		if local && (ih.Name != h.Name || ir.Name == "") {
			return validationf("One or more parameter values were invalid: Index KeySchema does not have the same leading hash key as table KeySchema for index: %s. index hash key: %s, table hash key: %s", ii.IndexName, ih.Name, h.Name)
		}
		if ii.Projection == nil || ii.Projection.ProjectionType == "" {
			return validationf("One or more parameter values were invalid: Unknown ProjectionType: null")
		}
		p := ii.Projection
		switch p.ProjectionType {
		case "ALL", "KEYS_ONLY":
			if len(p.NonKeyAttributes) > 0 {
				return validationf("One or more parameter values were invalid: ProjectionType is %s, but NonKeyAttributes is specified", p.ProjectionType)
			}
		case "INCLUDE":
			if len(p.NonKeyAttributes) == 0 {
				return validationf("One or more parameter values were invalid: ProjectionType is INCLUDE, but NonKeyAttributes is not specified")
			}
		default:
			return validationf("One or more parameter values were invalid: Unknown ProjectionType: %s", p.ProjectionType)
		}
		if billing == "PAY_PER_REQUEST" && ii.ProvisionedThroughput != nil && !local {
			return validationf("One or more parameter values were invalid: ProvisionedThroughput should not be specified for index: %s when BillingMode is PAY_PER_REQUEST", ii.IndexName)
		}
		kind := "index"
		t.Indexes = append(t.Indexes, &index{Name: ii.IndexName, Hash: ih, Range: ir, Projection: p.ProjectionType,
			NonKey: p.NonKeyAttributes, Local: local, ARN: t.ARN + "/" + kind + "/" + ii.IndexName, tree: newTree()})
		return nil
	}
	if len(in.GlobalSecondaryIndexes) > 20 {
		return nil, validationf("One or more parameter values were invalid: GlobalSecondaryIndex count exceeds the per-table limit of 20")
	}
	if len(in.LocalSecondaryIndexes) > 5 {
		return nil, validationf("One or more parameter values were invalid: Number of LocalSecondaryIndexes exceeds per-table limit of 5")
	}
	if len(in.LocalSecondaryIndexes) > 0 && r.Name == "" {
		return nil, validationf("One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex")
	}
	for _, ii := range in.GlobalSecondaryIndexes {
		if err := addIndex(ii, false); err != nil {
			return nil, err
		}
	}
	for _, ii := range in.LocalSecondaryIndexes {
		if err := addIndex(ii, true); err != nil {
			return nil, err
		}
	}
	if len(used) != len(defs) {
		return nil, validationf("One or more parameter values were invalid: Some AttributeDefinitions are not used. AttributeDefinitions: [%s], keys used: [%s]",
			strings.Join(slices.Sorted(maps.Keys(defs)), ", "), strings.Join(slices.Sorted(maps.Keys(used)), ", "))
	}
	if s := in.StreamSpecification; s != nil {
		if s.StreamEnabled {
			switch s.StreamViewType {
			case "KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES":
			default:
				return nil, validationf("One or more parameter values were invalid: StreamViewType must be one of KEYS_ONLY, NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES when StreamEnabled is true")
			}
		} else if s.StreamViewType != "" {
			return nil, validationf("One or more parameter values were invalid: Cannot specify StreamViewType when StreamEnabled is false")
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.tables[in.TableName] != nil {
		return nil, &APIError{Type: errResourceInUse, Status: 400, Message: "Table already exists: " + in.TableName}
	}
	if err := e.walError(); err != nil {
		return nil, err
	}
	if s := in.StreamSpecification; s != nil && s.StreamEnabled {
		e.enableStream(t, s.StreamViewType)
	}
	e.tables[t.Name] = t
	if e.wal != nil {
		if err := e.wal.logTable(t); err != nil {
			return nil, walFailed(err)
		}
	}
	return map[string]any{"TableDescription": e.describe(t, "ACTIVE")}, nil
}

// describe is a TableDescription (the caller holds a lock).
func (e *Engine) describe(t *table, status string) map[string]any {
	d := map[string]any{
		"TableName": t.Name, "TableArn": t.ARN, "TableId": t.ID, "TableStatus": status,
		"CreationDateTime":     epochSeconds(t.Created),
		"AttributeDefinitions": t.AttrDefs,
		"KeySchema":            t.describeKeySchema(t.Hash, t.Range),
		"ItemCount":            t.items.Len(),
		"TableSizeBytes":       t.size,
		"ProvisionedThroughput": map[string]any{"ReadCapacityUnits": t.RCU, "WriteCapacityUnits": t.WCU,
			"NumberOfDecreasesToday": 0},
		"DeletionProtectionEnabled": false,
	}
	if t.Billing == "PAY_PER_REQUEST" {
		d["BillingModeSummary"] = map[string]any{"BillingMode": "PAY_PER_REQUEST", "LastUpdateToPayPerRequestDateTime": epochSeconds(t.Created)}
	}
	var gsis, lsis []map[string]any
	for _, ix := range t.Indexes {
		p := map[string]any{"ProjectionType": ix.Projection}
		if len(ix.NonKey) > 0 {
			p["NonKeyAttributes"] = ix.NonKey
		}
		x := map[string]any{"IndexName": ix.Name, "KeySchema": t.describeKeySchema(ix.Hash, ix.Range), "Projection": p,
			"IndexArn": ix.ARN, "ItemCount": ix.tree.Len(), "IndexSizeBytes": ix.size}
		if ix.Local {
			lsis = append(lsis, x)
			continue
		}
		x["IndexStatus"] = "ACTIVE"
		x["ProvisionedThroughput"] = map[string]any{"ReadCapacityUnits": t.RCU, "WriteCapacityUnits": t.WCU, "NumberOfDecreasesToday": 0}
		gsis = append(gsis, x)
	}
	if gsis != nil {
		d["GlobalSecondaryIndexes"] = gsis
	}
	if lsis != nil {
		d["LocalSecondaryIndexes"] = lsis
	}
	if s := t.Stream; s != nil {
		d["StreamSpecification"] = map[string]any{"StreamEnabled": s.enabled, "StreamViewType": s.View}
		d["LatestStreamArn"] = s.ARN
		d["LatestStreamLabel"] = s.Label
	}
	return d
}

// named validates a TableName and finds the table (the caller holds a lock), answering
// DescribeTable's ResourceNotFoundException wording when there is none.
func (e *Engine) named(name string) (*table, *APIError) {
	if err := checkTableName(name, "tableName"); err != nil {
		return nil, err
	}
	t := e.tables[name]
	if t == nil {
		return nil, tableNotFound(name)
	}
	return t, nil
}

type tableNameInput struct {
	TableName string `json:"TableName"`
}

func (e *Engine) describeTable(in *tableNameInput) (any, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	t, err := e.named(in.TableName)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Table": e.describe(t, "ACTIVE")}, nil
}

func (e *Engine) deleteTable(in *tableNameInput) (any, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	t, err := e.named(in.TableName)
	if err != nil {
		return nil, err
	}
	if err := e.walError(); err != nil {
		return nil, err
	}
	d := e.describe(t, "DELETING")
	now := e.now()
	if t.Stream != nil {
		t.Stream.disable(e.seq, now)
	}
	delete(e.tables, t.Name)
	if e.wal != nil {
		if err := e.wal.logDropTable(t.Name, e.seq, now); err != nil {
			return nil, walFailed(err)
		}
	}
	return map[string]any{"TableDescription": d}, nil
}

type listTablesInput struct {
	ExclusiveStartTableName string `json:"ExclusiveStartTableName"`
	Limit                   *int   `json:"Limit"`
}

func (e *Engine) listTables(in *listTablesInput) (any, error) {
	limit := 100
	if in.Limit != nil {
		if *in.Limit < 1 || *in.Limit > 100 {
			return nil, validationf("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100 and greater than or equal to 1", *in.Limit)
		}
		limit = *in.Limit
	}
	names := e.TableNames()
	out := []string{}
	var last string
	for _, n := range names {
		if in.ExclusiveStartTableName != "" && n <= in.ExclusiveStartTableName {
			continue
		}
		if len(out) == limit {
			last = out[len(out)-1]
			break
		}
		out = append(out, n)
	}
	resp := map[string]any{"TableNames": out}
	if last != "" {
		resp["LastEvaluatedTableName"] = last
	}
	return resp, nil
}

type ttlInput struct {
	TableName               string `json:"TableName"`
	TimeToLiveSpecification *struct {
		AttributeName string `json:"AttributeName"`
		Enabled       *bool  `json:"Enabled"`
	} `json:"TimeToLiveSpecification"`
}

func (e *Engine) updateTimeToLive(in *ttlInput) (any, error) {
	if err := checkTableName(in.TableName, "tableName"); err != nil {
		return nil, err
	}
	s := in.TimeToLiveSpecification
	if s == nil || s.Enabled == nil || s.AttributeName == "" {
		return nil, validationf("1 validation error detected: Value null at 'timeToLiveSpecification' failed to satisfy constraint: Member must not be null")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	t := e.tables[in.TableName]
	if t == nil {
		return nil, tableNotFound(in.TableName)
	}
	switch {
	case *s.Enabled && t.TTLEnabled:
		return nil, validationf("TimeToLive is already enabled")
	case !*s.Enabled && !t.TTLEnabled:
		return nil, validationf("TimeToLive is already disabled")
	case !*s.Enabled && s.AttributeName != t.TTLAttr:
		return nil, validationf("TimeToLive is active on a different AttributeName: current AttributeName is %s", t.TTLAttr)
	}
	if err := e.walError(); err != nil {
		return nil, err
	}
	t.TTLEnabled, t.TTLAttr = *s.Enabled, s.AttributeName
	if !t.TTLEnabled {
		t.TTLAttr = ""
	}
	if e.wal != nil {
		if err := e.wal.logTable(t); err != nil {
			return nil, walFailed(err)
		}
	}
	return map[string]any{"TimeToLiveSpecification": map[string]any{"AttributeName": s.AttributeName, "Enabled": *s.Enabled}}, nil
}

func (e *Engine) describeTimeToLive(in *tableNameInput) (any, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	t, err := e.named(in.TableName)
	if err != nil {
		return nil, err
	}
	d := map[string]any{"TimeToLiveStatus": "DISABLED"}
	if t.TTLEnabled {
		d = map[string]any{"TimeToLiveStatus": "ENABLED", "AttributeName": t.TTLAttr}
	}
	return map[string]any{"TimeToLiveDescription": d}, nil
}

func errorfAPI(typ string, format string, a ...any) *APIError {
	return &APIError{Type: typ, Status: 400, Message: fmt.Sprintf(format, a...)}
}
