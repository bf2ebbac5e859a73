package expr

import (
	"testing"

	"holdfast/shared/localcloud/dynamo/attr"
)

// Update doc sections: "Using update expressions" (Expressions.UpdateExpressions): SET, SET
// arithmetic, SET list_append, SET if_not_exists, REMOVE, ADD, DELETE.

func TestUpdateApply(t *testing.T) {
	cases := []struct {
		doc, expr, item, want string
	}{
		{"SET adds an attribute", "SET a = :s", `{}`, `{"a":{"S":"hello"}}`},
		{"SET to a missing item", "SET a = :s, b = :n1", ``, `{"a":{"S":"hello"},"b":{"N":"1"}}`},
		{"SET replaces an attribute", "SET a = :n1", `{"a":{"S":"x"}}`, `{"a":{"N":"1"}}`},
		{"SET keywords are case-insensitive", "set a = :n1", `{}`, `{"a":{"N":"1"}}`},
		{"SET a map value", "SET a = :m", `{}`, `{"a":{"M":{"k":{"S":"v"}}}}`},
		{"SET nested map element", "SET m.k = :n1", `{"m":{"M":{}}}`, `{"m":{"M":{"k":{"N":"1"}}}}`},
		{"SET nested via placeholders", "SET #m.#k = :n1", `{"m":{"M":{"k":{"S":"x"}}}}`, `{"m":{"M":{"k":{"N":"1"}}}}`},
		{"SET list element replaces", "SET l[1] = :x", `{"l":{"L":[{"S":"a"},{"S":"b"}]}}`, `{"l":{"L":[{"S":"a"},{"S":"x"}]}}`},
		{"SET list index past the end appends", "SET l[7] = :x", `{"l":{"L":[{"S":"a"}]}}`, `{"l":{"L":[{"S":"a"},{"S":"x"}]}}`},
		{"SET inside a list element", "SET l[0].c = :x", `{"l":{"L":[{"M":{}}]}}`, `{"l":{"L":[{"M":{"c":{"S":"x"}}}]}}`},
		{"SET copies another attribute", "SET a = b", `{"b":{"L":[{"S":"q"}]}}`, `{"a":{"L":[{"S":"q"}]},"b":{"L":[{"S":"q"}]}}`},
		{"SET evaluates against the item before the update", "SET a = b, b = a", `{"a":{"N":"1"},"b":{"N":"2"}}`, `{"a":{"N":"2"},"b":{"N":"1"}}`},
		{"SET arithmetic +", "SET n = n + :n2", `{"n":{"N":"5"}}`, `{"n":{"N":"7"}}`},
		{"SET arithmetic -", "SET n = n - :n10", `{"n":{"N":"5"}}`, `{"n":{"N":"-5"}}`},
		{"SET arithmetic is exact", "SET n = :tenth + :fifth", `{}`, `{"n":{"N":"0.3"}}`},
		{"SET arithmetic negative", "SET n = n + :neg", `{"n":{"N":"2.5"}}`, `{"n":{"N":"0"}}`},
		{"SET arithmetic on two paths", "SET n = a - b", `{"a":{"N":"1"},"b":{"N":"3"}}`, `{"a":{"N":"1"},"b":{"N":"3"},"n":{"N":"-2"}}`},
		{"SET parenthesised value", "SET n = (a + :n1)", `{"a":{"N":"1"}}`, `{"a":{"N":"1"},"n":{"N":"2"}}`},
		{"SET parenthesised operand", "SET n = (a) + (:n1)", `{"a":{"N":"1"}}`, `{"a":{"N":"1"},"n":{"N":"2"}}`},
		{"SET if_not_exists when missing", "SET n = if_not_exists(n, :n0) + :n1", `{}`, `{"n":{"N":"1"}}`},
		{"SET if_not_exists when present", "SET n = if_not_exists(n, :n0) + :n1", `{"n":{"N":"4"}}`, `{"n":{"N":"5"}}`},
		{"SET if_not_exists keeps the value", "SET s = if_not_exists(s, :s)", `{"s":{"S":"old"}}`, `{"s":{"S":"old"}}`},
		{"SET list_append at the end", "SET l = list_append(l, :l)", `{"l":{"L":[{"S":"a"}]}}`, `{"l":{"L":[{"S":"a"},{"S":"y"}]}}`},
		{"SET list_append at the start", "SET l = list_append(:l, l)", `{"l":{"L":[{"S":"a"}]}}`, `{"l":{"L":[{"S":"y"},{"S":"a"}]}}`},
		{"SET list_append with if_not_exists", "SET l = list_append(if_not_exists(l, :l), :l)", `{}`, `{"l":{"L":[{"S":"y"},{"S":"y"}]}}`},
		{"REMOVE an attribute", "REMOVE a, b", `{"a":{"S":"x"},"b":{"S":"y"},"c":{"S":"z"}}`, `{"c":{"S":"z"}}`},
		{"REMOVE a missing attribute", "REMOVE nope", `{"a":{"S":"x"}}`, `{"a":{"S":"x"}}`},
		{"REMOVE a nested map element", "REMOVE m.k", `{"m":{"M":{"k":{"S":"x"},"j":{"S":"y"}}}}`, `{"m":{"M":{"j":{"S":"y"}}}}`},
		{"REMOVE a list element shifts the rest", "REMOVE l[0]", `{"l":{"L":[{"S":"a"},{"S":"b"},{"S":"c"}]}}`, `{"l":{"L":[{"S":"b"},{"S":"c"}]}}`},
		{"REMOVE list elements by their original positions", "REMOVE l[0], l[2]", `{"l":{"L":[{"S":"a"},{"S":"b"},{"S":"c"},{"S":"d"}]}}`, `{"l":{"L":[{"S":"b"},{"S":"d"}]}}`},
		{"REMOVE past the end of a list", "REMOVE l[9]", `{"l":{"L":[{"S":"a"}]}}`, `{"l":{"L":[{"S":"a"}]}}`},
		{"REMOVE inside a missing map", "REMOVE m.k", `{}`, `{}`},
		{"ADD to a number", "ADD n :n2", `{"n":{"N":"5"}}`, `{"n":{"N":"7"}}`},
		{"ADD a negative number", "ADD n :neg", `{"n":{"N":"5"}}`, `{"n":{"N":"2.5"}}`},
		{"ADD to a missing number starts at 0", "ADD n :n2", `{}`, `{"n":{"N":"2"}}`},
		{"ADD to a set", "ADD ss :ss", `{"ss":{"SS":["a","b"]}}`, `{"ss":{"SS":["a","b","c"]}}`},
		{"ADD creates a set", "ADD ns :ns", `{}`, `{"ns":{"NS":["2","3"]}}`},
		{"ADD nested", "ADD m.n :n1", `{"m":{"M":{}}}`, `{"m":{"M":{"n":{"N":"1"}}}}`},
		{"DELETE from a set", "DELETE ss :ssa", `{"ss":{"SS":["a","b"]}}`, `{"ss":{"SS":["b"]}}`},
		{"DELETE the last elements removes the set", "DELETE ss :ssab", `{"ss":{"SS":["a","b"]}}`, `{}`},
		{"DELETE from a missing set", "DELETE ss :ssa", `{}`, `{}`},
		{"DELETE elements not in the set", "DELETE ss :ss", `{"ss":{"SS":["a"]}}`, `{"ss":{"SS":["a"]}}`},
		{"all four clauses in any order", "DELETE ss :ssa ADD n :n1 REMOVE r SET s = :s", `{"ss":{"SS":["a","b"]},"n":{"N":"1"},"r":{"BOOL":true}}`, `{"n":{"N":"2"},"s":{"S":"hello"},"ss":{"SS":["b"]}}`},
	}
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			u, err := ParseUpdate(c.expr, newEnv(t))
			if err != nil {
				t.Fatalf("%s: parse: %v", c.doc, err)
			}
			var item attr.Item
			if c.item != "" {
				item = mustItem(t, c.item)
			}
			before := itemJSON(item)
			got, err := u.Apply(item)
			if err != nil {
				t.Fatalf("%s: apply: %v", c.doc, err)
			}
			if g := itemJSON(got); g != itemJSON(mustItem(t, c.want)) {
				t.Fatalf("%s:\n got %s\nwant %s", c.doc, g, c.want)
			}
			if itemJSON(item) != before {
				t.Fatalf("Apply modified its input: %s", itemJSON(item))
			}
		})
	}
}

