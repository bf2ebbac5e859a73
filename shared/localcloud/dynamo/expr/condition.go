package expr

import (
	"strconv"
	"strings"

	"holdfast/shared/localcloud/dynamo/attr"
)

// Condition is a parsed ConditionExpression or FilterExpression (the two share one grammar,
// Developer Guide "Condition and filter expressions, operators, and functions").
type Condition struct {
	root *cond
}

type condOp uint8

const (
	opAnd condOp = iota
	opOr
	opNot
	opCmp     // = <> < <= > >=
	opBetween // args: operand, lower, upper
	opIn      // args: operand, candidates...
	opFunc    // a boolean function: attribute_exists, attribute_not_exists, attribute_type, begins_with, contains
)

type cond struct {
	op   condOp
	cmp  string // comparator of opCmp
	fn   string // function name of opFunc
	kids []*cond
	args []*operand
}

type operandKind uint8

const (
	oPath operandKind = iota
	oValue
	oSize // size(arg)
)

// operand is a comparison or function operand: a document path, an expression attribute value
// or size(operand) (Expressions.OperatorsAndFunctions: "operand ::= path | :placeholder |
// size(path)" — size of a value is accepted too).
type operand struct {
	kind operandKind
	ref  pathRef    // oPath
	val  attr.Value // oValue
	tok  string     // oValue: the placeholder, for printing
	arg  *operand   // oSize
}

// ---- parsing ----

// pnode is the parse tree before type checking: the grammar treats conditions and operands
// uniformly (parentheses may wrap either), and checkCond/checkOperand then sort them out.
type pkind uint8

const (
	pkPath pkind = iota
	pkValue
	pkFunc
	pkCmp
	pkBetween
	pkIn
	pkAnd
	pkOr
	pkNot
	pkParen
)

type pnode struct {
	kind  pkind
	ref   pathRef
	val   attr.Value
	tok   string // value placeholder, function name or comparator
	args  []*pnode
	opTok int // token index of the operator (conditions) or of the first token (operands)
	after int // token index just after the node
}

func (n *pnode) isCondition() bool {
	switch n.kind {
	case pkCmp, pkBetween, pkIn, pkAnd, pkOr, pkNot:
		return true
	case pkParen:
		return n.args[0].isCondition()
	}
	return false
}

// conditionKeywords are the words of the condition grammar; they cannot be bare names.
func conditionKeyword(s string) bool {
	switch strings.ToUpper(s) {
	case "AND", "OR", "NOT", "BETWEEN", "IN":
		return true
	}
	return false
}

func isComparator(t token) bool {
	if t.kind != tPunct {
		return false
	}
	switch t.text {
	case "=", "<>", "<", "<=", ">", ">=":
		return true
	}
	return false
}

// ParseCondition parses a ConditionExpression or FilterExpression; kind (KindCondition,
// KindFilter, ...) names the expression in error messages. Placeholders are resolved against env
// and marked used.
//
// Grammar (Developer Guide, Expressions.OperatorsAndFunctions, "Syntax for condition
// expressions"):
//
//	condition-expression ::= operand comparator operand
//	    | operand BETWEEN operand AND operand
//	    | operand IN ( operand (',' operand (, ...) ))
//	    | function
//	    | condition AND condition
//	    | condition OR condition
//	    | NOT condition
//	    | ( condition )
//	comparator ::= = | <> | < | <= | > | >=
//	function ::= attribute_exists (path) | attribute_not_exists (path)
//	    | attribute_type (path, type) | begins_with (path, substr)
//	    | contains (path, operand) | size (path)
//
// Precedence ("Precedence in conditions"), highest first: = <> < <= > >=, IN, BETWEEN,
// attribute_exists attribute_not_exists begins_with contains, parentheses, NOT, AND, OR.
// Keywords are case-insensitive; function names are case-sensitive.
func ParseCondition(kind, s string, env *Env) (*Condition, error) {
	p, err := newParser(kind, s, env)
	if err != nil {
		return nil, err
	}
	c, e := p.condition()
	if e != nil {
		return nil, e
	}
	return c, nil
}

// condition parses a whole condition expression and type checks it.
func (p *parser) condition() (*Condition, error) {
	n := p.parseOr()
	if p.syntax == nil && p.peek().kind != tEOF {
		p.fail()
	}
	if p.syntax != nil {
		return nil, p.syntax
	}
	root := p.checkCond(n)
	if err := p.result(conditionOrder); err != nil {
		return nil, err
	}
	return &Condition{root: root}, nil
}

