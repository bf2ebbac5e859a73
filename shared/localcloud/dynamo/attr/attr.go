// Package attr is the attribute value model of the embedded DynamoDB engine: the ten data types
// of DynamoDB's JSON wire format, exact 38-digit numbers, DynamoDB's ordering and equality, and
// its item size rules. It has no other engine dependency, so the expression package and the
// engine share one model.
//
// References (DynamoDB Developer Guide): "Supported data types and naming rules"
// (HowItWorks.NamingRulesDataTypes), "Item sizes and formats" (CapacityUnitCalculations).
package attr

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strings"

	"github.com/shopspring/decimal"
)

// Kind is one of DynamoDB's data type descriptors.
type Kind uint8

// The data types, named by their wire descriptors.
const (
	None Kind = iota
	S
	N
	B
	BOOL
	NULL
	M
	L
	SS
	NS
	BS
)

var kindNames = [...]string{"", "S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// KindOf maps a descriptor ("S", "NS", …) to its Kind; None when unknown.
func KindOf(s string) Kind {
	for i, n := range kindNames {
		if i > 0 && n == s {
			return Kind(i)
		}
	}
	return None
}

// IsSet reports whether k is SS, NS or BS.
func (k Kind) IsSet() bool { return k == SS || k == NS || k == BS }

// Value is one attribute value. Exactly the fields of its Kind are meaningful:
// S, N (canonical decimal text, see CanonicalNumber) and B (raw bytes) use Str; BOOL uses Bool;
// L uses List; M uses Map; SS, NS (canonical) and BS (raw bytes) use Set, without duplicates.
type Value struct {
	Kind Kind
	Str  string
	Bool bool
	List []Value
	Map  map[string]Value
	Set  []string
}

// Item is a whole item: attribute name → value.
type Item map[string]Value

// Convenience constructors.
func Str(s string) Value    { return Value{Kind: S, Str: s} }
func Bin(b []byte) Value    { return Value{Kind: B, Str: string(b)} }
func Bool(b bool) Value     { return Value{Kind: BOOL, Bool: b} }
func Null() Value           { return Value{Kind: NULL, Bool: true} }
func List(v ...Value) Value { return Value{Kind: L, List: v} }

// Num is a number value from canonical or uncanonical text; it panics on an invalid number and
// is meant for literals in code and tests.
func Num(s string) Value {
	c, err := CanonicalNumber(s)
	if err != nil {
		panic(err)
	}
	return Value{Kind: N, Str: c}
}

// Error is a validation failure of a value; the engine answers it as a ValidationException.
type Error struct{ Message string }

func (e *Error) Error() string { return e.Message }

func errorf(format string, a ...any) error { return &Error{Message: fmt.Sprintf(format, a...)} }

// Number limits (Developer Guide, "Supported data types and naming rules" → Number): up to 38
// digits of precision; positive range 1E-130 to 9.9999999999999999999999999999999999999E+125,
// the same negated for negative numbers, and 0.
const MaxDigits = 38

var (
	maxMagnitude = decimal.RequireFromString("9.9999999999999999999999999999999999999E+125")
	minMagnitude = decimal.RequireFromString("1E-130")
)

// ParseNumber parses DynamoDB number text into an exact decimal, enforcing precision and range.
func ParseNumber(s string) (decimal.Decimal, error) {
	t := strings.TrimSpace(s)
	if t == "" || !numberText(t) {
		return decimal.Decimal{}, errorf("The parameter cannot be converted to a numeric value: %s", s)
	}
	d, err := decimal.NewFromString(t)
	if err != nil {
		return decimal.Decimal{}, errorf("The parameter cannot be converted to a numeric value: %s", s)
	}
	return d, CheckNumber(d)
}

// numberText accepts [+-]digits[.digits][(e|E)[+-]digits], as DynamoDB does.
func numberText(t string) bool {
	i := 0
	if i < len(t) && (t[i] == '+' || t[i] == '-') {
		i++
	}
	digits := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i, digits = i+1, digits+1
	}
	if i < len(t) && t[i] == '.' {
		i++
		for i < len(t) && t[i] >= '0' && t[i] <= '9' {
			i, digits = i+1, digits+1
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(t) && (t[i] == 'e' || t[i] == 'E') {
		i++
		if i < len(t) && (t[i] == '+' || t[i] == '-') {
			i++
		}
		ed := 0
		for i < len(t) && t[i] >= '0' && t[i] <= '9' {
			i, ed = i+1, ed+1
		}
		if ed == 0 || ed > 6 {
			return false
		}
	}
	return i == len(t)
}

// CheckNumber enforces DynamoDB's precision and magnitude limits on d.
func CheckNumber(d decimal.Decimal) error {
	if d.IsZero() {
		return nil
	}
	if significantDigits(d) > MaxDigits {
		return errorf("Attempting to store more than 38 significant digits in a Number")
	}
	a := d.Abs()
	if a.Cmp(maxMagnitude) > 0 {
		return errorf("Number overflow. Attempting to store a number with magnitude larger than supported range")
	}
	if a.Cmp(minMagnitude) < 0 {
		return errorf("Number underflow. Attempting to store a number with magnitude smaller than supported range")
	}
	return nil
}

func significantDigits(d decimal.Decimal) int {
	c := new(big.Int).Abs(d.Coefficient()).String()
	c = strings.TrimRight(c, "0")
	return len(c)
}

// CanonicalNumber is DynamoDB's normal form of a number: leading and trailing zeros trimmed, no
// exponent, no "+", and "0" for any zero.
func CanonicalNumber(s string) (string, error) {
	d, err := ParseNumber(s)
	if err != nil {
		return "", err
	}
	return FormatNumber(d), nil
}

// FormatNumber is the canonical text of d.
func FormatNumber(d decimal.Decimal) string {
	if d.IsZero() {
		return "0"
	}
	return d.String()
}

// Decimal is the exact value of an N (its text is canonical, so this cannot fail).
func (v Value) Decimal() decimal.Decimal {
	d, err := decimal.NewFromString(v.Str)
	if err != nil {
		panic("attr: non-canonical number " + v.Str)
	}
	return d
}

// Compare orders two values of the same scalar kind (S and B bytewise, N numerically). ok is
// false when the kinds differ or are not S, N or B: DynamoDB's <, <=, >, >= are then false.
func Compare(a, b Value) (c int, ok bool) {
	if a.Kind != b.Kind {
		return 0, false
	}
	switch a.Kind {
	case S, B:
		return strings.Compare(a.Str, b.Str), true
	case N:
		if a.Str == b.Str {
			return 0, true
		}
		return a.Decimal().Cmp(b.Decimal()), true
	}
	return 0, false
}

// Equal is DynamoDB's = : same kind and same value; sets compare as sets, lists in order, maps by
// key.
func Equal(a, b Value) bool {
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case S, B:
		return a.Str == b.Str
	case N:
		c, _ := Compare(a, b)
		return c == 0
	case BOOL:
		return a.Bool == b.Bool
	case NULL:
		return true
	case L:
		if len(a.List) != len(b.List) {
			return false
		}
		for i := range a.List {
			if !Equal(a.List[i], b.List[i]) {
				return false
			}
		}
		return true
	case M:
		if len(a.Map) != len(b.Map) {
			return false
		}
		for k, av := range a.Map {
			bv, ok := b.Map[k]
			if !ok || !Equal(av, bv) {
				return false
			}
		}
		return true
	case SS, BS, NS:
		if len(a.Set) != len(b.Set) {
			return false
		}
		for _, e := range a.Set {
			if !SetHas(b, e) {
				return false
			}
		}
		return true
	}
	return false
}

// SetHas reports whether set value s holds element e (an NS element compares numerically).
func SetHas(s Value, e string) bool {
	for _, x := range s.Set {
		if x == e {
			return true
		}
	}
	return false
}

// ItemsEqual compares two items attribute by attribute.
func ItemsEqual(a, b Item) bool {
	if len(a) != len(b) {
		return false
	}
	for k, av := range a {
		bv, ok := b[k]
		if !ok || !Equal(av, bv) {
			return false
		}
	}
	return true
}

// Clone is a deep copy of v.
func (v Value) Clone() Value {
	switch v.Kind {
	case L:
		l := make([]Value, len(v.List))
		for i, e := range v.List {
			l[i] = e.Clone()
		}
		v.List = l
	case M:
		m := make(map[string]Value, len(v.Map))
		for k, e := range v.Map {
			m[k] = e.Clone()
		}
		v.Map = m
	case SS, NS, BS:
		v.Set = append([]string(nil), v.Set...)
	}
	return v
}

// Clone is a deep copy of it (nil stays nil).
func (it Item) Clone() Item {
	if it == nil {
		return nil
	}
	c := make(Item, len(it))
	for k, v := range it {
		c[k] = v.Clone()
	}
	return c
}

// Size is the value's contribution to an item's size, without its attribute name (Developer
// Guide, "Item sizes and formats"): strings and binaries by length; a number by one byte per two
// significant digits plus one; BOOL and NULL one byte; a list or map 3 bytes plus one byte and the
// size of each element (and each map key's length); a set the sum of its elements.
func Size(v Value) int {
	switch v.Kind {
	case S, B:
		return len(v.Str)
	case N:
		return numberSize(v.Str)
	case BOOL, NULL:
		return 1
	case L:
		n := 3
		for _, e := range v.List {
			n += 1 + Size(e)
		}
		return n
	case M:
		n := 3
		for k, e := range v.Map {
			n += 1 + len(k) + Size(e)
		}
		return n
	case SS, BS:
		n := 0
		for _, e := range v.Set {
			n += len(e)
		}
		return n
	case NS:
		n := 0
		for _, e := range v.Set {
			n += numberSize(e)
		}
		return n
	}
	return 0
}

func numberSize(s string) int {
	digits := 0
	t := strings.TrimLeft(strings.TrimPrefix(s, "-"), "0")
	t = strings.Replace(t, ".", "", 1)
	t = strings.Trim(t, "0")
	digits = len(t)
	if digits == 0 {
		digits = 1
	}
	return (digits+1)/2 + 1
}

// ItemSize is the size DynamoDB counts for an item: each attribute's name length plus its value.
func ItemSize(it Item) int {
	n := 0
	for k, v := range it {
		n += len(k) + Size(v)
	}
	return n
}

// MaxItemSize is DynamoDB's limit on one item, names and values together.
const MaxItemSize = 400 * 1024

// ---- JSON wire format ----

// MarshalJSON writes v in DynamoDB's wire format, e.g. {"S":"x"} or {"NS":["1","2"]}.
func (v Value) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	v.appendJSON(&b)
	return b.Bytes(), nil
}

