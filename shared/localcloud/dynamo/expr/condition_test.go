package expr

import (
	"testing"
)

// Doc section abbreviations used in the tables:
//
//	OpsFuncs  Developer Guide, "Condition and filter expressions, operators, and functions"
//	          (Expressions.OperatorsAndFunctions)
//	Attrs     "Referring to item attributes when using expressions" (Expressions.Attributes)
//	Names     "Expression attribute names (aliases)" (Expressions.ExpressionAttributeNames)
//	Values    "Using expression attribute values" (Expressions.ExpressionAttributeValues)
//	Reserved  "Reserved words in DynamoDB" (ReservedWords)
//	Observed  DynamoDB's observed validation behaviour and wording

func TestConditionEval(t *testing.T) {
	item := mustItem(t, testItemJSON)
	cases := []struct {
		doc, expr string
		want      bool
	}{
		// Comparators.
		{"OpsFuncs comparator =", "n = :n5", true},
		{"OpsFuncs comparator = numeric equality", "n = :n3", false},
		{"OpsFuncs comparator <>", "n <> :n5", false},
		{"OpsFuncs comparator <> on other value", "n <> :n3", true},
		{"OpsFuncs comparator <", "n < :n10", true},
		{"OpsFuncs comparator <=", "n <= :n5", true},
		{"OpsFuncs comparator >", "n > :n5", false},
		{"OpsFuncs comparator >=", "n >= :n5", true},
		{"OpsFuncs numbers compare numerically", "n > :neg", true},
		{"OpsFuncs strings compare by bytes", "s < :s2", true},
		{"OpsFuncs binaries compare by bytes", "b > :b", true},
		{"OpsFuncs different types are not equal", "n = :s", false},
		{"OpsFuncs different types: <> is true", "n <> :s", true},
		{"OpsFuncs different types do not order", "n < :s", false},
		{"OpsFuncs BOOL does not order", "ok > :false", false},
		{"OpsFuncs BOOL equality", "ok = :true", true},
		{"OpsFuncs NULL equality", "nul = :null", true},
		{"OpsFuncs set equality ignores order", "ss = :ssab", true},
		{"OpsFuncs path compared with path", "s = #name", true},
		{"OpsFuncs path compared with path (order)", "n > s", false},
		{"OpsFuncs value on the left", ":n10 > n", true},
		{"OpsFuncs missing attribute = value is false", "nope = :s", false},
		{"OpsFuncs missing attribute <> value is true", "nope <> :s", true},
		{"OpsFuncs missing attribute < value is false", "nope < :s", false},
		// BETWEEN and IN.
		{"OpsFuncs BETWEEN inclusive low", "n BETWEEN :n5 AND :n10", true},
		{"OpsFuncs BETWEEN inclusive high", "n BETWEEN :n1 AND :n5", true},
		{"OpsFuncs BETWEEN outside", "n BETWEEN :n0 AND :n3", false},
		{"OpsFuncs BETWEEN strings", "s BETWEEN :he AND :s2", true},
		{"OpsFuncs BETWEEN mismatched type", "s BETWEEN :n0 AND :n10", false},
		{"OpsFuncs BETWEEN path bounds", "n BETWEEN m.deep.z AND :n10", true},
		{"OpsFuncs IN match", "n IN (:n1, :n5)", true},
		{"OpsFuncs IN no match", "n IN (:n1, :n2, :s)", false},
		{"OpsFuncs IN missing", "nope IN (:n1)", false},
		{"OpsFuncs IN with path candidate", "s IN (:n1, #name)", true},
		// Functions.
		{"OpsFuncs attribute_exists", "attribute_exists(n)", true},
		{"OpsFuncs attribute_exists missing", "attribute_exists(nope)", false},
		{"OpsFuncs attribute_exists nested", "attribute_exists(m.deep.z)", true},
		{"OpsFuncs attribute_exists list element", "attribute_exists(l[2].c)", true},
		{"OpsFuncs attribute_exists past end", "attribute_exists(l[3])", false},
		{"OpsFuncs attribute_exists through scalar", "attribute_exists(s.x)", false},
		{"OpsFuncs attribute_exists index into map", "attribute_exists(m[0])", false},
		{"OpsFuncs attribute_not_exists", "attribute_not_exists(nope)", true},
		{"OpsFuncs attribute_not_exists existing", "attribute_not_exists(id)", false},
		{"OpsFuncs attribute_type S", "attribute_type(s, :tS)", true},
		{"OpsFuncs attribute_type SS", "attribute_type(ss, :tSS)", true},
		{"OpsFuncs attribute_type wrong", "attribute_type(s, :tN)", false},
		{"OpsFuncs attribute_type missing", "attribute_type(nope, :tS)", false},
		{"OpsFuncs attribute_type M", "attribute_type(m, :tM)", true},
		{"OpsFuncs begins_with", "begins_with(s, :he)", true},
		{"OpsFuncs begins_with no", "begins_with(s, :s2)", false},
		{"OpsFuncs begins_with empty prefix", "begins_with(s, :empty)", true},
		{"OpsFuncs begins_with binary", "begins_with(b, :b12)", true},
		{"OpsFuncs begins_with on a number", "begins_with(n, :he)", false},
		{"OpsFuncs begins_with mixed types", "begins_with(b, :he)", false},
		{"OpsFuncs contains substring", "contains(s, :ell)", true},
		{"OpsFuncs contains substring no", "contains(s, :x)", false},
		{"OpsFuncs contains string set", "contains(ss, :a)", true},
		{"OpsFuncs contains string set no", "contains(ss, :x)", false},
		{"OpsFuncs contains number set", "contains(ns, :n1)", true},
		{"OpsFuncs contains number set wrong type", "contains(ns, :a)", false},
		{"OpsFuncs contains binary set", "contains(bs, :b)", true},
		{"OpsFuncs contains list element", "contains(l, :x)", true},
		{"OpsFuncs contains list element number", "contains(l, :n1)", true},
		{"OpsFuncs contains list no", "contains(l, :a)", false},
		{"OpsFuncs contains on number", "contains(n, :n5)", false},
		{"OpsFuncs contains with path operand", "contains(s, #name)", true},
		{"OpsFuncs size string", "size(s) = :n5", true},
		{"OpsFuncs size binary", "size(b) = :n3", true},
		{"OpsFuncs size set", "size(ss) = :n2", true},
		{"OpsFuncs size list", "size(l) = :n3", true},
		{"OpsFuncs size map", "size(m) = :n3", true},
		{"OpsFuncs size of number has no value", "size(n) > :n0", false},
		{"OpsFuncs size of missing", "size(nope) >= :n0", false},
		{"OpsFuncs size compared with size", "size(s) > size(ss)", true},
		{"OpsFuncs size in BETWEEN", "size(l) BETWEEN :n1 AND :n3", true},
		{"OpsFuncs size in IN", "size(l) IN (:n1, :n3)", true},
		// Logical operators and precedence.
		{"OpsFuncs AND", "n = :n5 AND s = :s", true},
		{"OpsFuncs AND false", "n = :n5 AND s = :x", false},
		{"OpsFuncs OR", "n = :n1 OR s = :s", true},
		{"OpsFuncs NOT", "NOT n = :n1", true},
		{"OpsFuncs NOT function", "NOT attribute_exists(n)", false},
		{"OpsFuncs precedence: AND binds tighter than OR", "n = :n5 OR n = :n1 AND s = :x", true},
		{"OpsFuncs precedence: parentheses", "(n = :n5 OR n = :n1) AND s = :x", false},
		{"OpsFuncs precedence: NOT binds tighter than AND", "NOT n = :n1 AND n = :n1", false},
		{"OpsFuncs precedence: NOT of parenthesised", "NOT (n = :n1 AND n = :n1)", true},
		{"OpsFuncs NOT NOT", "NOT NOT n = :n5", true},
		{"OpsFuncs keywords are case-insensitive", "n between :n1 and :n10 or not n in (:n5)", true},
		{"OpsFuncs parenthesised operand", "(n) = :n5", true},
		{"OpsFuncs parenthesised function", "(attribute_exists(n))", true},
		{"OpsFuncs whitespace is free", "\tn=:n5\nAND(s)=(:s)", true},
		// Names and paths.
		{"Names placeholder for a reserved word", "#s = :s OR #s <> :s", true},
		{"Names placeholder with a dot is one name", "#dot = :x OR attribute_exists(#dot)", true},
		{"Names placeholders in nested paths", "#m.#k = :x OR #m.#k <> :x", true},
		{"Attrs nested map path", "m.deep.z = :n3", true},
		{"Attrs list index", "l[1] = :n1", true},
		{"Attrs list index then map", "l[2].c <> :x", true},
		{"Attrs nested list", "m.lst[0] = :n1", true},
		{"Attrs bare name with underscore", "attribute_not_exists(_x_1)", true},
	}
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			env := newEnv(t)
			cond, err := ParseCondition(KindCondition, c.expr, env)
			if err != nil {
				t.Fatalf("%s: parse: %v", c.doc, err)
			}
			before := itemJSON(item)
			got, err := cond.Eval(item)
			if err != nil {
				t.Fatalf("%s: eval: %v", c.doc, err)
			}
			if got != c.want {
				t.Fatalf("%s: %s = %v, want %v", c.doc, c.expr, got, c.want)
			}
			if itemJSON(item) != before {
				t.Fatalf("Eval modified its item")
			}
		})
	}
}

