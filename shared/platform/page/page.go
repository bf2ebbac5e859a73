// Package page is how every list route pages: `?limit=` (Limit) and one opaque cursor codec
// (Cursor). A cursor carries the list's position — any small JSON value: a DynamoDB
// LastEvaluatedKey (Key), a chain sequence, a tenant ID, a time range with a key — bound to the
// list that issued it: the list's name and the values that select it (the caller, the
// partition, the query's filters). A cursor from another list, another caller's list or
// another query, an edited, truncated, padded or oversize cursor, or anything that is not
// exactly what Encode would have written is the one answer errs.InvalidCursor() (400
// invalid_cursor naming `cursor`).
//
// A cursor carries a check value over its list, binding and position, so any edit of it is
// refused. The check is a hash, not a signature (the platform's configuration holds no
// secrets): a client that reads this code can recompute it, but only for a list it may read
// anyway, so each list still checks that the position lies inside itself (Key.Fits, or its
// own bounds) and a forged position can never reach outside the list nor make DynamoDB refuse
// the query.
package page

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/httpapi"
)

// MaxCursor bounds an encoded cursor's length, both ways: Decode refuses a longer cursor and
// Encode fails rather than issue one.
const MaxCursor = 1024

// Limit reads the `limit` query parameter: def when absent, else an integer 1..max written
// canonically (no sign, no leading zero), at most four digits.
func Limit(q map[string]string, def, max int) (int, error) {
	s, ok := q["limit"]
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > max || len(s) > 4 || strconv.Itoa(n) != s {
		return 0, errs.Validation(errs.Field("limit", fmt.Sprintf("must be an integer between 1 and %d", max)))
	}
	return n, nil
}

// errOversize: a position too large for a cursor.
var errOversize = fmt.Errorf("over MaxCursor (%d)", MaxCursor)

// version is the envelope's format; a cursor of another version is not one this API issues.
const version = 1

// Cursor is the cursor codec of one list, as selected by one request.
type Cursor struct {
	list    string
	binding []string
}

// For is the codec of the list named list (e.g. "loans") selected by binding: the values that
// pick this list among its kind (the caller's ID, a loan ID, the query's filters), in a fixed
// order. A cursor only decodes under the same name and binding it was encoded with.
func For(list string, binding ...string) Cursor {
	return Cursor{list: list, binding: append([]string(nil), binding...)}
}

// envelope is a cursor before base64url: format version, list, position, check value.
type envelope struct {
	V int             `json:"v"`
	L string          `json:"l"`
	P json.RawMessage `json:"p"`
	C string          `json:"c"`
}

// check is the check value of position p (its JSON) on this list: a hash of the version, the
// list's name, its binding and p, each length-prefixed so that no two differ only in where
// one value ends and the next begins.
func (c Cursor) check(p []byte) string {
	h := sha256.New()
	var n [8]byte
	field := func(b []byte) {
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	field([]byte(strconv.Itoa(version)))
	field([]byte(c.list))
	binary.BigEndian.PutUint64(n[:], uint64(len(c.binding)))
	h.Write(n[:])
	for _, b := range c.binding {
		field([]byte(b))
	}
	field(p)
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:15])
}

// Encode is the cursor of position pos on this list. pos must encode to a JSON value other
// than null, and the cursor must fit MaxCursor; either failing is a fault of the caller.
func (c Cursor) Encode(pos any) (string, error) {
	p, err := json.Marshal(pos)
	if err != nil {
		return "", fmt.Errorf("page: encode %s position: %w", c.list, err)
	}
	if bytes.Equal(p, []byte("null")) {
		return "", fmt.Errorf("page: %s position %T encodes to null", c.list, pos)
	}
	b, err := json.Marshal(envelope{V: version, L: c.list, P: p, C: c.check(p)})
	if err != nil {
		return "", fmt.Errorf("page: encode %s cursor: %w", c.list, err)
	}
	s := base64.RawURLEncoding.EncodeToString(b)
	if len(s) > MaxCursor {
		return "", fmt.Errorf("page: %s cursor is %d characters: %w", c.list, len(s), errOversize)
	}
	return s, nil
}

// Decode reads cursor s into pos (a non-nil pointer). Anything but a cursor Encode made on
// this list with this binding — wrong list or binding, edited (the check value fails),
// truncated, oversize, not base64url, unknown or duplicate fields, trailing data, any spelling
// Encode would not write — is errs.InvalidCursor(). Decode does not know whether the position
// lies inside the list: the caller checks that (Key.Fits, or its own bounds).
func (c Cursor) Decode(s string, pos any) error {
	if rv := reflect.ValueOf(pos); rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("page: decode %s cursor into %T, not a non-nil pointer", c.list, pos)
	}
	if s == "" || len(s) > MaxCursor {
		return invalid("empty or longer than %d", MaxCursor)
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		return invalid("not base64url: %v", err)
	}
	var env envelope
	if err := strictJSON(raw, &env); err != nil {
		return invalid("envelope: %v", err)
	}
	switch {
	case env.V != version:
		return invalid("version %d", env.V)
	case env.L != c.list:
		return invalid("a cursor of list %q, not %q", env.L, c.list)
	case len(env.P) == 0 || bytes.Equal(env.P, []byte("null")):
		return invalid("no position")
	case env.C != c.check(env.P):
		return invalid("check value fails: edited, or a cursor of another %q list", c.list)
	}
	if err := strictJSON(env.P, pos); err != nil {
		return invalid("position: %v", err)
	}
	// Canonical: the cursor must be exactly what Encode makes of the position it decoded to
	// (this refuses duplicate or differently spelled fields, whitespace, escapes, stray
	// newlines and padding bits that the decoders above let through).
	if again, err := c.Encode(pos); err != nil || again != s {
		return invalid("not in canonical form")
	}
	return nil
}

