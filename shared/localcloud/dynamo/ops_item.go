package dynamo

import (
	"encoding/json"
	"errors"

	"holdfast/shared/localcloud/dynamo/attr"
	"holdfast/shared/localcloud/dynamo/expr"
)

// exprParams are the placeholders every expression-taking request may carry.
type exprParams struct {
	ExpressionAttributeNames  map[string]string     `json:"ExpressionAttributeNames"`
	ExpressionAttributeValues map[string]attr.Value `json:"ExpressionAttributeValues"`
}

// legacyParams are the pre-expression parameters. The engine does not model them: a request
// that uses one is refused, naming the expression that replaces it, rather than half-honoured.
type legacyParams struct {
	Expected            json.RawMessage `json:"Expected"`
	AttributeUpdates    json.RawMessage `json:"AttributeUpdates"`
	ConditionalOperator json.RawMessage `json:"ConditionalOperator"`
	AttributesToGet     json.RawMessage `json:"AttributesToGet"`
	KeyConditions       json.RawMessage `json:"KeyConditions"`
	QueryFilter         json.RawMessage `json:"QueryFilter"`
	ScanFilter          json.RawMessage `json:"ScanFilter"`
}

func (l *legacyParams) check() *APIError {
	for _, p := range []struct {
		name string
		raw  json.RawMessage
		use  string
	}{{"Expected", l.Expected, "ConditionExpression"}, {"AttributeUpdates", l.AttributeUpdates, "UpdateExpression"},
		{"ConditionalOperator", l.ConditionalOperator, "ConditionExpression or FilterExpression"},
		{"AttributesToGet", l.AttributesToGet, "ProjectionExpression"}, {"KeyConditions", l.KeyConditions, "KeyConditionExpression"},
		{"QueryFilter", l.QueryFilter, "FilterExpression"}, {"ScanFilter", l.ScanFilter, "FilterExpression"}} {
		if len(p.raw) > 0 && string(p.raw) != "null" {
			return validationf("The legacy parameter %s is not supported by this engine (docs/decisions/0004); use %s", p.name, p.use)
		}
	}
	return nil
}

// env checks the placeholder maps as DynamoDB does before any expression is parsed.
func (p *exprParams) env(anyExpr bool) (*expr.Env, *APIError) {
	if p.ExpressionAttributeNames != nil && len(p.ExpressionAttributeNames) == 0 {
		return nil, validationf("ExpressionAttributeNames must not be empty")
	}
	if p.ExpressionAttributeValues != nil && len(p.ExpressionAttributeValues) == 0 {
		return nil, validationf("ExpressionAttributeValues must not be empty")
	}
	if !anyExpr {
		if p.ExpressionAttributeNames != nil {
			return nil, validationf("ExpressionAttributeNames can only be specified when using expressions")
		}
		if p.ExpressionAttributeValues != nil {
			return nil, validationf("ExpressionAttributeValues can only be specified when using expressions: ConditionExpression is null")
		}
	}
	return &expr.Env{Names: p.ExpressionAttributeNames, Values: p.ExpressionAttributeValues}, nil
}

// asAPI turns expression and value errors into ValidationExceptions.
func asAPI(err error) error {
	if err == nil {
		return nil
	}
	var ee *expr.Error
	if errors.As(err, &ee) {
		return validationf("%s", ee.Message)
	}
	var ae *attr.Error
	if errors.As(err, &ae) {
		return validationf("%s", ae.Message)
	}
	var api *APIError
	if errors.As(err, &api) {
		return api
	}
	return &APIError{Type: errInternal, Status: 500, Message: err.Error()}
}

func parseCond(kind, s string, env *expr.Env) (*expr.Condition, error) {
	if s == "" {
		return nil, nil
	}
	c, err := expr.ParseCondition(kind, s, env)
	if err != nil {
		return nil, asAPI(err)
	}
	return c, nil
}

