// Package money is how Holdfast reads, rounds, bounds and writes amounts of money: decimal values
// (github.com/shopspring/decimal) carried in JSON as strings such as "1500.00", with at most two
// decimal places on input and HALF_UP rounding to two places for anything that is posted, in the
// one currency a deployment is configured with.
//
// It must never use a binary floating-point type for an amount, accept an amount that carries
// more precision than it shows (an exponent, a third decimal place), round silently where the
// caller did not ask for rounding, or do I/O.
package money

import (
	"encoding/json"
	"fmt"
	"holdfast/shared/platform/errs"
	"strings"

	"github.com/shopspring/decimal"
)

// Places is the number of decimal places of a posted amount.
const Places = 2

// MaxInputLen bounds the text form of an amount on input, and MaxIntegerDigits its integer part
// (leading zeros included): far above any plausible amount, and small enough that every
// accepted amount's canonical form is itself accepted.
const (
	MaxInputLen      = 24
	MaxIntegerDigits = 18
)

// Stable machine codes of the errors this package returns.
const (
	CodeInvalidAmount     = "invalid_amount"
	CodeAmountTooPrecise  = "amount_too_precise"
	CodeAmountOutOfBounds = "amount_out_of_bounds"
	CodeInvalidCurrency   = "invalid_currency"
)

// Sentinels for errors.Is (which matches on the code). Every error this package returns is an
// errs.Error of kind Invalid whose detail is written for the client, as a field message.
var (
	ErrInvalidAmount     = errs.BadRequest(CodeInvalidAmount, "not a decimal amount")
	ErrAmountTooPrecise  = errs.BadRequest(CodeAmountTooPrecise, "more than 2 decimal places")
	ErrAmountOutOfBounds = errs.BadRequest(CodeAmountOutOfBounds, "outside the allowed range")
	ErrInvalidCurrency   = errs.BadRequest(CodeInvalidCurrency, "not a currency code")
)

