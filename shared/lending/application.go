package lending

import (
	"errors"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"holdfast/shared/money"
	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/text"
)

// Application bounds (SPEC §1.3).
var (
	MinPrincipal = decimal.NewFromInt(1_000)
	MaxPrincipal = decimal.NewFromInt(5_000_000)
)

// Loan application limits.
const (
	MinLoanTenure   = 3
	MaxLoanTenure   = 60
	MaxPurposeLen   = 200
	MaxOpenLoans    = 3
	CodeLoanLimit   = "open_loan_limit"
	MaxNoteLen      = 500
	MaxCalcTenure   = MaxTenureMonths
	calcPrincipalMx = "1000000000000"
)

// Application is a validated loan application.
type Application struct {
	Principal    decimal.Decimal
	TenureMonths int
	Purpose      string
}

// ParseApplication validates an application's fields, naming every bad one.
func ParseApplication(principal *string, tenure *int, purpose *string) (Application, error) {
	var v errs.Validator
	var a Application
	if principal == nil {
		v.Add("principal", "is required")
	} else if p, err := money.Parse(*principal); err != nil {
		v.Add("principal", money.Message(err))
	} else if p.LessThan(MinPrincipal) || p.GreaterThan(MaxPrincipal) {
		v.Add("principal", "must be between 1000.00 and 5000000.00")
	} else {
		a.Principal = p
	}
	if tenure == nil {
		v.Add("tenureMonths", "is required")
	} else if *tenure < MinLoanTenure || *tenure > MaxLoanTenure {
		v.Add("tenureMonths", "must be between 3 and 60")
	} else {
		a.TenureMonths = *tenure
	}
	if purpose == nil {
		v.Add("purpose", "is required")
	} else if msg := checkText(*purpose, MaxPurposeLen); msg != "" {
		v.Add("purpose", msg)
	} else {
		a.Purpose = strings.TrimSpace(*purpose)
	}
	return a, v.Err()
}

// ParseNote validates an approver's or canceller's note (optional, ≤ 500 characters); a bad
// one is a validation error naming field.
func ParseNote(field string, note *string) (string, error) {
	if note == nil {
		return "", nil
	}
	if *note == "" {
		return "", nil
	}
	if msg := checkText(*note, MaxNoteLen); msg != "" {
		return "", errs.Validation(errs.Field(field, msg))
	}
	return strings.TrimSpace(*note), nil
}

// ParseRejectionNote validates an approver's rejection note: unlike an approval's, it is
// required and must not be blank (a rejection says why), at most 500 characters.
func ParseRejectionNote(note *string) (string, error) {
	if note == nil {
		return "", errs.Validation(errs.Field("note", "is required"))
	}
	v, err := ParseNote("note", note)
	if err != nil {
		return "", err
	}
	if v == "" {
		return "", errs.Validation(errs.Field("note", "must not be blank"))
	}
	return v, nil
}

// checkText is the platform's free-text rule (package text) for a required field of at most
// maxLen characters.
func checkText(s string, maxLen int) string {
	if strings.TrimSpace(s) == "" {
		return "must not be blank"
	}
	return text.Rule{Max: maxLen}.Check(s)
}

// CalculatorInput is a validated calculator query.
type CalculatorInput struct {
	Principal    decimal.Decimal
	AnnualRate   decimal.Decimal
	TenureMonths int
	StartDate    clock.Date
}

// ParseCalculator validates the calculator's query: any positive principal (≤ 10^12), any rate
// 0–60 % with at most 4 decimal places, 1–360 months, a YYYY-MM-DD start date (default today).
func ParseCalculator(q map[string]string, today clock.Date) (CalculatorInput, error) {
	var v errs.Validator
	in := CalculatorInput{StartDate: today}
	if s, ok := q["principal"]; !ok {
		v.Add("principal", "is required")
	} else if p, err := money.Parse(s); err != nil {
		v.Add("principal", money.Message(err))
	} else if !p.IsPositive() || p.GreaterThan(decimal.RequireFromString(calcPrincipalMx)) {
		v.Add("principal", "must be greater than 0 and at most "+calcPrincipalMx)
	} else {
		in.Principal = p
	}
	if s, ok := q["annualRate"]; !ok {
		v.Add("annualRate", "is required")
	} else if r, err := parseRate(s); err != nil {
		v.Add("annualRate", err.Error())
	} else {
		in.AnnualRate = r
	}
	if s, ok := q["tenureMonths"]; !ok {
		v.Add("tenureMonths", "is required")
	} else if n, err := strconv.Atoi(s); err != nil || len(s) > 3 || n < MinTenureMonths || n > MaxCalcTenure {
		v.Add("tenureMonths", "must be an integer between 1 and 360")
	} else {
		in.TenureMonths = n
	}
	if s, ok := q["startDate"]; ok {
		d, err := clock.ParseDate(s)
		if err != nil {
			v.Add("startDate", clock.DateRule)
		} else {
			in.StartDate = d
		}
	}
	return in, v.Err()
}

func parseRate(s string) (decimal.Decimal, error) {
	bad := errors.New("must be a percentage between 0 and 60 with at most 4 decimal places, such as \"12.5\"")
	if len(s) == 0 || len(s) > 10 {
		return decimal.Decimal{}, bad
	}
	for i := 0; i < len(s); i++ {
		if (s[i] < '0' || s[i] > '9') && s[i] != '.' {
			return decimal.Decimal{}, bad
		}
	}
	if strings.Count(s, ".") > 1 || s[0] == '.' || s[len(s)-1] == '.' {
		return decimal.Decimal{}, bad
	}
	if i := strings.IndexByte(s, '.'); i >= 0 && len(s)-i-1 > 4 {
		return decimal.Decimal{}, bad
	}
	r, err := decimal.NewFromString(s)
	if err != nil || r.IsNegative() || r.GreaterThan(MaxRate) {
		return decimal.Decimal{}, bad
	}
	return r, nil
}
