package dynamoitem

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/shopspring/decimal"
)

// ErrMalformed is matched (errors.Is) by every error a Reader reports: the item does not
// decode, and reading it again will not help.
var ErrMalformed = errors.New("item does not decode")

// Reader decodes the attributes of one item (or of a map attribute inside one), remembering the
// first problem, so that a decoder reads every field in one expression and checks Err once. A
// required attribute that is missing or of the wrong type reads as its zero value.
type Reader struct {
	item map[string]types.AttributeValue
	err  error
}

// NewReader reads item.
func NewReader(item map[string]types.AttributeValue) *Reader { return &Reader{item: item} }

// Err is the first problem met, wrapping ErrMalformed, or nil.
func (r *Reader) Err() error { return r.err }

// Fail records a problem with attribute name that the caller found ("is not a date"), unless
// an earlier one is recorded.
func (r *Reader) Fail(name, problem string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: attribute %q %s", ErrMalformed, name, problem)
	}
}

// Has reports whether the item has attribute name, of any type.
func (r *Reader) Has(name string) bool {
	_, ok := r.item[name]
	return ok
}

// S is a required string attribute.
func (r *Reader) S(name string) string {
	v, ok := r.item[name].(*types.AttributeValueMemberS)
	if !ok {
		r.Fail(name, "is missing or not a string")
		return ""
	}
	return v.Value
}

// OptS is an optional string attribute: "" when absent, a problem when of another type.
func (r *Reader) OptS(name string) string {
	if !r.Has(name) {
		return ""
	}
	return r.S(name)
}

// N is a required number attribute as its text ("0" when missing).
func (r *Reader) N(name string) string {
	v, ok := r.item[name].(*types.AttributeValueMemberN)
	if !ok {
		r.Fail(name, "is missing or not a number")
		return "0"
	}
	return v.Value
}

// Int is a required number attribute holding a signed 64-bit integer.
func (r *Reader) Int(name string) int64 {
	i, err := strconv.ParseInt(r.N(name), 10, 64)
	if err != nil {
		r.Fail(name, "is not an integer")
	}
	return i
}

// Uint is a required number attribute holding an unsigned 64-bit integer.
func (r *Reader) Uint(name string) uint64 {
	u, err := strconv.ParseUint(r.N(name), 10, 64)
	if err != nil {
		r.Fail(name, "is not an unsigned integer")
	}
	return u
}

// Decimal is a required number attribute, exactly as stored.
func (r *Reader) Decimal(name string) decimal.Decimal {
	d, err := decimal.NewFromString(r.N(name))
	if err != nil {
		r.Fail(name, "is not a decimal")
	}
	return d
}

// OptDecimal is an optional number attribute: nil when absent (or when it does not decode).
func (r *Reader) OptDecimal(name string) *decimal.Decimal {
	if !r.Has(name) {
		return nil
	}
	if _, ok := r.item[name].(*types.AttributeValueMemberN); !ok {
		r.Fail(name, "is not a number")
		return nil
	}
	d, err := decimal.NewFromString(r.N(name))
	if err != nil {
		r.Fail(name, "is not a decimal")
		return nil
	}
	return &d
}

// Time is a required string attribute holding an RFC 3339 time (any form Time, OptionalTime or
// SortableTime writes).
func (r *Reader) Time(name string) time.Time {
	t, err := ParseTime(r.S(name))
	if err != nil {
		r.Fail(name, "is not an RFC 3339 time")
	}
	return t
}