func evalCond(c *expr.Condition, it attr.Item) (bool, error) {
	if c == nil {
		return true, nil
	}
	ok, err := c.Eval(it)
	return ok, asAPI(err)
}

// checkItem enforces the 400 KB item limit (Developer Guide, "Service, account, and table
// quotas" → Item size).
func checkItem(it attr.Item) *APIError {
	if attr.ItemSize(it) > attr.MaxItemSize {
		return validationf("Item size has exceeded the maximum allowed size")
	}
	return nil
}

func checkReturnValues(rv string, allowed ...string) *APIError {
	if rv == "" {
		return nil
	}
	for _, a := range allowed {
		if rv == a {
			return nil
		}
	}
	return validationf("1 validation error detected: Value '%s' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [%s]", rv, joinComma(allowed))
}

func checkReturnOnCCF(v string) *APIError {
	if v == "" || v == "NONE" || v == "ALL_OLD" {
		return nil
	}
	return validationf("1 validation error detected: Value '%s' at 'returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]", v)
}

func joinComma(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ", "
		}
		out += x
	}
	return out
}

// ccf is the ConditionalCheckFailedException for a single-item write, with the item when the
// request asked for ALL_OLD.
func ccf(returnOnFail string, old *entry) error {
	err := conditionFailed()
	if returnOnFail == "ALL_OLD" && old != nil {
		err.Item = old.item
	}
	return err
}

type writeCommon struct {
	exprParams
	legacyParams
	TableName                           string `json:"TableName"`
	ConditionExpression                 string `json:"ConditionExpression"`
	ReturnValues                        string `json:"ReturnValues"`
	ReturnConsumedCapacity              string `json:"ReturnConsumedCapacity"`
	ReturnItemCollectionMetrics         string `json:"ReturnItemCollectionMetrics"`
	ReturnValuesOnConditionCheckFailure string `json:"ReturnValuesOnConditionCheckFailure"`
}

// prepare is every single-item write's validation before the lock: legacy parameters, the
// ReturnValues options, the item or key being there, and the expressions parsed with every
// placeholder defined and used. target names the missing member ("item" or "key").
func (w *writeCommon) prepare(target attr.Item, member, update string, returnValues ...string) (*expr.Condition, *expr.Update, error) {
	if err := w.check(); err != nil {
		return nil, nil, err
	}
	if err := checkReturnValues(w.ReturnValues, returnValues...); err != nil {
		return nil, nil, err
	}
	if err := checkReturnOnCCF(w.ReturnValuesOnConditionCheckFailure); err != nil {
		return nil, nil, err
	}
	if target == nil {
		return nil, nil, validationf("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", member)
	}
	env, err := w.env(w.ConditionExpression != "" || update != "")
	if err != nil {
		return nil, nil, err
	}
	upd, uerr := prepareUpdate(update, env)
	if uerr != nil {
		return nil, nil, uerr
	}
	cond, cerr := parseCond("ConditionExpression", w.ConditionExpression, env)
	if cerr != nil {
		return nil, nil, cerr
	}
	if err := asAPI(env.CheckUnused()); err != nil {
		return nil, nil, err
	}
	return cond, upd, nil
}

type putItemInput struct {
	writeCommon
	Item attr.Item `json:"Item"`
}