func TestUpdateApplyErrors(t *testing.T) {
	cases := []struct {
		doc, expr, item, want string
	}{
		{"SET nested path without its parent", "SET m.k = :s", `{}`, "The document path provided in the update expression is invalid for update"},
		{"SET nested path under a scalar", "SET m.k = :s", `{"m":{"S":"x"}}`, "The document path provided in the update expression is invalid for update"},
		{"SET index into a map", "SET m[0] = :s", `{"m":{"M":{}}}`, "The document path provided in the update expression is invalid for update"},
		{"SET deep path past the end of a list", "SET l[3].k = :s", `{"l":{"L":[]}}`, "The document path provided in the update expression is invalid for update"},
		{"SET operand that does not exist", "SET a = nope", `{}`, "The provided expression refers to an attribute that does not exist in the item"},
		{"SET arithmetic on a missing attribute", "SET n = n + :n1", `{}`, "The provided expression refers to an attribute that does not exist in the item"},
		{"SET arithmetic on a string", "SET n = s + :n1", `{"s":{"S":"x"}}`, "An operand in the update expression has an incorrect data type"},
		{"SET list_append of a non-list", "SET l = list_append(s, :l)", `{"s":{"S":"x"}}`, "An operand in the update expression has an incorrect data type"},
		{"SET arithmetic beyond 38 digits", "SET n = n + :tiny", `{"n":{"N":"1E+30"}}`, "Attempting to store more than 38 significant digits in a Number"},
		{"SET arithmetic overflow", "SET n = n + :e125", `{"n":{"N":"9E+125"}}`, "Number overflow"},
		{"ADD to a string", "ADD s :n1", `{"s":{"S":"x"}}`, "An operand in the update expression has an incorrect data type"},
		{"ADD a set of another type", "ADD ss :ns", `{"ss":{"SS":["a"]}}`, "An operand in the update expression has an incorrect data type"},
		{"ADD a number to a set", "ADD ss :n1", `{"ss":{"SS":["a"]}}`, "An operand in the update expression has an incorrect data type"},
		{"ADD beyond 38 digits", "ADD n :tiny", `{"n":{"N":"1E+30"}}`, "Attempting to store more than 38 significant digits in a Number"},
		{"DELETE from a set of another type", "DELETE ss :ns", `{"ss":{"SS":["a"]}}`, "An operand in the update expression has an incorrect data type"},
		{"DELETE from a non-set", "DELETE s :ss", `{"s":{"S":"a"}}`, "An operand in the update expression has an incorrect data type"},
		{"REMOVE through a scalar", "REMOVE s.k", `{"s":{"S":"a"}}`, "The document path provided in the update expression is invalid for update"},
	}
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			u, err := ParseUpdate(c.expr, newEnv(t))
			if err != nil {
				t.Fatalf("%s: parse: %v", c.doc, err)
			}
			item := mustItem(t, c.item)
			before := itemJSON(item)
			_, err = u.Apply(item)
			wantErr(t, err, c.want)
			if itemJSON(item) != before {
				t.Fatalf("failed Apply modified its input")
			}
		})
	}
}

