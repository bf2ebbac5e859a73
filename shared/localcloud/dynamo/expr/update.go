package expr

import (
	"sort"
	"strings"

	"holdfast/shared/localcloud/dynamo/attr"
)

// Update is a parsed UpdateExpression: its SET, REMOVE, ADD and DELETE actions.
//
// Developer Guide, "Using update expressions" (Expressions.UpdateExpressions):
//
//	update-expression ::= [ SET action [, action] ... ] [ REMOVE action [, action] ...]
//	    [ ADD action [, action] ... ] [ DELETE action [, action] ...]
//
// "You can include any of these clauses in an update expression, in any order. However, each
// action keyword can appear only once."
type Update struct {
	sets    []setAction
	removes []pathRef
	adds    []valueAction
	deletes []valueAction
}

type setAction struct {
	target pathRef
	val    *setValue
}

// setValue is the right side of a SET action: "value ::= operand | operand '+' operand |
// operand '-' operand".
type setValue struct {
	op   byte // 0, '+' or '-'
	a, b *updOperand
}

type updKind uint8

const (
	uPath updKind = iota
	uValue
	uIfNotExists // if_not_exists(path, value)
	uListAppend  // list_append(list1, list2)
)

// updOperand is "operand ::= path | function" of a SET action, where function is
// if_not_exists or list_append.
type updOperand struct {
	kind updKind
	ref  pathRef
	val  attr.Value
	tok  string
	args []*updOperand
}

// valueAction is an ADD or DELETE action: "path value".
type valueAction struct {
	target pathRef
	val    attr.Value
	tok    string
}

func updateKeyword(s string) bool {
	switch strings.ToUpper(s) {
	case "SET", "REMOVE", "ADD", "DELETE":
		return true
	}
	return false
}

// ParseUpdate parses an UpdateExpression, resolving placeholders against env.
func ParseUpdate(s string, env *Env) (*Update, error) {
	p, err := newParser(KindUpdate, s, env)
	if err != nil {
		return nil, err
	}
	u := &Update{}
	seen := map[string]bool{}
	var targets []Path
	for p.syntax == nil && p.peek().kind != tEOF {
		t := p.peek()
		if t.kind != tIdent || !updateKeyword(t.text) {
			p.fail()
			break
		}
		clause := strings.ToUpper(t.text)
		if seen[clause] {
			// Observed DynamoDB wording, e.g. The "SET" section can only be used once in an
			// update expression;
			p.errs.set(catSection, "The \"%s\" section can only be used once in an update expression;", clause)
		}
		seen[clause] = true
		p.next()
		for p.syntax == nil {
			ref, ok := p.parsePath(updateKeyword)
			if !ok {
				break
			}
			targets = append(targets, ref.path)
			switch clause {
			case "SET":
				// "SET action ::= path = value"
				if !p.expectPunct("=") {
					break
				}
				v := p.parseSetValue()
				u.sets = append(u.sets, setAction{target: ref, val: v})
			case "REMOVE":
				// "REMOVE action ::= path"
				u.removes = append(u.removes, ref)
			case "ADD", "DELETE":
				// "ADD action ::= path value"; "DELETE action ::= path subset"
				vt := p.peek()
				if vt.kind != tValue {
					p.fail()
					break
				}
				p.next()
				v := p.updValue(vt.text)
				p.checkAddDelete(clause, v)
				a := valueAction{target: ref, val: v, tok: vt.text}
				if clause == "ADD" {
					u.adds = append(u.adds, a)
				} else {
					u.deletes = append(u.deletes, a)
				}
			}
			if p.syntax != nil || !p.isPunct(",") {
				break
			}
			p.next()
		}
	}
	if p.syntax != nil {
		return nil, p.syntax
	}
	// "Two document paths overlap" / "conflict": every action must target a distinct,
	// non-nested path.
	checkPaths(targets, &p.errs)
	if err := p.result(updateOrder); err != nil {
		return nil, err
	}
	return u, nil
}

func (p *parser) updValue(tok string) attr.Value {
	v, ok := p.env.value(tok)
	if !ok {
		p.errs.set(catUndefinedValue, "An expression attribute value used in expression is not defined; attribute value: %s", tok)
	}
	return v
}