func (e *Engine) putItem(in *putItemInput) (any, error) {
	cond, _, perr := in.prepare(in.Item, "item", "", "NONE", "ALL_OLD")
	if perr != nil {
		return nil, perr
	}
	if err := checkItem(in.Item); err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	t, err := e.table(in.TableName)
	if err != nil {
		return nil, err
	}
	pk, sk, err := t.itemKey(in.Item)
	if err != nil {
		return nil, err
	}
	if err := t.validateIndexes(in.Item); err != nil {
		return nil, err
	}
	old := t.get(pk, sk)
	units := t.writeCost(old, in.Item)
	if ok, err := evalCond(cond, itemOf(old)); err != nil {
		return nil, err
	} else if !ok {
		e.stats.write(t.Name, "PutItem", writeUnits(old, nil))
		return nil, ccf(in.ReturnValuesOnConditionCheckFailure, old)
	}
	if err := e.commit([]change{{t: t, pk: pk, sk: sk, old: old, new: in.Item}}); err != nil {
		return nil, err
	}
	e.stats.write(t.Name, "PutItem", units.total())
	out := map[string]any{}
	if in.ReturnValues == "ALL_OLD" && old != nil {
		out["Attributes"] = old.item
	}
	addCapacity(out, in.ReturnConsumedCapacity, t, units, false)
	return out, nil
}

func itemOf(e *entry) attr.Item {
	if e == nil {
		return nil
	}
	return e.item
}

type getItemInput struct {
	exprParams
	legacyParams
	TableName              string    `json:"TableName"`
	Key                    attr.Item `json:"Key"`
	ConsistentRead         bool      `json:"ConsistentRead"`
	ProjectionExpression   string    `json:"ProjectionExpression"`
	ReturnConsumedCapacity string    `json:"ReturnConsumedCapacity"`
}

func parseProjection(s string, env *expr.Env) ([]expr.Path, error) {
	if s == "" {
		return nil, nil
	}
	p, err := expr.ParseProjection(s, env)
	return p, asAPI(err)
}

func project(it attr.Item, paths []expr.Path) attr.Item {
	if paths == nil || it == nil {
		return it
	}
	return expr.Project(it, paths)
}

func (e *Engine) getItem(in *getItemInput) (any, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	if in.Key == nil {
		return nil, validationf("1 validation error detected: Value null at 'key' failed to satisfy constraint: Member must not be null")
	}
	env, err := in.env(in.ProjectionExpression != "")
	if err != nil {
		return nil, err
	}
	proj, perr := parseProjection(in.ProjectionExpression, env)
	if perr != nil {
		return nil, perr
	}
	if err := asAPI(env.CheckUnused()); err != nil {
		return nil, err
	}
	e.mu.RLock()
	t, err := e.table(in.TableName)
	if err != nil {
		e.mu.RUnlock()
		return nil, err
	}
	pk, sk, err := t.keyArg(in.Key)
	if err != nil {
		e.mu.RUnlock()
		return nil, err
	}
	found := t.get(pk, sk)
	e.mu.RUnlock()
	size := 0
	if found != nil {
		size = found.size
	}
	units := readUnits(size, in.ConsistentRead)
	e.stats.read(t.Name, "GetItem", units)
	out := map[string]any{}
	if found != nil {
		out["Item"] = project(found.item, proj)
	}
	addCapacity(out, in.ReturnConsumedCapacity, t, readCost(units), true)
	return out, nil
}

// keyed finds a keyed write's item under the write lock and checks its condition: the table,
// the key's encodings and the item there now, or the error (a failed condition counts its
// capacity, as DynamoDB charges for it).
func (e *Engine) keyed(w *writeCommon, key attr.Item, cond *expr.Condition, op string) (*table, string, string, *entry, error) {
	t, err := e.table(w.TableName)
	if err != nil {
		return nil, "", "", nil, err
	}
	pk, sk, err := t.keyArg(key)
	if err != nil {
		return nil, "", "", nil, err
	}
	old := t.get(pk, sk)
	if ok, err := evalCond(cond, itemOf(old)); err != nil {
		return nil, "", "", nil, err
	} else if !ok {
		e.stats.write(t.Name, op, writeUnits(old, nil))
		return nil, "", "", nil, ccf(w.ReturnValuesOnConditionCheckFailure, old)
	}
	return t, pk, sk, old, nil
}

type deleteItemInput struct {
	writeCommon
	Key attr.Item `json:"Key"`
}