func TestConditionEvalMissingItem(t *testing.T) {
	cases := []struct {
		doc, expr string
		want      bool
	}{
		{"OpsFuncs attribute_not_exists on a missing item", "attribute_not_exists(id)", true},
		{"OpsFuncs attribute_exists on a missing item", "attribute_exists(id)", false},
		{"OpsFuncs = on a missing item", "id = :s", false},
		{"OpsFuncs <> on a missing item", "id <> :s", true},
		{"OpsFuncs size on a missing item", "size(id) > :n0", false},
	}
	for _, c := range cases {
		cond, err := ParseCondition(KindCondition, c.expr, newEnv(t))
		if err != nil {
			t.Fatalf("%s: %v", c.doc, err)
		}
		if got, _ := cond.Eval(nil); got != c.want {
			t.Errorf("%s: %s on nil item = %v, want %v", c.doc, c.expr, got, c.want)
		}
	}
}

func TestConditionErrors(t *testing.T) {
	const p = "Invalid ConditionExpression: "
	cases := []struct {
		doc, expr, want string
	}{
		{"Observed empty expression", "", p + "The expression can not be empty;"},
		{"Observed blank expression", "  ", p + "The expression can not be empty;"},
		{"Observed syntax: operand alone", "n", p + `Syntax error; token: "<EOF>", near: "n"`},
		{"Observed syntax: operand then AND", "n AND s = :s", p + `Syntax error; token: "AND", near: "n AND s"`},
		{"Observed syntax: dangling AND", "n = :n1 AND", p + `Syntax error; token: "<EOF>", near: "AND"`},
		{"Observed syntax: double comparator", "n = = :n1", p + `Syntax error; token: "=", near: "= = :n1"`},
		{"Observed syntax: literal number", "n = 5", p + `Syntax error; token: "5", near: "= 5"`},
		{"Observed syntax: bad character", "n = :n1 && s = :s", p + `Syntax error; token: "&", near: ":n1 &&"`},
		{"Observed syntax: unclosed paren", "(n = :n1", p + `Syntax error; token: "<EOF>", near: ":n1"`},
		{"Observed syntax: extra paren", "n = :n1)", p + `Syntax error; token: ")", near: ":n1)"`},
		{"Observed syntax: BETWEEN without AND", "n BETWEEN :n1 OR :n2", p + `Syntax error; token: "OR", near: ":n1 OR :n2"`},
		{"Observed syntax: IN without parens", "n IN :n1", p + `Syntax error; token: ":n1", near: "IN :n1"`},
		{"Observed syntax: empty IN", "n IN ()", p + `Syntax error; token: ")", near: "()"`},
		{"Observed syntax: keyword as name", "and = :n1", p + `Syntax error; token: "and", near: "and ="`},
		{"Attrs index must be a number", "l[x] = :n1", p + `Syntax error; token: "x", near: "[x]"`},
		{"Attrs index is non-negative", "l[-1] = :n1", p + `Syntax error; token: "-", near: "[-1"`},
		{"Attrs name cannot start with a digit", "1a = :n1", p + `Syntax error; token: "1", near: "1a"`},
		{"Names placeholder needs characters", "# = :n1", p + `Syntax error; token: "#", near: "# ="`},
		{"Values placeholder needs characters", "n = :", p + `Syntax error; token: ":", near: "= :"`},
		{"Observed condition as operand", "(n = :n1) = :n2", p + `Syntax error; token: "="`},
		{"Reserved bare reserved word", "status = :s", p + "Attribute name is a reserved keyword; reserved keyword: status"},
		{"Reserved case-insensitive", "Size = :s", p + "Attribute name is a reserved keyword; reserved keyword: Size"},
		{"Reserved in nested path", "m.comment = :s", p + "Attribute name is a reserved keyword; reserved keyword: comment"},
		{"Names undefined name", "#nope = :s", p + "An expression attribute name used in the document path is not defined; attribute name: #nope"},
		{"Values undefined value", "n = :nope", p + "An expression attribute value used in expression is not defined; attribute value: :nope"},
		{"OpsFuncs unknown function", "foo(n)", p + "Invalid function name; function: foo"},
		{"OpsFuncs function names are case-sensitive", "ATTRIBUTE_EXISTS(n)", p + "Invalid function name; function: ATTRIBUTE_EXISTS"},
		{"OpsFuncs size alone is not a condition", "size(s)", p + "The function is not allowed to be used this way in an expression; function: size"},
		{"OpsFuncs boolean function as operand", "begins_with(s, :he) = :true", p + "The function is not allowed to be used this way in an expression; function: begins_with"},
		{"OpsFuncs attribute_exists needs a path", "attribute_exists(:s)", p + "Operator or function requires a document path; operator or function: attribute_exists"},
		{"OpsFuncs attribute_not_exists needs a path", "attribute_not_exists(:s)", p + "Operator or function requires a document path; operator or function: attribute_not_exists"},
		{"OpsFuncs wrong operand count", "attribute_exists(n, s)", p + "Incorrect number of operands for operator or function; operator or function: attribute_exists, number of operands: 2"},
		{"OpsFuncs wrong operand count for contains", "contains(s)", p + "Incorrect number of operands for operator or function; operator or function: contains, number of operands: 1"},
		{"OpsFuncs attribute_type invalid type", "attribute_type(s, :tBad)", p + "Invalid attribute type name found; type: STRING, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}"},
		{"OpsFuncs attribute_type needs a string", "attribute_type(s, :n1)", p + "Incorrect operand type for operator or function; operator or function: attribute_type, operand type: N"},
		{"OpsFuncs attribute_type needs a value", "attribute_type(s, n)", p + "Incorrect operand type for operator or function; operator or function: attribute_type, operand type: {NS,SS,L,BS,N,M,B,BOOL,NULL,S}"},
		{"OpsFuncs begins_with a number", "begins_with(s, :n1)", p + "Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"},
		{"OpsFuncs begins_with a list", "begins_with(s, :l)", p + "Incorrect operand type for operator or function; operator or function: begins_with, operand type: L"},
		{"OpsFuncs size of a number", "size(:n1) > :n0", p + "Incorrect operand type for operator or function; operator or function: size, operand type: N"},
		{"OpsFuncs size of size", "size(size(s)) > :n0", p + "Incorrect operand type for operator or function; operator or function: size, operand type: N"},
		{"OpsFuncs BETWEEN upper bound below lower", "n BETWEEN :n10 AND :n1", p + "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:10}, upper bound operand: AttributeValue: {N:1}"},
		{"OpsFuncs BETWEEN bounds of different types", "n BETWEEN :n1 AND :s", p + "The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:hello}"},
		{"Observed identical operands", "n = n", p + "The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [n]"},
		{"Observed identical operands via placeholder", "contains(#a, a)", p + "The first operand must be distinct from the remaining operands for this operator or function; operator: contains, first operand: [a]"},
		{"Observed redundant parentheses", "((n = :n1))", p + "The expression has redundant parentheses;"},
		{"Observed redundant parentheses on operand", "((n)) = :n1", p + "The expression has redundant parentheses;"},
		// Error order: syntax errors first, then the semantic categories.
		{"Observed syntax before reserved", "status = :s AND", p + "Syntax error;"},
		{"Observed unknown function before reserved", "status = :s AND foo(n)", p + "Invalid function name; function: foo"},
		{"Observed reserved before undefined", "#nope = :s AND status = :s", p + "Attribute name is a reserved keyword"},
	}
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			_, err := ParseCondition(KindCondition, c.expr, newEnv(t))
			wantErr(t, err, c.want)
		})
	}
}

