package dynamo

import (
	"crypto/sha256"
	"encoding/json"
	"strings"
	"time"

	"holdfast/shared/localcloud/dynamo/attr"
	"holdfast/shared/localcloud/dynamo/expr"
)

type writeRequest struct {
	PutRequest *struct {
		Item attr.Item `json:"Item"`
	} `json:"PutRequest"`
	DeleteRequest *struct {
		Key attr.Item `json:"Key"`
	} `json:"DeleteRequest"`
}

type batchWriteInput struct {
	RequestItems                map[string][]writeRequest `json:"RequestItems"`
	ReturnConsumedCapacity      string                    `json:"ReturnConsumedCapacity"`
	ReturnItemCollectionMetrics string                    `json:"ReturnItemCollectionMetrics"`
}

// batchWriteItem applies up to 25 puts and deletes. Each write is atomic on its own, as in
// DynamoDB; here the whole batch is applied under one lock, and none is left unprocessed.
func (e *Engine) batchWriteItem(in *batchWriteInput) (any, error) {
	n := 0
	for name, reqs := range in.RequestItems {
		if len(reqs) == 0 {
			return nil, validationf("1 validation error detected: Value '[]' at 'requestItems.%s.member' failed to satisfy constraint: Member must have length greater than or equal to 1", name)
		}
		for _, r := range reqs {
			n++
			if (r.PutRequest == nil) == (r.DeleteRequest == nil) {
				return nil, validationf("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes")
			}
			if r.PutRequest != nil {
				if r.PutRequest.Item == nil {
					return nil, validationf("1 validation error detected: Value null at 'requestItems.%s.member.putRequest.item' failed to satisfy constraint: Member must not be null", name)
				}
				if err := checkItem(r.PutRequest.Item); err != nil {
					return nil, err
				}
			} else if r.DeleteRequest.Key == nil {
				return nil, validationf("1 validation error detected: Value null at 'requestItems.%s.member.deleteRequest.key' failed to satisfy constraint: Member must not be null", name)
			}
		}
	}
	if n == 0 {
		return nil, validationf("1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if n > 25 {
		return nil, validationf("1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var changes []change
	units := map[string]*cost{}
	tables := map[string]*table{}
	for name, reqs := range in.RequestItems {
		t, err := e.table(name)
		if err != nil {
			return nil, err
		}
		tables[name], units[name] = t, &cost{}
		seen := map[string]bool{}
		for _, r := range reqs {
			var pk, sk string
			var err *APIError
			var it attr.Item
			if r.PutRequest != nil {
				it = r.PutRequest.Item
				pk, sk, err = t.itemKey(it)
				if err == nil {
					err = t.validateIndexes(it)
				}
			} else {
				pk, sk, err = t.keyArg(r.DeleteRequest.Key)
			}
			if err != nil {
				return nil, err
			}
			if seen[pk+"\x00"+sk] {
				return nil, validationf("Provided list of item keys contains duplicates")
			}
			seen[pk+"\x00"+sk] = true
			old := t.get(pk, sk)
			units[name].add(t.writeCost(old, it), 1)
			changes = append(changes, change{t: t, pk: pk, sk: sk, old: old, new: it})
		}
	}
	if err := e.commit(changes); err != nil {
		return nil, err
	}
	out := map[string]any{"UnprocessedItems": map[string]any{}}
	var cc []map[string]any
	for name, u := range units {
		e.stats.write(name, "BatchWriteItem", u.total())
		if c := capacityOf(in.ReturnConsumedCapacity, tables[name], *u, false); c != nil {
			cc = append(cc, c)
		}
	}
	if cc != nil {
		out["ConsumedCapacity"] = cc
	}
	return out, nil
}

type txCommon struct {
	exprParams
	TableName                           string    `json:"TableName"`
	Key                                 attr.Item `json:"Key"`
	ConditionExpression                 string    `json:"ConditionExpression"`
	ReturnValuesOnConditionCheckFailure string    `json:"ReturnValuesOnConditionCheckFailure"`
}

type txWriteItem struct {
	ConditionCheck *txCommon `json:"ConditionCheck"`
	Put            *struct {
		txCommon
		Item attr.Item `json:"Item"`
	} `json:"Put"`
	Delete *txCommon `json:"Delete"`
	Update *struct {
		txCommon
		UpdateExpression string `json:"UpdateExpression"`
	} `json:"Update"`
}

type txWriteInput struct {
	TransactItems               []txWriteItem `json:"TransactItems"`
	ClientRequestToken          string        `json:"ClientRequestToken"`
	ReturnConsumedCapacity      string        `json:"ReturnConsumedCapacity"`
	ReturnItemCollectionMetrics string        `json:"ReturnItemCollectionMetrics"`
}

// txToken remembers a successful TransactWriteItems for its ClientRequestToken's 10 minutes
// (API Reference, TransactWriteItems → ClientRequestToken).
type txToken struct {
	hash [32]byte
	at   time.Time
	resp any
}

const tokenWindow = 10 * time.Minute

// txAction is one parsed action of a transaction.
type txAction struct {
	kind  string // ConditionCheck, Put, Delete, Update
	c     *txCommon
	item  attr.Item
	cond  *expr.Condition
	upd   *expr.Update
	t     *table
	pk    string
	sk    string
	old   *entry
	next  attr.Item
	write bool
}

func (e *Engine) transactWriteItems(in *txWriteInput, raw []byte) (any, error) {
	n := len(in.TransactItems)
	if n == 0 {
		return nil, validationf("1 validation error detected: Value null at 'transactItems' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if n > 100 {
		return nil, validationf("1 validation error detected: Value '[...]' at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100")
	}
	if len(in.ClientRequestToken) > 36 {
		return nil, validationf("1 validation error detected: Value '%s' at 'clientRequestToken' failed to satisfy constraint: Member must have length less than or equal to 36", in.ClientRequestToken)
	}
	actions := make([]*txAction, n)
	for i, ti := range in.TransactItems {
		a, err := parseTxAction(ti)
		if err != nil {
			return nil, err
		}
		actions[i] = a
	}
	var reqHash [32]byte
	if in.ClientRequestToken != "" {
		reqHash = sha256.Sum256(canonicalRequest(raw))
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	if in.ClientRequestToken != "" {
		if tok, ok := e.tokens[in.ClientRequestToken]; ok && now.Sub(tok.at) < tokenWindow {
			if tok.hash != reqHash {
				return nil, errorfAPI(errIdempotentParam, "The request uses the same client token as a previous, but non-identical request. ")
			}
			return tok.resp, nil
		}
	}
	seen := map[string]bool{}
	for _, a := range actions {
		t, err := e.table(a.c.TableName)
		if err != nil {
			return nil, err
		}
		a.t = t
		var kerr *APIError
		if a.kind == "Put" {
			a.pk, a.sk, kerr = t.itemKey(a.item)
			if kerr == nil {
				kerr = t.validateIndexes(a.item)
			}
		} else {
			a.pk, a.sk, kerr = t.keyArg(a.c.Key)
		}
		if kerr != nil {
			return nil, kerr
		}
		id := t.Name + "\x00" + a.pk + "\x00" + a.sk
		if seen[id] {
			return nil, validationf("Transaction request cannot include multiple operations on one item")
		}
		seen[id] = true
		if a.kind == "Update" {
			// Writing a key attribute is wrong whatever the item holds: the request is refused,
			// not cancelled.
			if err := t.keyPathsUntouched(a.upd); err != nil {
				return nil, err
			}
		}
		a.old = t.get(a.pk, a.sk)
	}
	// Every condition is checked against the state before the transaction; any failure cancels
	// the whole transaction with one reason per action, in request order (API Reference,
	// TransactWriteItems → TransactionCanceledException).
	reasons := make([]CancellationReason, n)
	failed := false
	for i, a := range actions {
		reasons[i] = CancellationReason{Code: "None"}
		ok, err := evalCond(a.cond, itemOf(a.old))
		if err != nil {
			return nil, err
		}
		if !ok {
			failed = true
			reasons[i] = CancellationReason{Code: "ConditionalCheckFailed", Message: "The conditional request failed"}
			if a.c.ReturnValuesOnConditionCheckFailure == "ALL_OLD" && a.old != nil {
				reasons[i].Item = a.old.item
			}
			continue
		}
		switch a.kind {
		case "Put":
			a.next, a.write = a.item, true
		case "Delete":
			a.write = a.old != nil
		case "Update":
			next, err := a.t.updated(a.upd, a.c.Key, a.old)
			if err != nil {
				failed = true
				msg := err.Error()
				if api, ok := err.(*APIError); ok {
					msg = api.Message
				}
				reasons[i] = CancellationReason{Code: "ValidationError", Message: msg}
				continue
			}
			a.next, a.write = next, true
		}
	}
	// Transactional writes cost double (Developer Guide, "Amazon DynamoDB Transactions" →
	// Capacity management for transactions), their index writes too.
	units := map[string]*cost{}
	for _, a := range actions {
		if units[a.t.Name] == nil {
			units[a.t.Name] = &cost{}
		}
		switch {
		case a.kind == "ConditionCheck":
			units[a.t.Name].add(readCost(readUnits(entrySize(a.old), true)), 2)
		case a.write && !failed:
			units[a.t.Name].add(a.t.writeCost(a.old, a.next), 2)
		default: // cancelled, or a delete of nothing: the table's units only
			units[a.t.Name].add(cost{table: writeUnits(a.old, a.next)}, 2)
		}
	}
	if failed {
		for name, u := range units {
			e.stats.write(name, "TransactWriteItems", u.total())
		}
		codes := make([]string, n)
		for i, r := range reasons {
			codes[i] = r.Code
		}
		return nil, &APIError{Type: errTxCanceled, Status: 400, Reasons: reasons,
			Message: "Transaction cancelled, please refer cancellation reasons for specific reasons [" + strings.Join(codes, ", ") + "]"}
	}
	var changes []change
	for _, a := range actions {
		if a.write {
			changes = append(changes, change{t: a.t, pk: a.pk, sk: a.sk, old: a.old, new: a.next})
		}
	}
	if err := e.commit(changes); err != nil {
		return nil, err
	}
	out := map[string]any{}
	var cc []map[string]any
	for name, u := range units {
		e.stats.write(name, "TransactWriteItems", u.total())
		if c := capacityOf(in.ReturnConsumedCapacity, e.tables[name], *u, false); c != nil {
			cc = append(cc, c)
		}
	}
	if cc != nil {
		out["ConsumedCapacity"] = cc
	}
	if in.ClientRequestToken != "" {
		e.tokens[in.ClientRequestToken] = txToken{hash: reqHash, at: now, resp: out}
		for k, tok := range e.tokens {
			if now.Sub(tok.at) >= tokenWindow {
				delete(e.tokens, k)
			}
		}
	}
	return out, nil
}

func entrySize(e *entry) int {
	if e == nil {
		return 0
	}
	return e.size
}

// canonicalRequest is the request without its token and capacity options, re-marshalled so that
// key order does not matter: what IdempotentParameterMismatch compares.
func canonicalRequest(raw []byte) []byte {
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return raw
	}
	delete(m, "ReturnConsumedCapacity")
	delete(m, "ReturnItemCollectionMetrics")
	b, _ := json.Marshal(m)
	return b
}

func parseTxAction(ti txWriteItem) (*txAction, error) {
	a := &txAction{}
	count := 0
	if ti.ConditionCheck != nil {
		count++
		a.kind, a.c = "ConditionCheck", ti.ConditionCheck
	}
	if ti.Put != nil {
		count++
		a.kind, a.c, a.item = "Put", &ti.Put.txCommon, ti.Put.Item
	}
	if ti.Delete != nil {
		count++
		a.kind, a.c = "Delete", ti.Delete
	}
	if ti.Update != nil {
		count++
		a.kind, a.c = "Update", &ti.Update.txCommon
	}
	if count != 1 {
		return nil, validationf("TransactItems can only contain one of Check, Put, Update or Delete")
	}
	if err := checkReturnOnCCF(a.c.ReturnValuesOnConditionCheckFailure); err != nil {
		return nil, err
	}
	if a.kind == "ConditionCheck" && a.c.ConditionExpression == "" {
		return nil, validationf("The ConditionExpression parameter is required for ConditionCheck")
	}
	switch a.kind {
	case "Put":
		if a.item == nil {
			return nil, validationf("1 validation error detected: Value null at 'transactItems.member.put.item' failed to satisfy constraint: Member must not be null")
		}
		if err := checkItem(a.item); err != nil {
			return nil, err
		}
	default:
		if a.c.Key == nil {
			return nil, validationf("1 validation error detected: Value null at 'transactItems.member.%s.key' failed to satisfy constraint: Member must not be null", strings.ToLower(a.kind[:1])+a.kind[1:])
		}
	}
	if a.kind == "Update" && ti.Update.UpdateExpression == "" {
		return nil, validationf("1 validation error detected: Value null at 'transactItems.member.update.updateExpression' failed to satisfy constraint: Member must not be null")
	}
	env, err := a.c.env(true)
	if err != nil {
		return nil, err
	}
	if a.kind == "Update" {
		u, err := prepareUpdate(ti.Update.UpdateExpression, env)
		if err != nil {
			return nil, err
		}
		a.upd = u
	}
	c, cerr := parseCond("ConditionExpression", a.c.ConditionExpression, env)
	if cerr != nil {
		return nil, cerr
	}
	a.cond = c
	if err := asAPI(env.CheckUnused()); err != nil {
		return nil, err
	}
	return a, nil
}

type txGetInput struct {
	TransactItems []struct {
		Get *struct {
			exprParams
			TableName            string    `json:"TableName"`
			Key                  attr.Item `json:"Key"`
			ProjectionExpression string    `json:"ProjectionExpression"`
		} `json:"Get"`
	} `json:"TransactItems"`
	ReturnConsumedCapacity string `json:"ReturnConsumedCapacity"`
}

func (e *Engine) transactGetItems(in *txGetInput) (any, error) {
	n := len(in.TransactItems)
	if n == 0 || n > 100 {
		return nil, validationf("1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100 and greater than or equal to 1")
	}
	projs := make([][]expr.Path, n)
	for i, ti := range in.TransactItems {
		if ti.Get == nil {
			return nil, validationf("1 validation error detected: Value null at 'transactItems.%d.member.get' failed to satisfy constraint: Member must not be null", i+1)
		}
		if ti.Get.Key == nil {
			return nil, validationf("1 validation error detected: Value null at 'transactItems.%d.member.get.key' failed to satisfy constraint: Member must not be null", i+1)
		}
		env, err := ti.Get.env(ti.Get.ProjectionExpression != "")
		if err != nil {
			return nil, err
		}
		p, perr := parseProjection(ti.Get.ProjectionExpression, env)
		if perr != nil {
			return nil, perr
		}
		if err := asAPI(env.CheckUnused()); err != nil {
			return nil, err
		}
		projs[i] = p
	}
	e.mu.RLock()
	found := make([]*entry, n)
	tables := make([]*table, n)
	seen := map[string]bool{}
	for i, ti := range in.TransactItems {
		t, err := e.table(ti.Get.TableName)
		if err != nil {
			e.mu.RUnlock()
			return nil, err
		}
		pk, sk, kerr := t.keyArg(ti.Get.Key)
		if kerr != nil {
			e.mu.RUnlock()
			return nil, kerr
		}
		id := t.Name + "\x00" + pk + "\x00" + sk
		if seen[id] {
			e.mu.RUnlock()
			return nil, validationf("Transaction request cannot include multiple operations on one item")
		}
		seen[id] = true
		tables[i], found[i] = t, t.get(pk, sk)
	}
	e.mu.RUnlock()
	responses := make([]map[string]any, n)
	units := map[string]float64{}
	byName := map[string]*table{}
	for i, en := range found {
		responses[i] = map[string]any{}
		if en != nil {
			responses[i]["Item"] = project(en.item, projs[i])
		}
		units[tables[i].Name] += 2 * readUnits(entrySize(en), true)
		byName[tables[i].Name] = tables[i]
	}
	out := map[string]any{"Responses": responses}
	var cc []map[string]any
	for name, u := range units {
		e.stats.read(name, "TransactGetItems", u)
		if c := capacityOf(in.ReturnConsumedCapacity, byName[name], readCost(u), true); c != nil {
			cc = append(cc, c)
		}
	}
	if cc != nil {
		out["ConsumedCapacity"] = cc
	}
	return out, nil
}