func (p *parser) parseOr() *pnode {
	n := p.parseAnd()
	for p.syntax == nil && p.isKeyword("OR") {
		op := p.pos
		p.next()
		r := p.parseAnd()
		n = &pnode{kind: pkOr, args: []*pnode{n, r}, opTok: op, after: p.pos}
	}
	return n
}

func (p *parser) parseAnd() *pnode {
	n := p.parseNot()
	for p.syntax == nil && p.isKeyword("AND") {
		op := p.pos
		p.next()
		r := p.parseNot()
		n = &pnode{kind: pkAnd, args: []*pnode{n, r}, opTok: op, after: p.pos}
	}
	return n
}

func (p *parser) parseNot() *pnode {
	if p.isKeyword("NOT") {
		op := p.pos
		p.next()
		n := p.parseNot()
		return &pnode{kind: pkNot, args: []*pnode{n}, opTok: op, after: p.pos}
	}
	return p.parseCmp()
}

func (p *parser) parseCmp() *pnode {
	n := p.parseAtom()
	if p.syntax != nil {
		return n
	}
	t := p.peek()
	switch {
	case isComparator(t):
		op := p.pos
		p.next()
		r := p.parseAtom()
		return &pnode{kind: pkCmp, tok: t.text, args: []*pnode{n, r}, opTok: op, after: p.pos}
	case p.isKeyword("BETWEEN"):
		op := p.pos
		p.next()
		lo := p.parseAtom()
		if p.syntax != nil {
			return n
		}
		if !p.isKeyword("AND") {
			p.fail()
			return n
		}
		p.next()
		hi := p.parseAtom()
		return &pnode{kind: pkBetween, args: []*pnode{n, lo, hi}, opTok: op, after: p.pos}
	case p.isKeyword("IN"):
		op := p.pos
		p.next()
		if !p.expectPunct("(") {
			return n
		}
		args := []*pnode{n}
		for {
			args = append(args, p.parseAtom())
			if p.syntax != nil {
				return n
			}
			if p.isPunct(",") {
				p.next()
				continue
			}
			break
		}
		if !p.expectPunct(")") {
			return n
		}
		return &pnode{kind: pkIn, args: args, opTok: op, after: p.pos}
	}
	return n
}

// parseAtom parses a parenthesised condition or operand, a path, a value or a function call.
func (p *parser) parseAtom() *pnode {
	start := p.pos
	t := p.peek()
	switch {
	case p.syntax != nil:
		return &pnode{kind: pkValue}
	case t.kind == tPunct && t.text == "(":
		p.next()
		inner := p.parseOr()
		p.expectPunct(")")
		return &pnode{kind: pkParen, args: []*pnode{inner}, opTok: start, after: p.pos}
	case t.kind == tValue:
		p.next()
		v, ok := p.env.value(t.text)
		if !ok {
			p.errs.set(catUndefinedValue, "An expression attribute value used in expression is not defined; attribute value: %s", t.text)
		}
		return &pnode{kind: pkValue, val: v, tok: t.text, opTok: start, after: p.pos}
	case t.kind == tIdent && !conditionKeyword(t.text) && p.peekAt(1).kind == tPunct && p.peekAt(1).text == "(":
		p.next()
		p.next()
		var args []*pnode
		for {
			args = append(args, p.parseAtom())
			if p.syntax != nil {
				return &pnode{kind: pkValue}
			}
			if p.isPunct(",") {
				p.next()
				continue
			}
			break
		}
		p.expectPunct(")")
		return &pnode{kind: pkFunc, tok: t.text, args: args, opTok: start, after: p.pos}
	default:
		ref, _ := p.parsePath(conditionKeyword)
		return &pnode{kind: pkPath, ref: ref, opTok: start, after: p.pos}
	}
}

// failAt records a syntax error at token index i.
func (p *parser) failAt(i int) {
	if p.syntax != nil {
		return
	}
	save := p.pos
	if i >= len(p.toks) {
		i = len(p.toks) - 1
	}
	p.pos = i
	p.fail()
	p.pos = save
}