func TestConditionErrorKindPrefix(t *testing.T) {
	// The prefix names the expression the error is in.
	_, err := ParseCondition(KindFilter, "#nope = :s", newEnv(t))
	wantErr(t, err, "Invalid FilterExpression: An expression attribute name used in the document path is not defined; attribute name: #nope")
}

func TestConditionINLimit(t *testing.T) {
	// OpsFuncs: IN takes up to 100 values.
	build := func(n int) string {
		s := "n IN ("
		for i := 0; i < n; i++ {
			if i > 0 {
				s += ","
			}
			s += ":n1"
		}
		return s + ")"
	}
	if _, err := ParseCondition(KindCondition, build(100), newEnv(t)); err != nil {
		t.Fatalf("100 operands: %v", err)
	}
	_, err := ParseCondition(KindCondition, build(101), newEnv(t))
	wantErr(t, err, "Invalid ConditionExpression: The IN operator is provided with too many operands; number of operands: 101")
}

func TestExpressionLengthLimit(t *testing.T) {
	// Quotas: expression strings are at most 4 KB.
	long := "n = :n1"
	for len(long) <= MaxExpressionLength {
		long += " OR n = :n1"
	}
	_, err := ParseCondition(KindCondition, long, newEnv(t))
	wantErr(t, err, "Invalid ConditionExpression: Expression size has exceeded the maximum allowed size")
}