// typeNames are DynamoDB's names of data types in update operand type errors.
var typeNames = map[attr.Kind]string{attr.S: "STRING", attr.N: "NUMBER", attr.B: "BINARY", attr.NULL: "NULL", attr.BOOL: "BOOLEAN", attr.L: "LIST", attr.M: "MAP"}

// checkAddDelete validates an ADD or DELETE operand. Developer Guide, "Using update
// expressions": "The ADD action supports only number and set data types." "The DELETE action
// supports only set data types."
func (p *parser) checkAddDelete(clause string, v attr.Value) {
	if v.Kind == attr.None {
		return
	}
	if v.Kind.IsSet() || (clause == "ADD" && v.Kind == attr.N) {
		return
	}
	p.errs.set(catOperandType, "Incorrect operand type for operator or function; operator: %s, operand type: %s", clause, typeNames[v.Kind])
}

// parseSetValue parses "operand | operand + operand | operand - operand", optionally wrapped
// in parentheses.
func (p *parser) parseSetValue() *setValue {
	if p.isPunct("(") && !p.parenIsOperand() {
		p.next()
		v := p.parseSetValue()
		p.expectPunct(")")
		return v
	}
	a := p.parseUpdOperand()
	if p.syntax != nil {
		return &setValue{a: a}
	}
	if p.isPunct("+") || p.isPunct("-") {
		op := p.next().text[0]
		b := p.parseUpdOperand()
		p.checkArith(op, a, b)
		return &setValue{op: op, a: a, b: b}
	}
	return &setValue{a: a}
}

// parenIsOperand reports whether the "(" at the current token wraps a single operand followed
// by + or - (as in "(a) + :b") rather than a whole value (as in "(a + :b)"). It scans to the
// matching parenthesis.
func (p *parser) parenIsOperand() bool {
	depth := 0
	for i := p.pos; i < len(p.toks); i++ {
		t := p.toks[i]
		if t.kind == tPunct {
			switch t.text {
			case "(":
				depth++
			case ")":
				depth--
				if depth == 0 {
					n := p.toks[min(i+1, len(p.toks)-1)]
					return n.kind == tPunct && (n.text == "+" || n.text == "-")
				}
			}
		}
		if t.kind == tEOF {
			return false
		}
	}
	return false
}

// parseUpdOperand parses "( operand )" or an operand: a path, a value, if_not_exists(...) or
// list_append(...).
func (p *parser) parseUpdOperand() *updOperand {
	t := p.peek()
	switch {
	case t.kind == tPunct && t.text == "(":
		p.next()
		o := p.parseUpdOperand()
		p.expectPunct(")")
		return o
	case t.kind == tValue:
		p.next()
		return &updOperand{kind: uValue, val: p.updValue(t.text), tok: t.text}
	case t.kind == tIdent && !updateKeyword(t.text) && p.peekAt(1).kind == tPunct && p.peekAt(1).text == "(":
		p.next()
		p.next()
		var args []*updOperand
		for p.syntax == nil {
			args = append(args, p.parseUpdOperand())
			if p.syntax != nil || !p.isPunct(",") {
				break
			}
			p.next()
		}
		p.expectPunct(")")
		return p.checkUpdFunc(t.text, args)
	default:
		ref, _ := p.parsePath(updateKeyword)
		return &updOperand{kind: uPath, ref: ref}
	}
}

// checkUpdFunc validates a SET function call. Developer Guide, "Using update expressions":
// "function ::= if_not_exists (path, value) | list_append (list1, list2)" — "These function
// names are case-sensitive."
func (p *parser) checkUpdFunc(name string, args []*updOperand) *updOperand {
	var kind updKind
	switch name {
	case "if_not_exists":
		kind = uIfNotExists
	case "list_append":
		kind = uListAppend
	default:
		p.errs.set(catUnknownFunc, "Invalid function name; function: %s", name)
		return &updOperand{kind: uValue, tok: ":invalid"}
	}
	o := &updOperand{kind: kind, args: args}
	if len(args) != 2 {
		p.errs.set(catFunction, "Incorrect number of operands for operator or function; operator or function: %s, number of operands: %d", name, len(args))
		return o
	}
	switch kind {
	case uIfNotExists:
		if args[0].kind != uPath {
			p.errs.set(catFunction, "Operator or function requires a document path; operator or function: %s", name)
		}
	case uListAppend:
		for _, a := range args {
			if a.kind == uValue && a.val.Kind != attr.None && a.val.Kind != attr.L {
				p.errs.set(catFunction, "Incorrect operand type for operator or function; operator or function: %s, operand type: %s", name, a.val.Kind)
				break
			}
		}
	}
	return o
}