// Function signatures: the number of operands and whether the function is a condition (true)
// or yields an operand (size). Developer Guide, Expressions.OperatorsAndFunctions, "Functions".
var conditionFuncs = map[string]struct {
	nargs   int
	boolean bool
}{
	"attribute_exists":     {1, true},
	"attribute_not_exists": {1, true},
	"attribute_type":       {2, true},
	"begins_with":          {2, true},
	"contains":             {2, true},
	"size":                 {1, false},
}

// attributeTypes are the valid second operands of attribute_type
// (Expressions.OperatorsAndFunctions: "attribute_type (path, type) ... S, SS, N, NS, B, BS,
// BOOL, NULL, L, M").
var attributeTypes = map[string]bool{"S": true, "SS": true, "N": true, "NS": true, "B": true, "BS": true, "BOOL": true, "NULL": true, "L": true, "M": true}

// checkCond type checks n in a position that needs a condition and builds its AST.
func (p *parser) checkCond(n *pnode) *cond {
	switch n.kind {
	case pkParen:
		// Observed DynamoDB behaviour: "((a = :v))" is rejected as redundant parentheses.
		if n.args[0].kind == pkParen {
			p.errs.set(catParens, "The expression has redundant parentheses;")
		}
		return p.checkCond(n.args[0])
	case pkAnd, pkOr:
		op := opAnd
		if n.kind == pkOr {
			op = opOr
		}
		c := &cond{op: op}
		for _, a := range n.args {
			k := p.checkCond(a)
			if k != nil && k.op == op {
				c.kids = append(c.kids, k.kids...) // AND and OR are associative: keep them flat
			} else {
				c.kids = append(c.kids, k)
			}
		}
		return c
	case pkNot:
		return &cond{op: opNot, kids: []*cond{p.checkCond(n.args[0])}}
	case pkCmp:
		l, r := p.checkOperand(n.args[0], n.opTok), p.checkOperand(n.args[1], n.opTok)
		p.checkDistinct(n.tok, l, r)
		return &cond{op: opCmp, cmp: n.tok, args: []*operand{l, r}}
	case pkBetween:
		args := []*operand{p.checkOperand(n.args[0], n.opTok), p.checkOperand(n.args[1], n.opTok), p.checkOperand(n.args[2], n.opTok)}
		p.checkBetween(args[1], args[2])
		return &cond{op: opBetween, args: args}
	case pkIn:
		// Expressions.OperatorsAndFunctions: "a IN (b, c, d) — true if a is equal to any value
		// in the list ... The list can contain up to 100 values".
		if len(n.args)-1 > MaxInOperands {
			p.errs.set(catFunction, "The IN operator is provided with too many operands; number of operands: %d", len(n.args)-1)
		}
		args := make([]*operand, len(n.args))
		for i, a := range n.args {
			args[i] = p.checkOperand(a, n.opTok)
		}
		return &cond{op: opIn, args: args}
	case pkFunc:
		sig, known := conditionFuncs[n.tok]
		if known && !sig.boolean {
			p.errs.set(catMisusedFunc, "The function is not allowed to be used this way in an expression; function: %s", n.tok)
		}
		args := p.checkFuncArgs(n)
		return &cond{op: opFunc, fn: n.tok, args: args}
	default:
		// A bare operand where a condition is needed: DynamoDB's parser fails at the token
		// where it expected a comparator.
		p.failAt(n.after)
		return &cond{op: opAnd}
	}
}

// checkOperand type checks n in an operand position; opTok locates syntax errors.
func (p *parser) checkOperand(n *pnode, opTok int) *operand {
	switch n.kind {
	case pkPath:
		return &operand{kind: oPath, ref: n.ref}
	case pkValue:
		return &operand{kind: oValue, val: n.val, tok: n.tok}
	case pkParen:
		if n.args[0].kind == pkParen {
			p.errs.set(catParens, "The expression has redundant parentheses;")
		}
		return p.checkOperand(n.args[0], opTok)
	case pkFunc:
		sig, known := conditionFuncs[n.tok]
		if known && sig.boolean {
			p.errs.set(catMisusedFunc, "The function is not allowed to be used this way in an expression; function: %s", n.tok)
		}
		args := p.checkFuncArgs(n)
		if n.tok == "size" && len(args) == 1 {
			return &operand{kind: oSize, arg: args[0]}
		}
		return &operand{kind: oValue, tok: ":invalid"}
	default:
		p.failAt(n.opTok)
		return &operand{kind: oValue}
	}
}

