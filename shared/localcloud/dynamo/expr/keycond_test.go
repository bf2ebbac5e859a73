package expr

import (
	"testing"

	"holdfast/shared/localcloud/dynamo/attr"
)

// Key condition doc section: API Reference, Query, KeyConditionExpression ("KeyCond"); error
// wording as DynamoDB returns it ("Observed").

func TestParseKeyCondition(t *testing.T) {
	env := newEnv(t)
	s, n1, n2 := env.Values[":s"], env.Values[":n1"], env.Values[":n2"]
	cases := []struct {
		doc, expr string
		want      KeyCondition
	}{
		{"KeyCond partition key only", "pk = :s", KeyCondition{Partition: "pk", PartitionValue: s}},
		{"KeyCond partition key via placeholder", "#a = :s", KeyCondition{Partition: "a", PartitionValue: s}},
		{"KeyCond sort key =", "pk = :s AND sk = :n1", KeyCondition{"pk", s, "sk", "=", []attr.Value{n1}}},
		{"KeyCond sort key <", "pk = :s AND sk < :n1", KeyCondition{"pk", s, "sk", "<", []attr.Value{n1}}},
		{"KeyCond sort key <=", "pk = :s and sk <= :n1", KeyCondition{"pk", s, "sk", "<=", []attr.Value{n1}}},
		{"KeyCond sort key >", "pk = :s AND sk > :n1", KeyCondition{"pk", s, "sk", ">", []attr.Value{n1}}},
		{"KeyCond sort key >=", "pk = :s AND sk >= :n1", KeyCondition{"pk", s, "sk", ">=", []attr.Value{n1}}},
		{"KeyCond sort key BETWEEN", "pk = :s AND sk BETWEEN :n1 AND :n2", KeyCondition{"pk", s, "sk", "BETWEEN", []attr.Value{n1, n2}}},
		{"KeyCond sort key begins_with", "pk = :s AND begins_with(sk, :he)", KeyCondition{"pk", s, "sk", "begins_with", []attr.Value{env.Values[":he"]}}},
		{"KeyCond either order", "sk BETWEEN :n1 AND :n2 AND pk = :s", KeyCondition{"pk", s, "sk", "BETWEEN", []attr.Value{n1, n2}}},
		{"KeyCond parentheses", "(pk = :s) AND (sk > :n1)", KeyCondition{"pk", s, "sk", ">", []attr.Value{n1}}},
		{"KeyCond value first flips the comparator", ":n1 < sk AND :s = pk", KeyCondition{"pk", s, "sk", ">", []attr.Value{n1}}},
		{"KeyCond sort condition alone", "sk > :n1", KeyCondition{Sort: "sk", SortOp: ">", SortValues: []attr.Value{n1}}},
	}
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			got, err := ParseKeyCondition(c.expr, newEnv(t))
			if err != nil {
				t.Fatalf("%s: %v", c.doc, err)
			}
			if got.Partition != c.want.Partition || !attr.Equal(got.PartitionValue, c.want.PartitionValue) && c.want.Partition != "" ||
				got.Sort != c.want.Sort || got.SortOp != c.want.SortOp || len(got.SortValues) != len(c.want.SortValues) {
				t.Fatalf("%s: got %+v, want %+v", c.doc, got, c.want)
			}
			for i := range got.SortValues {
				if !attr.Equal(got.SortValues[i], c.want.SortValues[i]) {
					t.Fatalf("%s: got %+v, want %+v", c.doc, got, c.want)
				}
			}
		})
	}
}

