package expr

import (
	"testing"
)

// Projection doc section: "Using projection expressions" (Expressions.ProjectionExpressions).

func TestProject(t *testing.T) {
	item := mustItem(t, testItemJSON)
	cases := []struct {
		doc, expr, want string
	}{
		{"Projection top-level attributes", "id, n", `{"id":{"S":"k1"},"n":{"N":"5"}}`},
		{"Projection placeholders", "#s, #dot", `{"status":{"S":"open"},"x.y":{"S":"dot"}}`},
		{"Projection nested map element keeps its nesting", "m.deep.z", `{"m":{"M":{"deep":{"M":{"z":{"N":"3"}}}}}}`},
		{"Projection list element keeps its nesting", "l[2].c", `{"l":{"L":[{"M":{"c":{"S":"d"}}}]}}`},
		{"Projection several list elements keep list order", "l[2], l[0]", `{"l":{"L":[{"S":"x"},{"M":{"c":{"S":"d"}}}]}}`},
		{"Projection siblings merge", "m.k, m.deep", `{"m":{"M":{"k":{"S":"v"},"deep":{"M":{"z":{"N":"3"}}}}}}`},
		{"Projection missing attributes are skipped", "nope, n", `{"n":{"N":"5"}}`},
		{"Projection missing nested element is skipped", "m.nope, l[9], s.x", `{}`},
		{"Projection whole map", "m", `{"m":{"M":{"k":{"S":"v"},"deep":{"M":{"z":{"N":"3"}}},"lst":{"L":[{"N":"1"}]}}}}`},
	}
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			paths, err := ParseProjection(c.expr, newEnv(t))
			if err != nil {
				t.Fatalf("%s: %v", c.doc, err)
			}
			before := itemJSON(item)
			got := Project(item, paths)
			if g := itemJSON(got); g != itemJSON(mustItem(t, c.want)) {
				t.Fatalf("%s:\n got %s\nwant %s", c.doc, g, c.want)
			}
			if itemJSON(item) != before {
				t.Fatal("Project modified its item")
			}
		})
	}
	// The projection shares no memory with the item.
	paths, _ := ParseProjection("m", newEnv(t))
	out := Project(item, paths)
	out["m"].Map["k"] = out["n"]
	if v := item["m"].Map["k"]; v.Str != "v" {
		t.Fatal("projection aliases the item")
	}
	if got := Project(nil, paths); len(got) != 0 {
		t.Fatalf("projection of a nil item: %v", got)
	}
}

func TestProjectionErrors(t *testing.T) {
	const p = "Invalid ProjectionExpression: "
	cases := []struct {
		doc, expr, want string
	}{
		{"Observed empty", "", p + "The expression can not be empty;"},
		{"Observed trailing comma", "a,", p + `Syntax error; token: "<EOF>", near: ","`},
		{"Observed missing comma", "a b", p + `Syntax error; token: "b", near: "a b"`},
		{"Observed value in projection", ":s", p + `Syntax error; token: ":s", near: ":s"`},
		{"Reserved word", "id, name", p + "Attribute name is a reserved keyword; reserved keyword: name"},
		{"Names undefined", "#nope", p + "An expression attribute name used in the document path is not defined; attribute name: #nope"},
		{"Observed overlap", "a, a.b", p + "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]"},
		{"Observed duplicate", "a, #a", p + "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]"},
		{"Observed conflict", "a[0], a.b", p + "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, [0]], path two: [a, b]"},
	}
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			_, err := ParseProjection(c.expr, newEnv(t))
			wantErr(t, err, c.want)
		})
	}
}