func (v Value) appendJSON(b *bytes.Buffer) {
	b.WriteString(`{"`)
	b.WriteString(v.Kind.String())
	b.WriteString(`":`)
	switch v.Kind {
	case S, N:
		writeJSONString(b, v.Str)
	case B:
		writeJSONString(b, base64.StdEncoding.EncodeToString([]byte(v.Str)))
	case BOOL, NULL:
		if v.Bool || v.Kind == NULL {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case L:
		b.WriteByte('[')
		for i, e := range v.List {
			if i > 0 {
				b.WriteByte(',')
			}
			e.appendJSON(b)
		}
		b.WriteByte(']')
	case M:
		appendMapJSON(b, v.Map)
	case SS, NS, BS:
		b.WriteByte('[')
		for i, e := range v.Set {
			if i > 0 {
				b.WriteByte(',')
			}
			if v.Kind == BS {
				e = base64.StdEncoding.EncodeToString([]byte(e))
			}
			writeJSONString(b, e)
		}
		b.WriteByte(']')
	default:
		b.WriteString("null")
	}
	b.WriteByte('}')
}

func appendMapJSON(b *bytes.Buffer, m map[string]Value) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSONString(b, k)
		b.WriteByte(':')
		m[k].appendJSON(b)
	}
	b.WriteByte('}')
}