// checkArith validates constant operands of + and -: "SET myNum = myNum + :val ... to add or
// subtract from an attribute that is of type Number".
func (p *parser) checkArith(op byte, a, b *updOperand) {
	for _, x := range []*updOperand{a, b} {
		if x.kind == uValue && x.val.Kind != attr.None && x.val.Kind != attr.N {
			p.errs.set(catFunction, "Incorrect operand type for operator or function; operator or function: %c, operand type: %s", op, x.val.Kind)
			return
		}
	}
}

// ---- applying ----

// Runtime errors of UpdateItem, worded as DynamoDB words them.
var (
	errIncorrectType = &Error{Message: "An operand in the update expression has an incorrect data type"}
	errMissingAttr   = &Error{Message: "The provided expression refers to an attribute that does not exist in the item"}
	errInvalidPath   = &Error{Message: "The document path provided in the update expression is invalid for update"}
)

// Apply returns a new item with the actions applied; item (nil or empty when the item does not
// exist yet) is not modified and the result shares no memory with it.
//
// Developer Guide, "Using update expressions": "When an update expression contains multiple
// actions, DynamoDB evaluates every action against the item's attribute values as they were
// before the update." So every SET value is computed from the original item first; then SETs,
// REMOVEs, ADDs and DELETEs are applied (their paths never overlap). List elements named by
// REMOVE refer to the positions before the update: they are removed from the highest index
// down.
func (u *Update) Apply(item attr.Item) (attr.Item, error) {
	vals := make([]attr.Value, len(u.sets))
	for i, s := range u.sets {
		v, err := s.val.eval(item)
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	out := item.Clone()
	if out == nil {
		out = attr.Item{}
	}
	for i, s := range u.sets {
		if err := setPath(out, s.target.path, vals[i].Clone()); err != nil {
			return nil, err
		}
	}
	if len(u.removes) > 0 {
		rm := make([]Path, len(u.removes))
		for i, r := range u.removes {
			rm[i] = r.path
		}
		sort.Slice(rm, func(i, j int) bool { return pathLess(rm[j], rm[i]) })
		for _, p := range rm {
			if err := removePath(out, p); err != nil {
				return nil, err
			}
		}
	}
	for _, a := range u.adds {
		if err := addPath(out, a.target.path, a.val); err != nil {
			return nil, err
		}
	}
	for _, d := range u.deletes {
		if err := deletePath(out, d.target.path, d.val); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// pathLess orders paths step by step, list indexes numerically.
func pathLess(a, b Path) bool {
	for k := 0; k < len(a) && k < len(b); k++ {
		x, y := a[k], b[k]
		if x.IsIndex != y.IsIndex {
			return !x.IsIndex
		}
		if x.IsIndex && x.Index != y.Index {
			return x.Index < y.Index
		}
		if !x.IsIndex && x.Name != y.Name {
			return x.Name < y.Name
		}
	}
	return len(a) < len(b)
}

func (v *setValue) eval(item attr.Item) (attr.Value, error) {
	a, err := v.a.eval(item)
	if err != nil || v.op == 0 {
		return a, err
	}
	b, err := v.b.eval(item)
	if err != nil {
		return attr.Value{}, err
	}
	if a.Kind != attr.N || b.Kind != attr.N {
		return attr.Value{}, errIncorrectType
	}
	// Exact decimal arithmetic; the result must fit DynamoDB's number limits.
	x, y := a.Decimal(), b.Decimal()
	r := x.Add(y)
	if v.op == '-' {
		r = x.Sub(y)
	}
	if err := attr.CheckNumber(r); err != nil {
		return attr.Value{}, asExprError(err)
	}
	return attr.Value{Kind: attr.N, Str: attr.FormatNumber(r)}, nil
}

func (o *updOperand) eval(item attr.Item) (attr.Value, error) {
	switch o.kind {
	case uPath:
		v, ok := o.ref.path.Lookup(item)
		if !ok {
			return attr.Value{}, errMissingAttr
		}
		return v, nil
	case uValue:
		return o.val, nil
	case uIfNotExists:
		// "if_not_exists (path, value): If the item does not contain an attribute at the
		// specified path, if_not_exists evaluates to value; otherwise, it evaluates to path."
		if v, ok := o.args[0].ref.path.Lookup(item); ok {
			return v, nil
		}
		return o.args[1].eval(item)
	case uListAppend:
		// "list_append (list1, list2): The function takes two lists as input and appends all
		// elements from list2 to list1."
		a, err := o.args[0].eval(item)
		if err != nil {
			return attr.Value{}, err
		}
		b, err := o.args[1].eval(item)
		if err != nil {
			return attr.Value{}, err
		}
		if a.Kind != attr.L || b.Kind != attr.L {
			return attr.Value{}, errIncorrectType
		}
		l := make([]attr.Value, 0, len(a.List)+len(b.List))
		return attr.Value{Kind: attr.L, List: append(append(l, a.List...), b.List...)}, nil
	}
	return attr.Value{}, errIncorrectType
}

// setPath stores v at p. "SET — modifying or adding item attributes": a nested path needs its
// parent map or list to exist; setting a list index past the end appends the element ("If you
// add an element at an index beyond the end of the list, DynamoDB appends it").
func setPath(out attr.Item, p Path, v attr.Value) error {
	if len(p) == 1 {
		out[p[0].Name] = v
		return nil
	}
	top, ok := out[p[0].Name]
	if !ok {
		return errInvalidPath
	}
	nt, err := setIn(top, p[1:], v)
	if err != nil {
		return err
	}
	out[p[0].Name] = nt
	return nil
}

// setIn sets v at rest inside container c (owned by the output item) and returns c updated.
func setIn(c attr.Value, rest Path, v attr.Value) (attr.Value, error) {
	e := rest[0]
	if e.IsIndex {
		if c.Kind != attr.L {
			return c, errInvalidPath
		}
		if len(rest) == 1 {
			if e.Index < len(c.List) {
				c.List[e.Index] = v
			} else {
				c.List = append(c.List, v)
			}
			return c, nil
		}
		if e.Index >= len(c.List) {
			return c, errInvalidPath
		}
		child, err := setIn(c.List[e.Index], rest[1:], v)
		if err != nil {
			return c, err
		}
		c.List[e.Index] = child
		return c, nil
	}
	if c.Kind != attr.M {
		return c, errInvalidPath
	}
	if c.Map == nil {
		c.Map = map[string]attr.Value{}
	}
	if len(rest) == 1 {
		c.Map[e.Name] = v
		return c, nil
	}
	cur, ok := c.Map[e.Name]
	if !ok {
		return c, errInvalidPath
	}
	child, err := setIn(cur, rest[1:], v)
	if err != nil {
		return c, err
	}
	c.Map[e.Name] = child
	return c, nil
}

// removePath deletes the attribute or element at p ("REMOVE — removing attributes from an
// item"; removing a list element shifts the later ones down). Removing something that does not
// exist is not an error; stepping through a value of the wrong type is.
func removePath(out attr.Item, p Path) error {
	if len(p) == 1 {
		delete(out, p[0].Name)
		return nil
	}
	top, ok := out[p[0].Name]
	if !ok {
		return nil
	}
	nt, err := removeIn(top, p[1:])
	if err != nil {
		return err
	}
	out[p[0].Name] = nt
	return nil
}

func removeIn(c attr.Value, rest Path) (attr.Value, error) {
	e := rest[0]
	if e.IsIndex {
		if c.Kind != attr.L {
			return c, errInvalidPath
		}
		if e.Index >= len(c.List) {
			return c, nil
		}
		if len(rest) == 1 {
			c.List = append(c.List[:e.Index], c.List[e.Index+1:]...)
			return c, nil
		}
		child, err := removeIn(c.List[e.Index], rest[1:])
		if err != nil {
			return c, err
		}
		c.List[e.Index] = child
		return c, nil
	}
	if c.Kind != attr.M {
		return c, errInvalidPath
	}
	cur, ok := c.Map[e.Name]
	if !ok {
		return c, nil
	}
	if len(rest) == 1 {
		delete(c.Map, e.Name)
		return c, nil
	}
	child, err := removeIn(cur, rest[1:])
	if err != nil {
		return c, err
	}
	c.Map[e.Name] = child
	return c, nil
}

// addPath is the ADD action ("ADD — updating numbers and sets"): "If the attribute doesn't
// already exist, ADD creates it" (a number starts from 0); an existing number is added to, an
// existing set gets the value's elements (both sets of the same type). Anything else is an
// operand of an incorrect data type.
func addPath(out attr.Item, p Path, v attr.Value) error {
	cur, ok := p.Lookup(out)
	if !ok {
		return setPath(out, p, v.Clone())
	}
	switch {
	case v.Kind == attr.N && cur.Kind == attr.N:
		r := cur.Decimal().Add(v.Decimal())
		if err := attr.CheckNumber(r); err != nil {
			return asExprError(err)
		}
		return setPath(out, p, attr.Value{Kind: attr.N, Str: attr.FormatNumber(r)})
	case v.Kind.IsSet() && cur.Kind == v.Kind:
		set := append([]string(nil), cur.Set...)
		for _, e := range v.Set {
			if !attr.SetHas(cur, e) {
				set = append(set, e)
			}
		}
		return setPath(out, p, attr.Value{Kind: v.Kind, Set: set})
	}
	return errIncorrectType
}

// deletePath is the DELETE action ("DELETE — removing elements from a set"): the value's
// elements are removed from the set at p, which must be a set of the same type; a set left
// empty is removed (DynamoDB stores no empty sets); a missing attribute is left alone.
func deletePath(out attr.Item, p Path, v attr.Value) error {
	cur, ok := p.Lookup(out)
	if !ok {
		return nil
	}
	if !v.Kind.IsSet() || cur.Kind != v.Kind {
		return errIncorrectType
	}
	var set []string
	for _, e := range cur.Set {
		if !attr.SetHas(v, e) {
			set = append(set, e)
		}
	}
	if len(set) == 0 {
		return removePath(out, p)
	}
	return setPath(out, p, attr.Value{Kind: v.Kind, Set: set})
}

// ---- printing and inspection ----

// Paths returns every path the update writes: the targets of its SET, REMOVE, ADD and DELETE
// actions.
func (u *Update) Paths() []Path {
	var out []Path
	for _, s := range u.sets {
		out = append(out, s.target.path.clone())
	}
	for _, r := range u.removes {
		out = append(out, r.path.clone())
	}
	for _, a := range u.adds {
		out = append(out, a.target.path.clone())
	}
	for _, d := range u.deletes {
		out = append(out, d.target.path.clone())
	}
	return out
}

// String prints the update in clause order SET, REMOVE, ADD, DELETE, keeping the expression's
// placeholders, so that parsing it again with the same Env yields the same update.
func (u *Update) String() string {
	var b strings.Builder
	clause := func(kw string, n int, each func(i int)) {
		if n == 0 {
			return
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(kw)
		b.WriteByte(' ')
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			each(i)
		}
	}
	clause("SET", len(u.sets), func(i int) {
		s := u.sets[i]
		b.WriteString(s.target.String())
		b.WriteString(" = ")
		s.val.a.print(&b)
		if s.val.op != 0 {
			b.WriteByte(' ')
			b.WriteByte(s.val.op)
			b.WriteByte(' ')
			s.val.b.print(&b)
		}
	})
	clause("REMOVE", len(u.removes), func(i int) { b.WriteString(u.removes[i].String()) })
	clause("ADD", len(u.adds), func(i int) {
		b.WriteString(u.adds[i].target.String())
		b.WriteByte(' ')
		b.WriteString(u.adds[i].tok)
	})
	clause("DELETE", len(u.deletes), func(i int) {
		b.WriteString(u.deletes[i].target.String())
		b.WriteByte(' ')
		b.WriteString(u.deletes[i].tok)
	})
	return b.String()
}

func (o *updOperand) print(b *strings.Builder) {
	switch o.kind {
	case uPath:
		b.WriteString(o.ref.String())
	case uValue:
		b.WriteString(o.tok)
	case uIfNotExists, uListAppend:
		if o.kind == uIfNotExists {
			b.WriteString("if_not_exists(")
		} else {
			b.WriteString("list_append(")
		}
		printList(b, o.args)
		b.WriteByte(')')
	}
}