// operandType is the data type an operand is known to have at parse time ("" when unknown: a
// path). size() is a number.
func operandType(o *operand) string {
	switch o.kind {
	case oValue:
		return o.val.Kind.String()
	case oSize:
		return "N"
	}
	return ""
}

// checkFuncArgs validates a function's operands (Expressions.OperatorsAndFunctions,
// "Functions") with DynamoDB's messages.
func (p *parser) checkFuncArgs(n *pnode) []*operand {
	args := make([]*operand, len(n.args))
	for i, a := range n.args {
		args[i] = p.checkOperand(a, n.opTok)
	}
	sig, known := conditionFuncs[n.tok]
	if !known {
		p.errs.set(catUnknownFunc, "Invalid function name; function: %s", n.tok)
		return args
	}
	if len(args) != sig.nargs {
		p.errs.set(catOperandCount, "Incorrect number of operands for operator or function; operator or function: %s, number of operands: %d", n.tok, len(args))
		return args
	}
	if len(args) == 2 {
		p.checkDistinct(n.tok, args[0], args[1])
	}
	typeErr := func(t string) {
		p.errs.set(catFunction, "Incorrect operand type for operator or function; operator or function: %s, operand type: %s", n.tok, t)
	}
	switch n.tok {
	case "attribute_exists", "attribute_not_exists":
		// "attribute_exists (path)": the operand must be a document path.
		if args[0].kind != oPath {
			p.errs.set(catFunction, "Operator or function requires a document path; operator or function: %s", n.tok)
		}
	case "attribute_type":
		// "attribute_type (path, type)": type is an expression attribute value naming a data
		// type.
		if args[0].kind != oPath {
			p.errs.set(catFunction, "Operator or function requires a document path; operator or function: %s", n.tok)
		}
		switch t := operandType(args[1]); {
		case t == "":
			typeErr("{NS,SS,L,BS,N,M,B,BOOL,NULL,S}")
		case t != "S":
			typeErr(t)
		case !attributeTypes[args[1].val.Str]:
			p.errs.set(catFunction, "Invalid attribute type name found; type: %s, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}", args[1].val.Str)
		}
	case "begins_with":
		// "begins_with (path, substr)": strings (or binaries) only.
		for _, a := range args {
			if t := operandType(a); t != "" && t != "S" && t != "B" {
				typeErr(t)
				break
			}
		}
	case "size":
		// "size (path)": strings, binaries, sets, lists and maps have a size.
		switch t := operandType(args[0]); t {
		case "N", "BOOL", "NULL":
			typeErr(t)
		}
	}
	return args
}

// checkDistinct rejects an operator or two-operand function whose operands are the same path
// (observed DynamoDB validation, e.g. "a = a").
func (p *parser) checkDistinct(name string, a, b *operand) {
	if a.kind == oPath && b.kind == oPath && a.ref.path.equal(b.ref.path) {
		p.errs.set(catDistinct, "The first operand must be distinct from the remaining operands for this operator or function; operator: %s, first operand: %s", name, a.ref.path.bracketString())
	}
}

// checkBetween validates constant BETWEEN bounds: "a BETWEEN b AND c — true if a is greater
// than or equal to b, and less than or equal to c" (Expressions.OperatorsAndFunctions); DynamoDB
// rejects bounds of different types or a lower bound above the upper bound.
func (p *parser) checkBetween(lo, hi *operand) {
	if lo.kind != oValue || hi.kind != oValue || lo.val.Kind == attr.None || hi.val.Kind == attr.None {
		return
	}
	if lo.val.Kind != hi.val.Kind {
		p.errs.set(catFunction, "The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: %s, upper bound operand: AttributeValue: %s", describeValue(lo.val), describeValue(hi.val))
		return
	}
	if c, ok := attr.Compare(lo.val, hi.val); ok && c > 0 {
		p.errs.set(catFunction, "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: %s, upper bound operand: AttributeValue: %s", describeValue(lo.val), describeValue(hi.val))
	}
}

// describeValue prints a value the way DynamoDB's messages do, e.g. {S:abc} or {N:1}.
func describeValue(v attr.Value) string {
	switch v.Kind {
	case attr.S, attr.N:
		return "{" + v.Kind.String() + ":" + v.Str + "}"
	}
	b, _ := v.MarshalJSON()
	return string(b)
}

