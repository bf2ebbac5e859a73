package expr

import (
	"strconv"
	"strings"

	"holdfast/shared/localcloud/dynamo/attr"
)

// Path is a document path: a top-level name then .name and [index] steps.
//
// Developer Guide, "Referring to item attributes when using expressions"
// (Expressions.Attributes): a document path starts at a top-level attribute, "." dereferences a
// map element and "[n]" a list element (n a non-negative integer).
type Path []PathElem

// PathElem is one step of a Path: a map key (or the top-level attribute name) or a list index.
type PathElem struct {
	Name    string
	Index   int
	IsIndex bool
}

// String prints the path with the real attribute names, e.g. a.b[2].c. Names are printed as
// they are, so the result is for messages and logs; it is not re-parseable when a name needs an
// expression attribute name.
func (p Path) String() string { return p.format(func(i int) string { return p[i].Name }) }

// format prints the path with name(i) for each name element.
func (p Path) format(name func(i int) string) string {
	var b strings.Builder
	for i, e := range p {
		if e.IsIndex {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(e.Index))
			b.WriteByte(']')
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(name(i))
	}
	return b.String()
}

// bracketString prints the path as DynamoDB's messages do: [a, b, [2]].
func (p Path) bracketString() string {
	var b strings.Builder
	b.WriteByte('[')
	for i, e := range p {
		if i > 0 {
			b.WriteString(", ")
		}
		if e.IsIndex {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(e.Index))
			b.WriteByte(']')
		} else {
			b.WriteString(e.Name)
		}
	}
	b.WriteByte(']')
	return b.String()
}

func (p Path) equal(q Path) bool {
	if len(p) != len(q) {
		return false
	}
	for i := range p {
		if p[i] != q[i] {
			return false
		}
	}
	return true
}

func (p Path) clone() Path { return append(Path(nil), p...) }

// Lookup returns the value at p in item, and whether it exists. A step through a value of the
// wrong type (a name step into a non-map, an index step into a non-list) or an index past the
// end means the attribute does not exist. item may be nil.
func (p Path) Lookup(item attr.Item) (attr.Value, bool) {
	if len(p) == 0 {
		return attr.Value{}, false
	}
	v, ok := item[p[0].Name]
	if !ok {
		return attr.Value{}, false
	}
	for _, e := range p[1:] {
		if e.IsIndex {
			if v.Kind != attr.L || e.Index >= len(v.List) {
				return attr.Value{}, false
			}
			v = v.List[e.Index]
		} else {
			if v.Kind != attr.M {
				return attr.Value{}, false
			}
			if v, ok = v.Map[e.Name]; !ok {
				return attr.Value{}, false
			}
		}
	}
	return v, true
}

// pathRef is a parsed path together with the source spelling of each step, kept so that
// printing reproduces the #placeholders the expression used.
type pathRef struct {
	path Path
	toks []string // per step: the "#name" placeholder used, or "" for a bare name or an index
}

func (r pathRef) String() string {
	return r.path.format(func(i int) string {
		if i < len(r.toks) && r.toks[i] != "" {
			return r.toks[i]
		}
		return r.path[i].Name
	})
}

// parsePath parses a document path at the current token. isKeyword reports the grammar's
// keywords, which cannot be bare names (a syntax error, as in DynamoDB's grammar).
//
// Developer Guide, "Referring to item attributes" (document paths) and "Expression attribute
// names": a step is a bare name, a #placeholder resolved through ExpressionAttributeNames, or a
// [n] list index. A bare name that is a reserved word is an error (ReservedWords).
func (p *parser) parsePath(isKeyword func(string) bool) (pathRef, bool) {
	var r pathRef
	if !p.pathName(&r, isKeyword) {
		return r, false
	}
	for {
		switch {
		case p.isPunct("."):
			p.next()
			if !p.pathName(&r, isKeyword) {
				return r, false
			}
		case p.isPunct("["):
			p.next()
			t := p.peek()
			if t.kind != tNumber {
				p.fail()
				return r, false
			}
			n, err := strconv.Atoi(t.text)
			if err != nil || n > 1<<31-1 {
				p.fail()
				return r, false
			}
			p.next()
			if !p.expectPunct("]") {
				return r, false
			}
			r.path = append(r.path, PathElem{Index: n, IsIndex: true})
			r.toks = append(r.toks, "")
		default:
			return r, true
		}
	}
}

func (p *parser) pathName(r *pathRef, isKeyword func(string) bool) bool {
	t := p.peek()
	switch {
	case t.kind == tIdent && !isKeyword(t.text):
		if IsReserved(t.text) {
			p.errs.set(catReserved, "Attribute name is a reserved keyword; reserved keyword: %s", t.text)
		}
		r.path = append(r.path, PathElem{Name: t.text})
		r.toks = append(r.toks, "")
	case t.kind == tName:
		name, ok := p.env.name(t.text)
		if !ok {
			p.errs.set(catUndefined, "An expression attribute name used in the document path is not defined; attribute name: %s", t.text)
		}
		r.path = append(r.path, PathElem{Name: name})
		r.toks = append(r.toks, t.text)
	default:
		p.fail()
		return false
	}
	p.next()
	return true
}

// checkPaths reports the first pair of paths that overlap (one is a prefix of, or equal to, the
// other) or conflict (one indexes a list where the other names a map key), in DynamoDB's words.
// Update and projection expressions both require their paths to be disjoint (Developer Guide,
// "Using update expressions" / "Using projection expressions"; messages as DynamoDB returns
// them).
func checkPaths(paths []Path, errs *semErrs) {
	for j := 1; j < len(paths); j++ {
		for i := 0; i < j; i++ {
			a, b := paths[i], paths[j]
			if len(a) == 0 || len(b) == 0 {
				continue
			}
			overlap := true
			for k := 0; k < len(a) && k < len(b); k++ {
				if a[k].IsIndex != b[k].IsIndex {
					errs.set(catConflict, "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: %s, path two: %s", a.bracketString(), b.bracketString())
					overlap = false
					break
				}
				if a[k] != b[k] {
					overlap = false
					break
				}
			}
			if overlap {
				errs.set(catOverlap, "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: %s, path two: %s", a.bracketString(), b.bracketString())
				return
			}
		}
	}
}

func noKeywords(string) bool { return false }
