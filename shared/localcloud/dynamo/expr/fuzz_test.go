package expr

import (
	"sync"
	"testing"

	"holdfast/shared/localcloud/dynamo/attr"
)

var (
	fuzzOnce   sync.Once
	fuzzValues map[string]attr.Value
	fuzzItems  []attr.Item
)

func fuzzSetup(t testing.TB) {
	t.Helper()
	fuzzOnce.Do(func() {
		fuzzValues = mustItem(t, testValuesJSON)
		fuzzItems = []attr.Item{
			nil,
			{},
			mustItem(t, testItemJSON),
			mustItem(t, `{"a":{"L":[{"L":[{"N":"1"}]},{"M":{"b":{"SS":["x"]}}}]},"n":{"N":"-1E-130"},"s":{"S":""}}`),
		}
	})
}

func fuzzEnv(t testing.TB) *Env {
	t.Helper()
	fuzzSetup(t)
	return &Env{Names: testNames, Values: fuzzValues}
}

var conditionSeeds = []string{
	"a = :s", "#s = :s AND (b < :n1 OR NOT c >= :n2)", "size(#m.#k) >= :n1", "a.b[1].c <> :x",
	"attribute_exists(a) AND attribute_not_exists(b[0])", "attribute_type(s, :tS)", "begins_with(s, :he)",
	"contains(ss, :a) OR contains(l, :n1)", "n BETWEEN :n1 AND :n10", "n IN (:n1, :n2, :n3)", "((a = :s))",
	"(a) = :s", "NOT NOT a = :s", "a", "size(a)", "foo(a)", "a = a", "status = :s", "#nope = :s", "a = :nope",
	"n BETWEEN :n10 AND :n1", "a = :s AND", "a = = :s", "(a = :s) = :s", "l[99999999999] = :s", "a.#dot[0] = :x",
	"size(size(a)) > :n0", "attribute_exists(:s)", "x IN ()", "pk = :s AND begins_with(sk, :he)", "a,b.c",
}

func FuzzParseCondition(f *testing.F) {
	for _, s := range conditionSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCondition(KindCondition, s, fuzzEnv(t))
		if err == nil {
			checkConditionRoundTrip(t, s, c)
		} else if _, ok := err.(*Error); !ok {
			t.Fatalf("error of type %T", err)
		}
		// The other parsers share the tokenizer and path grammar: none may panic.
		if kc, err := ParseKeyCondition(s, fuzzEnv(t)); err == nil {
			_ = kc.Resolve("pk", "sk")
		}
		if paths, err := ParseProjection(s, fuzzEnv(t)); err == nil {
			for _, it := range fuzzItems {
				Project(it, paths)
			}
		}
	})
}

func checkConditionRoundTrip(t *testing.T, src string, c *Condition) {
	t.Helper()
	printed := c.String()
	again, err := ParseCondition(KindCondition, printed, fuzzEnv(t))
	if err != nil {
		t.Fatalf("%q printed as %q, which does not parse: %v", src, printed, err)
	}
	if again.String() != printed {
		t.Fatalf("%q printed as %q, re-printed as %q", src, printed, again.String())
	}
	_ = c.Paths()
}

func FuzzEvalCondition(f *testing.F) {
	for _, s := range conditionSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCondition(KindFilter, s, fuzzEnv(t))
		if err != nil {
			return
		}
		for _, it := range fuzzItems {
			before := itemJSON(it)
			if _, err := c.Eval(it); err != nil {
				if _, ok := err.(*Error); !ok {
					t.Fatalf("error of type %T", err)
				}
			}
			if itemJSON(it) != before {
				t.Fatalf("Eval(%q) modified its item", s)
			}
		}
	})
}

var updateSeeds = []string{
	"SET a = :s", "SET a = b + :n1, c = list_append(c, :l) REMOVE d ADD e :n1 DELETE ss :ss",
	"SET #m.#k = if_not_exists(#m.#k, :n0) + :n1", "SET l[5] = :x", "REMOVE l[0], l[2], m.k",
	"ADD ns :ns, n :n1", "DELETE ss :ssa", "SET a = (b + :n1)", "SET a = (b) - (:n1)", "SET a = b, b = a",
	"SET a = :s SET b = :s", "SET a = :s, a.b = :s", "SET l[0] = :s, l.b = :s", "SET", "SET a = size(b)",
	"ADD a :s", "DELETE a :n1", "set a = list_append(:l, if_not_exists(a, :l))", "SET a.b.c[1][2] = :m",
	"SET n = n + :tiny", "SET n = :big + :big", "REMOVE #dot", "SET a = if_not_exists(:s, :s)",
}

func FuzzParseUpdate(f *testing.F) {
	for _, s := range updateSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseUpdate(s, fuzzEnv(t))
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		printed := u.String()
		again, err := ParseUpdate(printed, fuzzEnv(t))
		if err != nil {
			t.Fatalf("%q printed as %q, which does not parse: %v", s, printed, err)
		}
		if again.String() != printed {
			t.Fatalf("%q printed as %q, re-printed as %q", s, printed, again.String())
		}
		_ = u.Paths()
	})
}

func FuzzApplyUpdate(f *testing.F) {
	for _, s := range updateSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseUpdate(s, fuzzEnv(t))
		if err != nil {
			return
		}
		for _, it := range fuzzItems {
			before := itemJSON(it)
			out, err := u.Apply(it)
			if itemJSON(it) != before {
				t.Fatalf("Apply(%q) modified its item", s)
			}
			if err != nil {
				if _, ok := err.(*Error); !ok {
					t.Fatalf("error of type %T", err)
				}
				continue
			}
			checkValid(t, s, out)
		}
	})
}

// checkValid asserts that an update produced only values DynamoDB can store: no empty or
// duplicated sets, numbers within limits.
func checkValid(t *testing.T, src string, it attr.Item) {
	t.Helper()
	var check func(v attr.Value)
	check = func(v attr.Value) {
		switch v.Kind {
		case attr.N:
			if _, err := attr.ParseNumber(v.Str); err != nil {
				t.Fatalf("%q stored invalid number %s: %v", src, v.Str, err)
			}
		case attr.SS, attr.NS, attr.BS:
			if len(v.Set) == 0 {
				t.Fatalf("%q stored an empty set", src)
			}
			seen := map[string]bool{}
			for _, e := range v.Set {
				if seen[e] {
					t.Fatalf("%q stored a set with duplicates", src)
				}
				seen[e] = true
			}
		case attr.L:
			for _, e := range v.List {
				check(e)
			}
		case attr.M:
			for _, e := range v.Map {
				check(e)
			}
		case attr.None:
			t.Fatalf("%q stored a value without a type", src)
		}
	}
	for _, v := range it {
		check(v)
	}
}