func TestConditionPaths(t *testing.T) {
	c, err := ParseCondition(KindCondition, "#m.#k = :x AND size(l[1]) > :n0 OR contains(#dot, :x)", newEnv(t))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range c.Paths() {
		got = append(got, p.String())
	}
	want := []string{"m.k", "l[1]", "x.y"}
	if len(got) != len(want) {
		t.Fatalf("Paths = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Paths = %q, want %q", got, want)
		}
	}
}

func TestConditionString(t *testing.T) {
	cases := []struct{ in, want string }{
		{"n = :n1", "n = :n1"},
		{"(n = :n1)", "n = :n1"},
		{"#s = :s and NOT (n < :n1 OR n > :n2)", "#s = :s AND NOT (n < :n1 OR n > :n2)"},
		{"(n = :n1 OR n = :n2) AND s = :s", "(n = :n1 OR n = :n2) AND s = :s"},
		{"n = :n1 OR (n = :n2 OR n = :n3)", "n = :n1 OR n = :n2 OR n = :n3"},
		{"n between :n1 and :n2", "n BETWEEN :n1 AND :n2"},
		{"n in (:n1,:n2)", "n IN (:n1, :n2)"},
		{"size(#m.#k) >= :n1", "size(#m.#k) >= :n1"},
		{"begins_with(l[0] , :x)", "begins_with(l[0], :x)"},
		{"NOT NOT n = :n1", "NOT NOT n = :n1"},
		{"NOT (n = :n1 AND s = :s)", "NOT (n = :n1 AND s = :s)"},
	}
	for _, c := range cases {
		env := newEnv(t)
		cond, err := ParseCondition(KindCondition, c.in, env)
		if err != nil {
			t.Fatalf("%q: %v", c.in, err)
		}
		if got := cond.String(); got != c.want {
			t.Errorf("String(%q) = %q, want %q", c.in, got, c.want)
		}
		again, err := ParseCondition(KindCondition, cond.String(), env)
		if err != nil || again.String() != cond.String() {
			t.Errorf("re-parse of %q: %v %v", cond.String(), again, err)
		}
	}
}

