// Package page is how list routes page: every list reads `?limit=` here, and lists over a
// DynamoDB query (the fraud alerts, the doctors, the approval queue) also use its opaque cursor
// carrying the query's LastEvaluatedKey; the audit log, the wallet statement, the digests and
// the tenants keep cursors of their own shape (a time range, a chain sequence, a tenant ID). A
// key cursor is bound to its list — the attributes that select the list (an index partition,
// say) must hold the list's own values — so it cannot be forged to read another partition. It
// must never accept a cursor it cannot verify.
package page

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"holdfast/shared/platform/errs"
	"slices"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// MaxCursor bounds an encoded cursor's length.
const MaxCursor = 1024

// CodeInvalidCursor is the problem code of a cursor that is not the list's own (the code every
// list route of the platform answers).
const CodeInvalidCursor = "invalid_cursor"

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

// Encode turns a LastEvaluatedKey of string attributes into a cursor; nil when the list is
// done (no key).
func Encode(key map[string]types.AttributeValue) (*string, error) {
	if len(key) == 0 {
		return nil, nil
	}
	flat := make(map[string]string, len(key))
	for k, v := range key {
		s, ok := v.(*types.AttributeValueMemberS)
		if !ok {
			return nil, fmt.Errorf("page: key attribute %s is not a string", k)
		}
		flat[k] = s.Value
	}
	b, err := json.Marshal(flat)
	if err != nil {
		return nil, err
	}
	c := base64.RawURLEncoding.EncodeToString(b)
	return &c, nil
}

// Decode reads the `cursor` query parameter back into an ExclusiveStartKey (nil when absent).
// The cursor must name exactly the attributes in keys, each non-empty, and those in bound must
// hold the given values; anything else is a 400 invalid_cursor naming `cursor`.
func Decode(q map[string]string, bound map[string]string, keys ...string) (map[string]types.AttributeValue, error) {
	s, ok := q["cursor"]
	if !ok {
		return nil, nil
	}
	bad := errs.BadRequest(CodeInvalidCursor, "The cursor is not one this list issued.",
		errs.Field("cursor", "is not a cursor this list issued"))
	if len(s) > MaxCursor {
		return nil, bad
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	var flat map[string]string
	if json.Unmarshal(raw, &flat) != nil || len(flat) != len(keys) {
		return nil, bad
	}
	keys = slices.Sorted(slices.Values(keys)) // the caller's slice stays as it was
	out := make(map[string]types.AttributeValue, len(keys))
	for _, k := range keys {
		v, ok := flat[k]
		if !ok || v == "" {
			return nil, bad
		}
		if want, isBound := bound[k]; isBound && v != want {
			return nil, bad
		}
		out[k] = &types.AttributeValueMemberS{Value: v}
	}
	return out, nil
}

// Spec is one list's paging: the limit's default and maximum, and the key its cursor carries
// (Keys) with the attributes bound to the list's own values (Bound).
type Spec struct {
	Default, Max int
	Bound        map[string]string
	Keys         []string
}

// Parse reads `limit` and `cursor` from q: the page size and the ExclusiveStartKey (nil for the
// first page).
func (s Spec) Parse(q map[string]string) (int, map[string]types.AttributeValue, error) {
	limit, err := Limit(q, s.Default, s.Max)
	if err != nil {
		return 0, nil, err
	}
	start, err := Decode(q, s.Bound, s.Keys...)
	return limit, start, err
}

// Body is a page's answer, {"items": items, "nextCursor": cursor or null}.
func Body[T any](items []T, last map[string]types.AttributeValue) (map[string]any, error) {
	next, err := Encode(last)
	if err != nil {
		return nil, err
	}
	return map[string]any{"items": items, "nextCursor": next}, nil
}