// Parse reads the `cursor` query parameter into pos: false (pos untouched) when there is none,
// the first page; an error as Decode's when there is one that does not decode (an empty one
// included).
func (c Cursor) Parse(q map[string]string, pos any) (bool, error) {
	s, ok := q["cursor"]
	if !ok {
		return false, nil
	}
	if err := c.Decode(s, pos); err != nil {
		return false, err
	}
	return true, nil
}

// Next is a page's nextCursor: nil (JSON null, the list is done) when pos is nil — a nil
// interface, pointer, map or slice — else the cursor of pos.
func (c Cursor) Next(pos any) (*string, error) {
	if pos == nil {
		return nil, nil
	}
	switch rv := reflect.ValueOf(pos); rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface:
		if rv.IsNil() {
			return nil, nil
		}
	}
	s, err := c.Encode(pos)
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// StartKey reads the `cursor` query parameter as a key position of this list: nil for the
// first page, else the ExclusiveStartKey, which must have exactly the attributes keys, each
// non-empty, those in bound holding the list's own values (Key.Fits); anything else is
// errs.InvalidCursor().
func (c Cursor) StartKey(q map[string]string, keys []string, bound map[string]string) (map[string]types.AttributeValue, error) {
	var k Key
	ok, err := c.Parse(q, &k)
	if err != nil || !ok {
		return nil, err
	}
	if !k.Fits(keys, bound) {
		return nil, invalid("key %v does not fit the list", k)
	}
	return k.Start(), nil
}

// NextKey is the nextCursor of a page a DynamoDB query ended with LastEvaluatedKey last (nil
// when last is empty).
func (c Cursor) NextKey(last map[string]types.AttributeValue) (*string, error) {
	k, err := KeyOf(last)
	if err != nil {
		return nil, err
	}
	return c.Next(k)
}

// Key is a position in a DynamoDB query: its LastEvaluatedKey, whose attributes are all
// strings (every key of the platform's tables is).
type Key map[string]string

// KeyOf is the position of LastEvaluatedKey last; nil when last is empty (the query is done).
func KeyOf(last map[string]types.AttributeValue) (Key, error) {
	if len(last) == 0 {
		return nil, nil
	}
	k := make(Key, len(last))
	for name, v := range last {
		s, ok := v.(*types.AttributeValueMemberS)
		if !ok {
			return nil, fmt.Errorf("page: key attribute %s is %T, not a string", name, v)
		}
		k[name] = s.Value
	}
	return k, nil
}

// Start is the ExclusiveStartKey that resumes the query after k; nil for a nil k.
func (k Key) Start() map[string]types.AttributeValue {
	if k == nil {
		return nil
	}
	out := make(map[string]types.AttributeValue, len(k))
	for name, v := range k {
		out[name] = &types.AttributeValueMemberS{Value: v}
	}
	return out
}

// Fits reports whether k has exactly the attributes keys, each non-empty, and those named in
// bound hold bound's values (the partition that selects the list).
func (k Key) Fits(keys []string, bound map[string]string) bool {
	if len(k) != len(keys) {
		return false
	}
	for _, name := range keys {
		v, ok := k[name]
		if !ok || v == "" {
			return false
		}
		if want, isBound := bound[name]; isBound && v != want {
			return false
		}
	}
	return true
}

// Spec is the paging of a list over one DynamoDB query whose cursor carries the query's
// LastEvaluatedKey: the limit's default and maximum, the key's attributes (Keys) and those
// bound to the list's own values (Bound) — a partition the list reads whatever the request.
type Spec struct {
	Default, Max int
	Bound        map[string]string
	Keys         []string
	// List names the list: its cursors are For(List), and no other list's.
	List string
}

func (s Spec) cursor() Cursor { return For(s.List) }

// Parse reads `limit` and `cursor` from q: the page size and the ExclusiveStartKey (nil for the
// first page).
func (s Spec) Parse(q map[string]string) (int, map[string]types.AttributeValue, error) {
	limit, err := Limit(q, s.Default, s.Max)
	if err != nil {
		return 0, nil, err
	}
	start, err := s.cursor().StartKey(q, s.Keys, s.Bound)
	return limit, start, err
}

// Read reads a list request: only `limit` and `cursor` are accepted in its query, and Parse
// reads them.
func (s Spec) Read(r *http.Request) (int, map[string]types.AttributeValue, error) {
	q, err := httpapi.Query(r, "limit", "cursor")
	if err != nil {
		return 0, nil, err
	}
	return s.Parse(q)
}

// Next is the nextCursor of a page of this list that ended with LastEvaluatedKey last.
func (s Spec) Next(last map[string]types.AttributeValue) (*string, error) {
	return s.cursor().NextKey(last)
}

// invalid is errs.InvalidCursor() remembering why, for logs only.
func invalid(format string, args ...any) error {
	return errs.InvalidCursor().WithCause(fmt.Errorf("page: cursor "+format, args...))
}

// strictJSON decodes exactly one JSON value from b into v: no unknown field, nothing after it.
func strictJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("data after the value")
	}
	return nil
}