func writeJSONString(b *bytes.Buffer, s string) {
	enc, _ := json.Marshal(s)
	b.Write(enc)
}

// MarshalJSON writes an item as a JSON object of attribute values, keys sorted.
func (it Item) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	appendMapJSON(&b, it)
	return b.Bytes(), nil
}

// UnmarshalJSON reads one attribute value and validates it as DynamoDB does: exactly one data
// type, numbers valid and canonicalised, sets non-empty without duplicates, binaries base64.
func (v *Value) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil || raw == nil {
		return errorf("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")
	}
	if len(raw) != 1 {
		if len(raw) == 0 {
			return errorf("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")
		}
		return errorf("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes")
	}
	for k, r := range raw {
		kind := KindOf(k)
		if kind == None {
			return errorf("Supplied AttributeValue has an unknown datatype %q", k)
		}
		out, err := decodeAs(kind, r)
		if err != nil {
			return err
		}
		*v = out
	}
	return nil
}

func decodeAs(kind Kind, r json.RawMessage) (Value, error) {
	v := Value{Kind: kind}
	switch kind {
	case S:
		if err := json.Unmarshal(r, &v.Str); err != nil {
			return v, errorf("Invalid attribute value type: S must be a string")
		}
	case N:
		var s string
		if err := json.Unmarshal(r, &s); err != nil {
			return v, errorf("Invalid attribute value type: N must be a string")
		}
		c, err := CanonicalNumber(s)
		if err != nil {
			return v, err
		}
		v.Str = c
	case B:
		var s string
		if err := json.Unmarshal(r, &s); err != nil {
			return v, errorf("Invalid attribute value type: B must be base64 text")
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return v, errorf("Invalid attribute value type: B must be base64 text")
		}
		v.Str = string(b)
	case BOOL:
		if err := json.Unmarshal(r, &v.Bool); err != nil {
			return v, errorf("Invalid attribute value type: BOOL must be true or false")
		}
	case NULL:
		var b bool
		if err := json.Unmarshal(r, &b); err != nil || !b {
			return v, errorf("One or more parameter values were invalid: Null attribute value types must have the value of true")
		}
		v.Bool = true
	case L:
		if err := json.Unmarshal(r, &v.List); err != nil {
			return v, asError(err, "Invalid attribute value type: L must be a list of attribute values")
		}
		if v.List == nil {
			v.List = []Value{}
		}
	case M:
		if err := json.Unmarshal(r, &v.Map); err != nil {
			return v, asError(err, "Invalid attribute value type: M must be a map of attribute values")
		}
		if v.Map == nil {
			v.Map = map[string]Value{}
		}
	case SS, NS, BS:
		var elems []string
		if err := json.Unmarshal(r, &elems); err != nil {
			return v, errorf("Invalid attribute value type: %s must be a list of strings", kind)
		}
		if len(elems) == 0 {
			return v, errorf("One or more parameter values were invalid: An %s set  may not be empty", map[Kind]string{SS: "string", NS: "number", BS: "binary"}[kind])
		}
		seen := make(map[string]bool, len(elems))
		for _, e := range elems {
			switch kind {
			case NS:
				c, err := CanonicalNumber(e)
				if err != nil {
					return v, err
				}
				e = c
			case BS:
				b, err := base64.StdEncoding.DecodeString(e)
				if err != nil {
					return v, errorf("Invalid attribute value type: BS must hold base64 text")
				}
				e = string(b)
			}
			if seen[e] {
				return v, errorf("One or more parameter values were invalid: Input collection %v contains duplicates.", elems)
			}
			seen[e] = true
			v.Set = append(v.Set, e)
		}
	}
	return v, nil
}

func asError(err error, fallback string) error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return errorf("%s", fallback)
}

// DecodeItem reads a JSON object of attribute values.
func DecodeItem(data []byte) (Item, error) {
	var it Item
	if err := json.Unmarshal(data, &it); err != nil {
		return nil, asError(err, "Invalid item: not a map of attribute values")
	}
	return it, nil
}

// UnmarshalJSON validates every attribute of the item.
func (it *Item) UnmarshalJSON(data []byte) error {
	var m map[string]Value
	if err := json.Unmarshal(data, &m); err != nil {
		return asError(err, "Invalid item: not a map of attribute values")
	}
	*it = m
	return nil
}