// Parse reads the text form of an amount: an optional '-', one or more ASCII digits, and
// optionally a '.' followed by one or two digits. Anything else — a '+', spaces, an exponent,
// a bare '.', three decimal places (even "1.000") — is rejected, so the value read is exactly
// the value written.
func Parse(s string) (decimal.Decimal, error) {
	if len(s) == 0 || len(s) > MaxInputLen {
		return decimal.Decimal{}, errs.BadRequest(CodeInvalidAmount, fmt.Sprintf("must be a decimal amount of at most %d characters, such as \"1500.00\"", MaxInputLen))
	}
	i := 0
	if s[0] == '-' {
		i = 1
	}
	intStart := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i == intStart {
		return decimal.Decimal{}, errs.BadRequest(CodeInvalidAmount, "must be a decimal amount such as \"1500.00\"")
	}
	if i-intStart > MaxIntegerDigits {
		return decimal.Decimal{}, errs.BadRequest(CodeInvalidAmount, fmt.Sprintf("must have at most %d digits before the decimal point", MaxIntegerDigits))
	}
	if i < len(s) {
		if s[i] != '.' {
			return decimal.Decimal{}, errs.BadRequest(CodeInvalidAmount, "must be a decimal amount such as \"1500.00\"")
		}
		i++
		fracStart := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i != len(s) || i == fracStart {
			return decimal.Decimal{}, errs.BadRequest(CodeInvalidAmount, "must be a decimal amount such as \"1500.00\"")
		}
		if i-fracStart > Places {
			return decimal.Decimal{}, errs.BadRequest(CodeAmountTooPrecise, "must have at most 2 decimal places")
		}
	}
	d, err := decimal.NewFromString(s)
	if err != nil { // unreachable for the grammar above; kept so a library change cannot slip by
		return decimal.Decimal{}, errs.BadRequest(CodeInvalidAmount, "must be a decimal amount such as \"1500.00\"")
	}
	return d, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// ParseJSON reads an amount from a JSON value, which must be a string holding Parse's form:
// `"1500.00"` is an amount, `1500.00` (a JSON number) is not.
func ParseJSON(raw []byte) (decimal.Decimal, error) {
	trimmed := strings.TrimSpace(string(raw))
	if len(trimmed) == 0 || trimmed[0] != '"' {
		return decimal.Decimal{}, errs.BadRequest(CodeInvalidAmount, "must be a string such as \"1500.00\"")
	}
	var s string
	if err := json.Unmarshal([]byte(trimmed), &s); err != nil {
		return decimal.Decimal{}, errs.BadRequest(CodeInvalidAmount, "must be a string such as \"1500.00\"")
	}
	return Parse(s)
}

// Round rounds d to 2 decimal places HALF_UP: a tie moves away from zero (1.005 → 1.01,
// -1.005 → -1.01), as java.math.RoundingMode.HALF_UP does.
func Round(d decimal.Decimal) decimal.Decimal { return d.Round(Places) }

// Exact reports whether d has no more than 2 decimal places of value (1.50 and 1.5 are exact,
// 1.505 is not).
func Exact(d decimal.Decimal) bool { return d.Equal(d.Round(Places)) }

// Format is the canonical text of an amount: exactly 2 decimal places, a leading '-' when
// negative, no grouping ("1500.00", "-0.50", "0.00"). d must be Exact; an inexact d is rounded
// HALF_UP first, so callers that must not round check Exact before.
func Format(d decimal.Decimal) string { return d.StringFixed(Places) }

// JSON is the JSON form of an amount: Format's text as a JSON string.
func JSON(d decimal.Decimal) json.RawMessage {
	b, _ := json.Marshal(Format(d)) // marshalling a string cannot fail
	return b
}

// Bounds is an inclusive range of allowed amounts.
type Bounds struct {
	Min, Max decimal.Decimal
}

// NewBounds builds Bounds from two amounts in Parse's form.
func NewBounds(min, max string) (Bounds, error) {
	lo, err := Parse(min)
	if err != nil {
		return Bounds{}, fmt.Errorf("bounds min %q: %w", min, err)
	}
	hi, err := Parse(max)
	if err != nil {
		return Bounds{}, fmt.Errorf("bounds max %q: %w", max, err)
	}
	if lo.GreaterThan(hi) {
		return Bounds{}, fmt.Errorf("bounds: min %s is above max %s", min, max)
	}
	return Bounds{Min: lo, Max: hi}, nil
}

// MustBounds is NewBounds for constant arguments at package initialisation.
func MustBounds(min, max string) Bounds {
	b, err := NewBounds(min, max)
	if err != nil {
		panic(err)
	}
	return b
}

// Check reports ErrAmountOutOfBounds (with the range in its detail) unless Min ≤ d ≤ Max.
func (b Bounds) Check(d decimal.Decimal) error {
	if d.LessThan(b.Min) || d.GreaterThan(b.Max) {
		return errs.BadRequest(CodeAmountOutOfBounds, fmt.Sprintf("must be between %s and %s", Format(b.Min), Format(b.Max)))
	}
	return nil
}

// Parse reads an amount in Parse's form and checks it against b.
func (b Bounds) Parse(s string) (decimal.Decimal, error) {
	d, err := Parse(s)
	if err != nil {
		return decimal.Decimal{}, err
	}
	if err := b.Check(d); err != nil {
		return decimal.Decimal{}, err
	}
	return d, nil
}

// ParseJSON reads an amount from a JSON string and checks it against b.
func (b Bounds) ParseJSON(raw []byte) (decimal.Decimal, error) {
	d, err := ParseJSON(raw)
	if err != nil {
		return decimal.Decimal{}, err
	}
	if err := b.Check(d); err != nil {
		return decimal.Decimal{}, err
	}
	return d, nil
}

// Message is what a field error says about an amount or currency this package refused: the
// error's own detail, or the general rule for anything else.
func Message(err error) string {
	if e, ok := errs.As(err); ok && e.Detail != "" {
		return e.Detail
	}
	return `must be a decimal amount such as "1500.00"`
}