func TestUpdateParseErrors(t *testing.T) {
	const p = "Invalid UpdateExpression: "
	cases := []struct {
		doc, expr, want string
	}{
		{"Observed empty expression", "", p + "The expression can not be empty;"},
		{"Update empty SET clause", "SET", p + `Syntax error; token: "<EOF>", near: "SET"`},
		{"Update empty clause before another", "SET REMOVE a", p + `Syntax error; token: "REMOVE", near: "SET REMOVE a"`},
		{"Update missing value", "SET a =", p + `Syntax error; token: "<EOF>", near: "="`},
		{"Update missing operand of +", "SET a = b +", p + `Syntax error; token: "<EOF>", near: "+"`},
		{"Update unknown operator", "SET a = b * :n1", p + `Syntax error; token: "*", near: "b * :n1"`},
		{"Update no clause keyword", "a = :s", p + `Syntax error; token: "a", near: "a ="`},
		{"Update trailing comma", "REMOVE a,", p + `Syntax error; token: "<EOF>", near: ","`},
		{"Update ADD needs a value", "ADD a b", p + `Syntax error; token: "b", near: "a b"`},
		{"Update ADD without value", "ADD a", p + `Syntax error; token: "<EOF>", near: "a"`},
		{"Update missing comma", "SET a = :s b = :s", p + `Syntax error; token: "b", near: ":s b ="`},
		{"Update clause keyword as a name", "SET set = :s", p + `Syntax error; token: "set", near: "SET set ="`},
		{"Update each clause at most once", "SET a = :s REMOVE b SET c = :s", p + `The "SET" section can only be used once in an update expression;`},
		{"Update each clause at most once (REMOVE)", "REMOVE a remove b", p + `The "REMOVE" section can only be used once in an update expression;`},
		{"Reserved name in update", "SET status = :s", p + "Attribute name is a reserved keyword; reserved keyword: status"},
		{"Names undefined", "SET #nope = :s", p + "An expression attribute name used in the document path is not defined; attribute name: #nope"},
		{"Values undefined", "SET a = :nope", p + "An expression attribute value used in expression is not defined; attribute value: :nope"},
		{"Observed overlapping paths", "SET a = :s, a.b = :s", p + "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]"},
		{"Observed same path twice", "SET a = :s REMOVE a", p + "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]"},
		{"Observed same path through a placeholder", "SET a = :s ADD #a :n1", p + "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]"},
		{"Observed conflicting paths", "SET l[0] = :s, l.b = :s", p + "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [l, [0]], path two: [l, b]"},
		{"Update unknown function", "SET a = foo(b)", p + "Invalid function name; function: foo"},
		{"Update condition functions are not update functions", "SET a = size(b)", p + "Invalid function name; function: size"},
		{"Update function names are case-sensitive", "SET a = LIST_APPEND(a, :l)", p + "Invalid function name; function: LIST_APPEND"},
		{"Update if_not_exists needs a path", "SET a = if_not_exists(:s, :s)", p + "Operator or function requires a document path; operator or function: if_not_exists"},
		{"Update if_not_exists operand count", "SET a = if_not_exists(a)", p + "Incorrect number of operands for operator or function; operator or function: if_not_exists, number of operands: 1"},
		{"Update list_append needs lists", "SET a = list_append(a, :s)", p + "Incorrect operand type for operator or function; operator or function: list_append, operand type: S"},
		{"Update + needs numbers", "SET a = a + :s", p + "Incorrect operand type for operator or function; operator or function: +, operand type: S"},
		{"Update - needs numbers", "SET a = :l - a", p + "Incorrect operand type for operator or function; operator or function: -, operand type: L"},
		{"Update ADD supports only numbers and sets", "ADD a :s", p + "Incorrect operand type for operator or function; operator: ADD, operand type: STRING"},
		{"Update ADD of a list", "ADD a :l", p + "Incorrect operand type for operator or function; operator: ADD, operand type: LIST"},
		{"Update DELETE supports only sets", "DELETE a :n1", p + "Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER"},
		{"Observed reserved reported before sections", "SET a = :s SET status = :s", p + "Attribute name is a reserved keyword"},
	}
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			_, err := ParseUpdate(c.expr, newEnv(t))
			wantErr(t, err, c.want)
		})
	}
}