func TestEnvCheckUnused(t *testing.T) {
	env := &Env{
		Names:  map[string]string{"#a": "a", "#b": "b", "#c": "c"},
		Values: mustItem(t, `{":x": {"S": "1"}, ":y": {"S": "2"}, ":z": {"S": "3"}}`),
	}
	// Names: "every expression attribute name supplied must be used" — across all expressions.
	if _, err := ParseCondition(KindCondition, "#c = :x", env); err != nil {
		t.Fatal(err)
	}
	wantErr(t, env.CheckUnused(), "Value provided in ExpressionAttributeNames unused in expressions: keys: {#a, #b}")
	if _, err := ParseProjection("#a, #b", env); err != nil {
		t.Fatal(err)
	}
	wantErr(t, env.CheckUnused(), "Value provided in ExpressionAttributeValues unused in expressions: keys: {:y, :z}")
	if _, err := ParseUpdate("SET a = :y, b = :z", env); err != nil {
		t.Fatal(err)
	}
	if err := env.CheckUnused(); err != nil {
		t.Fatalf("all used: %v", err)
	}
	var nilEnv *Env
	if err := nilEnv.CheckUnused(); err != nil {
		t.Fatal(err)
	}
}

func TestReservedWords(t *testing.T) {
	// Reserved: the full list has 573 words; the check is case-insensitive.
	if len(reservedWords) != 573 {
		t.Fatalf("reserved words: %d, want 573", len(reservedWords))
	}
	for _, w := range []string{"ABORT", "status", "Comment", "zone", "DATA", "name", "size"} {
		if !IsReserved(w) {
			t.Errorf("%s should be reserved", w)
		}
	}
	for _, w := range []string{"id", "pk", "email", "attribute_exists", "abc"} {
		if IsReserved(w) {
			t.Errorf("%s should not be reserved", w)
		}
	}
}

func BenchmarkEval(b *testing.B) {
	item := mustItem(b, testItemJSON)
	c, err := ParseCondition(KindCondition, "attribute_exists(id) AND n BETWEEN :n1 AND :n10 AND (begins_with(s, :he) OR contains(ss, :a)) AND size(l) > :n1 AND m.deep.z = :n3", newEnv(b))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if ok, _ := c.Eval(item); !ok {
			b.Fatal("false")
		}
	}
}