// ---- evaluation ----

// Eval evaluates the condition against item (nil item = the item does not exist, so
// attribute_not_exists is true and every comparison with a path is false, <> true). Comparing
// values of different types is false, not an error. Eval does not modify item.
func (c *Condition) Eval(item attr.Item) (bool, error) {
	if c == nil || c.root == nil {
		return true, nil
	}
	return c.root.eval(item), nil
}

func (c *cond) eval(item attr.Item) bool {
	switch c.op {
	case opAnd:
		for _, k := range c.kids {
			if !k.eval(item) {
				return false
			}
		}
		return true
	case opOr:
		for _, k := range c.kids {
			if k.eval(item) {
				return true
			}
		}
		return false
	case opNot:
		return !c.kids[0].eval(item)
	case opCmp:
		a, aok := c.args[0].eval(item)
		b, bok := c.args[1].eval(item)
		return compare(c.cmp, a, aok, b, bok)
	case opBetween:
		// Expressions.OperatorsAndFunctions: a BETWEEN b AND c is a >= b AND a <= c.
		a, aok := c.args[0].eval(item)
		lo, lok := c.args[1].eval(item)
		hi, hok := c.args[2].eval(item)
		return compare(">=", a, aok, lo, lok) && compare("<=", a, aok, hi, hok)
	case opIn:
		a, aok := c.args[0].eval(item)
		if !aok {
			return false
		}
		for _, o := range c.args[1:] {
			if b, ok := o.eval(item); ok && equalValues(a, b) {
				return true
			}
		}
		return false
	case opFunc:
		return c.evalFunc(item)
	}
	return false
}

// compare applies a comparator (Expressions.OperatorsAndFunctions, "Comparison operators"): =
// and <> compare any types (different types are not equal); < <= > >= order numbers, strings
// and binaries of the same type and are false otherwise. A missing operand is equal to
// nothing, so only <> holds.
func compare(op string, a attr.Value, aok bool, b attr.Value, bok bool) bool {
	switch op {
	case "=":
		return aok && bok && equalValues(a, b)
	case "<>":
		return !(aok && bok && equalValues(a, b))
	}
	if !aok || !bok {
		return false
	}
	r, ok := compareValues(a, b)
	if !ok {
		return false
	}
	switch op {
	case "<":
		return r < 0
	case "<=":
		return r <= 0
	case ">":
		return r > 0
	case ">=":
		return r >= 0
	}
	return false
}

// evalFunc evaluates the boolean functions (Expressions.OperatorsAndFunctions, "Functions").
func (c *cond) evalFunc(item attr.Item) bool {
	switch c.fn {
	case "attribute_exists":
		// "True if the item contains the attribute specified by path."
		_, ok := c.args[0].eval(item)
		return ok
	case "attribute_not_exists":
		// "True if the attribute specified by path does not exist in the item."
		_, ok := c.args[0].eval(item)
		return !ok
	case "attribute_type":
		// "True if the attribute at the specified path is of a particular data type."
		v, ok := c.args[0].eval(item)
		t, tok := c.args[1].eval(item)
		return ok && tok && t.Kind == attr.S && v.Kind.String() == t.Str
	case "begins_with":
		// "True if the attribute specified by path begins with a particular substring."
		v, ok := c.args[0].eval(item)
		s, sok := c.args[1].eval(item)
		return ok && sok && (v.Kind == attr.S || v.Kind == attr.B) && v.Kind == s.Kind && strings.HasPrefix(v.Str, s.Str)
	case "contains":
		// "True if the attribute specified by path is: a String that contains a particular
		// substring; a Set that contains a particular element within the set; a List that
		// contains a particular element within the list."
		v, ok := c.args[0].eval(item)
		o, ook := c.args[1].eval(item)
		if !ok || !ook {
			return false
		}
		switch v.Kind {
		case attr.S, attr.B:
			return o.Kind == v.Kind && strings.Contains(v.Str, o.Str)
		case attr.SS:
			return o.Kind == attr.S && attr.SetHas(v, o.Str)
		case attr.NS:
			return o.Kind == attr.N && attr.SetHas(v, o.Str)
		case attr.BS:
			return o.Kind == attr.B && attr.SetHas(v, o.Str)
		case attr.L:
			for _, e := range v.List {
				if equalValues(e, o) {
					return true
				}
			}
		}
		return false
	}
	return false
}