func (e *Engine) deleteItem(in *deleteItemInput) (any, error) {
	cond, _, perr := in.prepare(in.Key, "key", "", "NONE", "ALL_OLD")
	if perr != nil {
		return nil, perr
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	t, pk, sk, old, err := e.keyed(&in.writeCommon, in.Key, cond, "DeleteItem")
	if err != nil {
		return nil, err
	}
	units := t.writeCost(old, nil)
	if old != nil {
		if err := e.commit([]change{{t: t, pk: pk, sk: sk, old: old}}); err != nil {
			return nil, err
		}
	}
	e.stats.write(t.Name, "DeleteItem", units.total())
	out := map[string]any{}
	if in.ReturnValues == "ALL_OLD" && old != nil {
		out["Attributes"] = old.item
	}
	addCapacity(out, in.ReturnConsumedCapacity, t, units, false)
	return out, nil
}

type updateItemInput struct {
	writeCommon
	Key              attr.Item `json:"Key"`
	UpdateExpression string    `json:"UpdateExpression"`
}

// prepareUpdate parses an update and refuses one that writes a key attribute.
func prepareUpdate(s string, env *expr.Env) (*expr.Update, error) {
	if s == "" {
		return nil, nil
	}
	u, err := expr.ParseUpdate(s, env)
	if err != nil {
		return nil, asAPI(err)
	}
	return u, nil
}

// updated computes the item an update makes of old (or of the key alone when there is none),
// checking that no key attribute changes and that the result is a valid item.
func (t *table) updated(u *expr.Update, key attr.Item, old *entry) (attr.Item, error) {
	base := key
	if old != nil {
		base = old.item
	}
	if u == nil {
		if old != nil {
			return old.item, nil
		}
		return key.Clone(), nil
	}
	if err := t.keyPathsUntouched(u); err != nil {
		return nil, err
	}
	next, err := u.Apply(base)
	if err != nil {
		return nil, asAPI(err)
	}
	if err := checkItem(next); err != nil {
		return nil, err
	}
	if err := t.validateIndexes(next); err != nil {
		return nil, err
	}
	return next, nil
}

// keyPathsUntouched refuses an update that writes a key attribute.
func (t *table) keyPathsUntouched(u *expr.Update) *APIError {
	for _, p := range u.Paths() {
		if len(p) > 0 && (p[0].Name == t.Hash.Name || (t.Range.Name != "" && p[0].Name == t.Range.Name)) {
			return validationf("One or more parameter values were invalid: Cannot update attribute %s. This attribute is part of the key", p[0].Name)
		}
	}
	return nil
}

func (e *Engine) updateItem(in *updateItemInput) (any, error) {
	cond, upd, perr := in.prepare(in.Key, "key", in.UpdateExpression, "NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW")
	if perr != nil {
		return nil, perr
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	t, pk, sk, old, err := e.keyed(&in.writeCommon, in.Key, cond, "UpdateItem")
	if err != nil {
		return nil, err
	}
	next, uerr := t.updated(upd, in.Key, old)
	if uerr != nil {
		return nil, uerr
	}
	units := t.writeCost(old, next)
	if err := e.commit([]change{{t: t, pk: pk, sk: sk, old: old, new: next}}); err != nil {
		return nil, err
	}
	e.stats.write(t.Name, "UpdateItem", units.total())
	out := map[string]any{}
	var attrs attr.Item
	switch in.ReturnValues {
	case "ALL_OLD":
		attrs = itemOf(old)
	case "ALL_NEW":
		attrs = next
	case "UPDATED_OLD":
		if old != nil && upd != nil {
			attrs = expr.Project(old.item, upd.Paths())
		}
	case "UPDATED_NEW":
		if upd != nil {
			attrs = expr.Project(next, upd.Paths())
		}
	}
	if len(attrs) > 0 {
		out["Attributes"] = attrs
	}
	addCapacity(out, in.ReturnConsumedCapacity, t, units, false)
	return out, nil
}
