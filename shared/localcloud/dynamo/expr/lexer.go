package expr

import (
	"strings"
	"unicode/utf8"
)

// tokKind classifies a token of an expression.
type tokKind uint8

const (
	tEOF    tokKind = iota
	tIdent          // attribute name, keyword or function name: [A-Za-z_][A-Za-z0-9_]*
	tName           // expression attribute name: #[A-Za-z0-9_]+
	tValue          // expression attribute value: :[A-Za-z0-9_]+
	tNumber         // list index digits
	tPunct          // ( ) [ ] , . = <> < <= > >= + -
	tBad            // a character no token starts with
)

type token struct {
	kind       tokKind
	text       string
	start, end int // byte offsets in the source
}

// lex splits s into tokens, ending with a tEOF token. Whitespace separates tokens.
//
// Developer Guide, "Expression attribute names (aliases)": "An expression attribute name must
// begin with a pound sign (#) and be followed by one or more alphanumeric characters. The
// underscore (_) character is also allowed." "Using expression attribute values": an expression
// attribute value must begin with a colon (:) followed by alphanumeric characters or underscores.
// "Referring to item attributes" / expression attribute names: an attribute name that begins with
// a number, contains a space or a special character, or is a reserved word needs a placeholder,
// so a bare name is a letter or underscore followed by letters, digits and underscores.
func lex(s string) []token {
	toks := make([]token, 0, len(s)/3+2)
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
			continue
		case isIdentStart(c):
			j := i + 1
			for j < len(s) && isIdentPart(s[j]) {
				j++
			}
			toks = append(toks, token{tIdent, s[i:j], i, j})
			i = j
		case c >= '0' && c <= '9':
			j := i + 1
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			toks = append(toks, token{tNumber, s[i:j], i, j})
			i = j
		case c == '#' || c == ':':
			j := i + 1
			for j < len(s) && isIdentPart(s[j]) {
				j++
			}
			if j == i+1 {
				toks = append(toks, token{tBad, s[i:j], i, j})
			} else if c == '#' {
				toks = append(toks, token{tName, s[i:j], i, j})
			} else {
				toks = append(toks, token{tValue, s[i:j], i, j})
			}
			i = j
		case c == '<' || c == '>':
			j := i + 1
			if j < len(s) && (s[j] == '=' || (c == '<' && s[j] == '>')) {
				j++
			}
			toks = append(toks, token{tPunct, s[i:j], i, j})
			i = j
		case strings.IndexByte("()[],.=+-", c) >= 0:
			toks = append(toks, token{tPunct, s[i : i+1], i, i + 1})
			i++
		default:
			_, n := utf8.DecodeRuneInString(s[i:])
			toks = append(toks, token{tBad, s[i : i+n], i, i + n})
			i += n
		}
	}
	return append(toks, token{tEOF, "<EOF>", len(s), len(s)})
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

func isIdentPart(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

// parser is the shared state of the recursive-descent parsers.
type parser struct {
	kind string // expression kind, for messages
	src  string
	toks []token
	pos  int
	env  *Env
	errs semErrs
	// syntax is the first syntax error; parsing stops at it.
	syntax *Error
}

func newParser(kind, s string, env *Env) (*parser, *Error) {
	if strings.TrimSpace(s) == "" {
		// Observed DynamoDB wording for an empty expression.
		return nil, errorf("Invalid %s: The expression can not be empty;", kind)
	}
	if len(s) > MaxExpressionLength {
		return nil, errorf("Invalid %s: Expression size has exceeded the maximum allowed size; expression size: %d", kind, len(s))
	}
	return &parser{kind: kind, src: s, toks: lex(s), env: env}, nil
}

func (p *parser) peek() token { return p.toks[p.pos] }
func (p *parser) peekAt(n int) token {
	if p.pos+n < len(p.toks) {
		return p.toks[p.pos+n]
	}
	return p.toks[len(p.toks)-1]
}
func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tEOF {
		p.pos++
	}
	return t
}

func (p *parser) isPunct(s string) bool {
	t := p.peek()
	return t.kind == tPunct && t.text == s
}

// isKeyword reports whether the current token is the (case-insensitive) keyword kw.
func (p *parser) isKeyword(kw string) bool {
	t := p.peek()
	return t.kind == tIdent && strings.EqualFold(t.text, kw)
}

// fail records a syntax error at the current token, worded as DynamoDB words it:
// Syntax error; token: "<token>", near: "<previous token through the following token>".
func (p *parser) fail() {
	if p.syntax != nil {
		return
	}
	t := p.peek()
	start := t.start
	if p.pos > 0 {
		start = p.toks[p.pos-1].start
	}
	end := len(p.src)
	if t.kind != tEOF {
		end = t.end
		if nt := p.peekAt(1); nt.kind != tEOF {
			end = nt.end
		}
	}
	p.syntax = errorf("Invalid %s: Syntax error; token: \"%s\", near: \"%s\"", p.kind, t.text, p.src[start:end])
}

func (p *parser) expectPunct(s string) bool {
	if p.syntax != nil {
		return false
	}
	if !p.isPunct(s) {
		p.fail()
		return false
	}
	p.next()
	return true
}

// result returns the error to report after a complete parse: a syntax error, else the first
// semantic error in DynamoDB's order.
func (p *parser) result(order []int) error {
	if p.syntax != nil {
		return p.syntax
	}
	if m := p.errs.first(order); m != "" {
		return &Error{Message: "Invalid " + p.kind + ": " + m}
	}
	return nil
}
