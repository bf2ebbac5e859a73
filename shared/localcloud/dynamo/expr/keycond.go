package expr

import (
	"holdfast/shared/localcloud/dynamo/attr"
)

// KeyCondition is a parsed KeyConditionExpression of Query.
type KeyCondition struct {
	Partition      string     // partition key attribute name
	PartitionValue attr.Value // its value
	Sort           string     // "" if no sort key condition
	SortOp         string     // "=", "<", "<=", ">", ">=", "BETWEEN", "begins_with"
	SortValues     []attr.Value
}

// keyCond is one condition of a key condition expression.
type keyCond struct {
	name   string
	op     string
	values []attr.Value
}

// ParseKeyCondition parses a KeyConditionExpression.
//
// API Reference, Query, KeyConditionExpression: "The condition must perform an equality test on
// a single partition key value. The condition can optionally perform one of several comparison
// tests on a single sort key value." The sort key condition is one of "a = b", "a < b",
// "a <= b", "a > b", "a >= b", "a BETWEEN b AND c", "begins_with (a, substr)"; two conditions
// are joined with AND. The key names are not checked here (the table's key schema is not
// known): see Resolve.
//
// When there is one condition, it is the partition key condition if its operator is "=" and
// the sort key condition otherwise (Partition is then ""). When both conditions use "=", the
// first is taken as the partition key condition; Resolve reorients them against the schema.
func ParseKeyCondition(s string, env *Env) (*KeyCondition, error) {
	p, err := newParser(KindKeyCondition, s, env)
	if err != nil {
		return nil, err
	}
	c, cerr := p.condition()
	if cerr != nil {
		return nil, cerr
	}
	var conds []keyCond
	if msg := collectKeyConds(c.root, &conds); msg != "" {
		return nil, &Error{Message: msg}
	}
	if len(conds) > 2 {
		return nil, &Error{Message: "Conditions can be of length 1 or 2 only"}
	}
	kc := &KeyCondition{}
	switch {
	case len(conds) == 1 && conds[0].op == "=":
		kc.Partition, kc.PartitionValue = conds[0].name, conds[0].values[0]
	case len(conds) == 1:
		kc.Sort, kc.SortOp, kc.SortValues = conds[0].name, conds[0].op, conds[0].values
	default:
		pk, sk := conds[0], conds[1]
		if pk.op != "=" {
			pk, sk = sk, pk
		}
		if pk.op != "=" {
			return nil, &Error{Message: "Query key condition not supported"}
		}
		kc.Partition, kc.PartitionValue = pk.name, pk.values[0]
		kc.Sort, kc.SortOp, kc.SortValues = sk.name, sk.op, sk.values
	}
	return kc, nil
}

// flipped is the comparator with its operands swapped (":v < k" is "k > :v").
var flipped = map[string]string{"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}

// collectKeyConds flattens the AND tree into per-key conditions, rejecting what Query does not
// support with DynamoDB's messages.
func collectKeyConds(c *cond, out *[]keyCond) string {
	switch c.op {
	case opAnd:
		for _, k := range c.kids {
			if msg := collectKeyConds(k, out); msg != "" {
				return msg
			}
		}
		return ""
	case opOr:
		return "Invalid operator used in KeyConditionExpression: OR"
	case opNot:
		return "Invalid operator used in KeyConditionExpression: NOT"
	case opIn:
		return "Invalid operator used in KeyConditionExpression: IN"
	}
	if c.op == opCmp && c.cmp == "<>" {
		return "Invalid operator used in KeyConditionExpression: <>"
	}
	if c.op == opFunc && c.fn != "begins_with" {
		return "Invalid operator used in KeyConditionExpression: " + c.fn
	}
	for _, a := range c.args {
		if a.kind == oSize {
			return "KeyConditionExpressions cannot contain nested operations"
		}
	}
	if (c.op == opBetween || c.op == opFunc) && c.args[0].kind != oPath {
		name := "BETWEEN"
		if c.op == opFunc {
			name = c.fn
		}
		return "Invalid condition in KeyConditionExpression: " + name + " operator must have the key attribute as its first operand"
	}
	keyIdx := -1
	for i, a := range c.args {
		if a.kind != oPath {
			continue
		}
		if keyIdx >= 0 {
			return "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"
		}
		if len(a.ref.path) > 1 {
			return "KeyConditionExpressions cannot have conditions on nested attributes"
		}
		keyIdx = i
	}
	if keyIdx < 0 {
		return "Invalid condition in KeyConditionExpression: No key attribute specified"
	}
	name := c.args[keyIdx].ref.path[0].Name
	for _, k := range *out {
		if k.name == name {
			return "KeyConditionExpressions must only contain one condition per key"
		}
	}
	kc := keyCond{name: name}
	switch c.op {
	case opCmp:
		kc.op = c.cmp
		if keyIdx == 1 {
			kc.op = flipped[c.cmp]
		}
		kc.values = []attr.Value{c.args[1-keyIdx].val}
	case opBetween:
		kc.op = "BETWEEN"
		kc.values = []attr.Value{c.args[1].val, c.args[2].val}
	case opFunc:
		kc.op = "begins_with"
		kc.values = []attr.Value{c.args[1].val}
	}
	*out = append(*out, kc)
	return ""
}

// Resolve checks the key condition against a key schema (hashKey, and rangeKey or "" for a
// table without a sort key) and orients it so that Partition is hashKey, with Query's messages:
// "Query condition missed key schema element: <name>" when the partition key has no condition,
// and "Query key condition not supported" for a condition on a non-key attribute or a partition
// key condition other than "=".
func (k *KeyCondition) Resolve(hashKey, rangeKey string) error {
	if k.Partition != hashKey && k.Sort == hashKey && k.SortOp == "=" && len(k.SortValues) == 1 {
		// "sk = :a AND pk = :b": the second equality is the partition key's.
		oldName, oldValue := k.Partition, k.PartitionValue
		k.Partition, k.PartitionValue = hashKey, k.SortValues[0]
		if oldName == "" {
			k.Sort, k.SortOp, k.SortValues = "", "", nil
		} else {
			k.Sort, k.SortOp, k.SortValues = oldName, "=", []attr.Value{oldValue}
		}
	}
	if k.Sort == hashKey {
		return &Error{Message: "Query key condition not supported"}
	}
	if k.Partition != hashKey {
		if k.Partition != "" {
			return &Error{Message: "Query key condition not supported"}
		}
		return &Error{Message: "Query condition missed key schema element: " + hashKey}
	}
	if k.Sort != "" && k.Sort != rangeKey {
		return &Error{Message: "Query key condition not supported"}
	}
	return nil
}