// eval resolves an operand against item; ok is false when it has no value (a missing path, or
// size of a value without a size).
func (o *operand) eval(item attr.Item) (attr.Value, bool) {
	switch o.kind {
	case oPath:
		return o.ref.path.Lookup(item)
	case oValue:
		return o.val, o.val.Kind != attr.None
	case oSize:
		v, ok := o.arg.eval(item)
		if !ok {
			return attr.Value{}, false
		}
		n, ok := sizeOf(v)
		if !ok {
			return attr.Value{}, false
		}
		return attr.Value{Kind: attr.N, Str: strconv.Itoa(n)}, true
	}
	return attr.Value{}, false
}

// sizeOf is size(): "Returns a number that represents an attribute's size." A String's length
// (in UTF-8 bytes), a Binary's number of bytes, the number of elements of a set, list or map
// (Expressions.OperatorsAndFunctions, size). Numbers, booleans and nulls have no size.
func sizeOf(v attr.Value) (int, bool) {
	switch v.Kind {
	case attr.S, attr.B:
		return len(v.Str), true
	case attr.SS, attr.NS, attr.BS:
		return len(v.Set), true
	case attr.L:
		return len(v.List), true
	case attr.M:
		return len(v.Map), true
	}
	return 0, false
}

// ---- printing and inspection ----

// String prints the condition so that parsing it again with the same Env yields the same
// condition: paths keep their #placeholders, values print as their :placeholders, AND and OR
// are parenthesised only where precedence needs it.
func (c *Condition) String() string {
	if c == nil || c.root == nil {
		return ""
	}
	var b strings.Builder
	c.root.print(&b)
	return b.String()
}

func (c *cond) print(b *strings.Builder) {
	switch c.op {
	case opAnd, opOr:
		sep := " AND "
		if c.op == opOr {
			sep = " OR "
		}
		for i, k := range c.kids {
			if i > 0 {
				b.WriteString(sep)
			}
			k.printWrapped(b, c.op == opAnd && k.op == opOr)
		}
	case opNot:
		b.WriteString("NOT ")
		k := c.kids[0]
		k.printWrapped(b, k.op == opAnd || k.op == opOr)
	case opCmp:
		c.args[0].print(b)
		b.WriteByte(' ')
		b.WriteString(c.cmp)
		b.WriteByte(' ')
		c.args[1].print(b)
	case opBetween:
		c.args[0].print(b)
		b.WriteString(" BETWEEN ")
		c.args[1].print(b)
		b.WriteString(" AND ")
		c.args[2].print(b)
	case opIn:
		c.args[0].print(b)
		b.WriteString(" IN (")
		printList(b, c.args[1:])
		b.WriteByte(')')
	case opFunc:
		b.WriteString(c.fn)
		b.WriteByte('(')
		printList(b, c.args)
		b.WriteByte(')')
	}
}

// printList prints items separated by ", ".
func printList[T interface{ print(*strings.Builder) }](b *strings.Builder, items []T) {
	for i, a := range items {
		if i > 0 {
			b.WriteString(", ")
		}
		a.print(b)
	}
}

func (c *cond) printWrapped(b *strings.Builder, wrap bool) {
	if wrap {
		b.WriteByte('(')
	}
	c.print(b)
	if wrap {
		b.WriteByte(')')
	}
}

func (o *operand) print(b *strings.Builder) {
	switch o.kind {
	case oPath:
		b.WriteString(o.ref.String())
	case oValue:
		b.WriteString(o.tok)
	case oSize:
		b.WriteString("size(")
		o.arg.print(b)
		b.WriteByte(')')
	}
}

// Paths returns every document path the condition reads, in order of appearance.
func (c *Condition) Paths() []Path {
	if c == nil || c.root == nil {
		return nil
	}
	var out []Path
	c.root.paths(&out)
	return out
}

func (c *cond) paths(out *[]Path) {
	for _, k := range c.kids {
		k.paths(out)
	}
	for _, a := range c.args {
		a.paths(out)
	}
}

func (o *operand) paths(out *[]Path) {
	switch o.kind {
	case oPath:
		*out = append(*out, o.ref.path.clone())
	case oSize:
		o.arg.paths(out)
	}
}
