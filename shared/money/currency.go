package money

import (
	"fmt"
	"holdfast/shared/platform/errs"
)

// DefaultCurrency is the deployment currency when CURRENCY is not set (decision 0001).
const DefaultCurrency Currency = "INR"

// Currency is an ISO 4217 alphabetic code. A deployment has exactly one, read from its
// configuration; amounts never carry a currency of their own.
type Currency string

// ParseCurrency accepts three upper-case ASCII letters; the empty string means DefaultCurrency.
func ParseCurrency(code string) (Currency, error) {
	if code == "" {
		return DefaultCurrency, nil
	}
	if len(code) != 3 {
		return "", errs.BadRequest(CodeInvalidCurrency, fmt.Sprintf("%q must be three upper-case letters", code))
	}
	for i := 0; i < 3; i++ {
		if code[i] < 'A' || code[i] > 'Z' {
			return "", errs.BadRequest(CodeInvalidCurrency, fmt.Sprintf("%q must be three upper-case letters", code))
		}
	}
	return Currency(code), nil
}

// String is the code.
func (c Currency) String() string { return string(c) }
