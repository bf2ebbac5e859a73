// Package dynamoitem is the one set of small DynamoDB item tools every store uses: attribute
// constructors (S, N, Number, Key), the stored forms of a time, a Reader that decodes an item's
// attributes remembering the first problem, and CancellationReasons, which reads a cancelled
// transaction's per-item reasons. Stores keep their own key layouts and item shapes; this
// package knows nothing of any product.
//
// It must never change what it writes for a value: items already in the tables (and the sort
// keys built from these forms) are read back with the same functions.
package dynamoitem

import (
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// S is a string attribute.
func S(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

// integer is every Go integer type: N takes any of them without a conversion at the call.
type integer interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

// N is a number attribute holding an integer, in its shortest decimal form.
func N[T integer](v T) types.AttributeValue {
	if v < 0 {
		return &types.AttributeValueMemberN{Value: strconv.FormatInt(int64(v), 10)}
	}
	return &types.AttributeValueMemberN{Value: strconv.FormatUint(uint64(v), 10)}
}

// Number is a number attribute from text already in DynamoDB's number syntax, such as an
// amount with its fixed places ("1500.00"); the text is stored as given.
func Number(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }

// Key is the primary key of a table keyed by the strings pk (hash) and sk (range), as every
// Holdfast product table is.
func Key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": S(pk), "sk": S(sk)}
}

// sortableLayout has a fixed nine-digit fraction: unlike time.RFC3339Nano, which trims trailing
// zeros, its strings sort lexically in time order.
const sortableLayout = "2006-01-02T15:04:05.000000000Z"

// Time is t as a stored attribute: RFC 3339 in UTC with as many fraction digits as t needs.
func Time(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// OptionalTime is Time, except that the zero time is "" (so that an omitempty field is left out).
func OptionalTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return Time(t)
}

// SortableTime is t in UTC with a fixed nine-digit fraction, for sort keys and other strings
// compared lexically: two such strings order as their times do.
func SortableTime(t time.Time) string { return t.UTC().Format(sortableLayout) }

// ParseTime reads any of the forms above (any RFC 3339 time).
func ParseTime(v string) (time.Time, error) { return time.Parse(time.RFC3339Nano, v) }

// TimeOrZero is ParseTime for values whose absence or damage means "no time": "" or a value
// that does not parse is the zero time.
func TimeOrZero(v string) time.Time {
	t, _ := ParseTime(v)
	return t
}
