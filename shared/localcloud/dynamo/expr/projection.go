package expr

import (
	"sort"

	"holdfast/shared/localcloud/dynamo/attr"
)

// ParseProjection parses a ProjectionExpression: "one or more attributes, separated by commas"
// (Developer Guide, "Using projection expressions"), each a document path. Paths must not
// overlap ("Two document paths overlap with each other; ...").
func ParseProjection(s string, env *Env) ([]Path, error) {
	p, err := newParser(KindProjection, s, env)
	if err != nil {
		return nil, err
	}
	var paths []Path
	for {
		ref, ok := p.parsePath(noKeywords)
		if !ok {
			break
		}
		paths = append(paths, ref.path)
		if !p.isPunct(",") {
			if p.peek().kind != tEOF {
				p.fail()
			}
			break
		}
		p.next()
	}
	if p.syntax != nil {
		return nil, p.syntax
	}
	checkPaths(paths, &p.errs)
	if err := p.result(projectionOrder); err != nil {
		return nil, err
	}
	return paths, nil
}

// projNode is a tree of projected paths: a leaf takes the whole value; inner nodes take the
// named map keys or list indexes below them.
type projNode struct {
	leaf  bool
	names map[string]*projNode
	idx   map[int]*projNode
}

func (n *projNode) child(e PathElem) *projNode {
	if e.IsIndex {
		if n.idx == nil {
			n.idx = map[int]*projNode{}
		}
		c := n.idx[e.Index]
		if c == nil {
			c = &projNode{}
			n.idx[e.Index] = c
		}
		return c
	}
	if n.names == nil {
		n.names = map[string]*projNode{}
	}
	c := n.names[e.Name]
	if c == nil {
		c = &projNode{}
		n.names[e.Name] = c
	}
	return c
}

// Project returns the attributes of item named by paths, keeping their nesting: projecting
// a.b[1] yields {a: {b: [element 1]}}; several indexes of one list keep their order. Missing
// paths are skipped, and so are maps and lists that end up empty because nothing below them
// exists (Developer Guide, "Using projection expressions": "If the attribute does not exist it
// is not included in the result"). The result shares no memory with item.
func Project(item attr.Item, paths []Path) attr.Item {
	root := &projNode{}
	for _, p := range paths {
		n := root
		for _, e := range p {
			n = n.child(e)
		}
		n.leaf = true
	}
	out := attr.Item{}
	for name, n := range root.names {
		v, ok := item[name]
		if !ok {
			continue
		}
		if pv, ok := project(v, n); ok {
			out[name] = pv
		}
	}
	return out
}

func project(v attr.Value, n *projNode) (attr.Value, bool) {
	if n.leaf {
		return v.Clone(), true
	}
	switch {
	case v.Kind == attr.M && n.names != nil:
		m := map[string]attr.Value{}
		for k, c := range n.names {
			if cv, ok := v.Map[k]; ok {
				if pv, ok := project(cv, c); ok {
					m[k] = pv
				}
			}
		}
		if len(m) == 0 {
			return attr.Value{}, false
		}
		return attr.Value{Kind: attr.M, Map: m}, true
	case v.Kind == attr.L && n.idx != nil:
		idx := make([]int, 0, len(n.idx))
		for i := range n.idx {
			idx = append(idx, i)
		}
		sort.Ints(idx)
		var l []attr.Value
		for _, i := range idx {
			if i < len(v.List) {
				if pv, ok := project(v.List[i], n.idx[i]); ok {
					l = append(l, pv)
				}
			}
		}
		if len(l) == 0 {
			return attr.Value{}, false
		}
		return attr.Value{Kind: attr.L, List: l}, true
	}
	return attr.Value{}, false
}