func TestParseKeyConditionErrors(t *testing.T) {
	const p = "Invalid KeyConditionExpression: "
	cases := []struct {
		doc, expr, want string
	}{
		{"Observed empty", "", p + "The expression can not be empty;"},
		{"Observed syntax", "pk = ", p + `Syntax error; token: "<EOF>", near: "= "`},
		{"Observed undefined value", "pk = :nope", p + "An expression attribute value used in expression is not defined; attribute value: :nope"},
		{"Observed reserved word", "name = :s", p + "Attribute name is a reserved keyword; reserved keyword: name"},
		{"KeyCond no OR", "pk = :s OR pk = :s2", "Invalid operator used in KeyConditionExpression: OR"},
		{"KeyCond no NOT", "NOT pk = :s", "Invalid operator used in KeyConditionExpression: NOT"},
		{"KeyCond no IN", "pk IN (:s, :s2)", "Invalid operator used in KeyConditionExpression: IN"},
		{"KeyCond no <>", "pk <> :s", "Invalid operator used in KeyConditionExpression: <>"},
		{"KeyCond no attribute_exists", "pk = :s AND attribute_exists(sk)", "Invalid operator used in KeyConditionExpression: attribute_exists"},
		{"KeyCond no attribute_not_exists", "attribute_not_exists(sk)", "Invalid operator used in KeyConditionExpression: attribute_not_exists"},
		{"KeyCond no contains", "pk = :s AND contains(sk, :s)", "Invalid operator used in KeyConditionExpression: contains"},
		{"KeyCond no attribute_type", "attribute_type(sk, :tS)", "Invalid operator used in KeyConditionExpression: attribute_type"},
		{"KeyCond no size", "pk = :s AND size(sk) > :n1", "KeyConditionExpressions cannot contain nested operations"},
		{"KeyCond no nested attributes", "pk.x = :s", "KeyConditionExpressions cannot have conditions on nested attributes"},
		{"KeyCond no list elements", "pk[0] = :s", "KeyConditionExpressions cannot have conditions on nested attributes"},
		{"KeyCond two attributes in one condition", "pk = sk", "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"},
		{"KeyCond no attribute", ":s = :s2", "Invalid condition in KeyConditionExpression: No key attribute specified"},
		{"KeyCond BETWEEN needs the key first", ":n1 BETWEEN sk AND :n2", "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand"},
		{"KeyCond begins_with needs the key first", "pk = :s AND begins_with(:s, sk)", "Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first operand"},
		{"KeyCond one condition per key", "pk = :s AND pk = :s2", "KeyConditionExpressions must only contain one condition per key"},
		{"KeyCond at most two conditions", "pk = :s AND sk = :s AND x = :s", "Conditions can be of length 1 or 2 only"},
		{"KeyCond the partition condition is an equality", "pk > :s AND sk > :s", "Query key condition not supported"},
		{"KeyCond BETWEEN order", "pk = :s AND sk BETWEEN :n2 AND :n1", p + "The BETWEEN operator requires upper bound to be greater than or equal to lower bound"},
		{"KeyCond begins_with type", "pk = :s AND begins_with(sk, :n1)", p + "Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"},
	}
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			_, err := ParseKeyCondition(c.expr, newEnv(t))
			wantErr(t, err, c.want)
		})
	}
}

func TestKeyConditionResolve(t *testing.T) {
	cases := []struct {
		doc, expr, hash, rng string
		wantPK, wantSK, want string
	}{
		{"KeyCond matching schema", "pk = :s AND sk > :n1", "pk", "sk", "pk", "sk", ""},
		{"KeyCond two equalities reoriented", "sk = :n1 AND pk = :s", "pk", "sk", "pk", "sk", ""},
		{"KeyCond hash only table", "pk = :s", "pk", "", "pk", "", ""},
		{"KeyCond sort key alone misses the partition key", "sk > :n1", "pk", "sk", "", "", "Query condition missed key schema element: pk"},
		{"KeyCond partition key with a range operator", "pk > :s", "pk", "sk", "", "", "Query key condition not supported"},
		{"KeyCond condition on a non-key attribute", "pk = :s AND attr2 = :s", "pk", "sk", "", "", "Query key condition not supported"},
		{"KeyCond wrong partition attribute", "attr2 = :s", "pk", "sk", "", "", "Query key condition not supported"},
	}
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			kc, err := ParseKeyCondition(c.expr, newEnv(t))
			if err != nil {
				t.Fatal(err)
			}
			err = kc.Resolve(c.hash, c.rng)
			if c.want != "" {
				wantErr(t, err, c.want)
				return
			}
			if err != nil {
				t.Fatalf("%s: %v", c.doc, err)
			}
			if kc.Partition != c.wantPK || kc.Sort != c.wantSK {
				t.Fatalf("%s: got %+v", c.doc, kc)
			}
		})
	}
}