func TestUpdateResultSharesNoMemory(t *testing.T) {
	item := mustItem(t, `{"a":{"L":[{"S":"x"}]},"m":{"M":{"k":{"S":"v"}}},"ss":{"SS":["a"]}}`)
	u, err := ParseUpdate("SET b = a, c = m ADD ss :ss", newEnv(t))
	if err != nil {
		t.Fatal(err)
	}
	out, err := u.Apply(item)
	if err != nil {
		t.Fatal(err)
	}
	before := itemJSON(item)
	out["a"].List[0] = attr.Str("changed")
	out["b"].List[0] = attr.Str("changed")
	out["c"].Map["k"] = attr.Str("changed")
	out["m"].Map["k"] = attr.Str("changed")
	out["ss"].Set[0] = "changed"
	if itemJSON(item) != before {
		t.Fatalf("result aliases the input: %s", itemJSON(item))
	}
}

func TestUpdatePathsAndString(t *testing.T) {
	env := newEnv(t)
	u, err := ParseUpdate("add #n :n1 set #m.#k = if_not_exists(#m.#k, :n0) + :n1, l[3] = list_append(:l, l) delete ss :ss remove r, q[0]", env)
	if err != nil {
		t.Fatal(err)
	}
	const want = "SET #m.#k = if_not_exists(#m.#k, :n0) + :n1, l[3] = list_append(:l, l) REMOVE r, q[0] ADD #n :n1 DELETE ss :ss"
	if got := u.String(); got != want {
		t.Fatalf("String:\n got %s\nwant %s", got, want)
	}
	again, err := ParseUpdate(u.String(), env)
	if err != nil || again.String() != want {
		t.Fatalf("re-parse: %v %v", again, err)
	}
	var paths []string
	for _, p := range u.Paths() {
		paths = append(paths, p.String())
	}
	wantPaths := []string{"m.k", "l[3]", "r", "q[0]", "n", "ss"}
	if len(paths) != len(wantPaths) {
		t.Fatalf("Paths = %q, want %q", paths, wantPaths)
	}
	for i := range paths {
		if paths[i] != wantPaths[i] {
			t.Fatalf("Paths = %q, want %q", paths, wantPaths)
		}
	}
}
