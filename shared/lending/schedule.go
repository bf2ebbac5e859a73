package lending

import (
	"time"

	"github.com/shopspring/decimal"

	"holdfast/shared/money"
	"holdfast/shared/platform/clock"
)

// interestPrecision is the number of decimal places kept by intermediate interest maths.
const interestPrecision = 24

// Schedule bounds (the public calculator; loans are narrower, see the application rules).
const (
	MinTenureMonths = 1
	MaxTenureMonths = 360
)

var (
	hundred    = decimal.NewFromInt(100)
	twelve     = decimal.NewFromInt(12)
	MaxRate    = decimal.NewFromInt(60)
	quarterCap = decimal.RequireFromString("0.25")
)

// MonthlyRate is r = annual / 12 / 100, kept to interestPrecision places.
func MonthlyRate(annual decimal.Decimal) decimal.Decimal {
	return annual.DivRound(twelve.Mul(hundred), interestPrecision)
}

// EMI is round(P·r·(1+r)^n / ((1+r)^n − 1)); P/n when the rate is 0. Rounded HALF_UP to cents.
func EMI(principal, annualRate decimal.Decimal, n int) decimal.Decimal {
	if n <= 0 {
		return decimal.Zero
	}
	r := MonthlyRate(annualRate)
	if r.IsZero() {
		return money.Round(principal.DivRound(decimal.NewFromInt(int64(n)), interestPrecision))
	}
	growth := decimal.NewFromInt(1)
	onePlusR := r.Add(decimal.NewFromInt(1))
	for i := 0; i < n; i++ {
		growth = growth.Mul(onePlusR).Truncate(interestPrecision + 8)
	}
	num := principal.Mul(r).Mul(growth)
	return money.Round(num.DivRound(growth.Sub(decimal.NewFromInt(1)), interestPrecision))
}

// Installment is one line of a repayment schedule.
type Installment struct {
	No        int
	DueDate   clock.Date
	Amount    decimal.Decimal // principal + interest
	Principal decimal.Decimal
	Interest  decimal.Decimal
	Opening   decimal.Decimal // outstanding principal before this installment
	Closing   decimal.Decimal // outstanding principal after it
}

// Plan is a whole schedule.
type Plan struct {
	Principal     decimal.Decimal
	AnnualRate    decimal.Decimal
	TenureMonths  int
	StartDate     clock.Date
	EMI           decimal.Decimal
	TotalInterest decimal.Decimal
	TotalPayable  decimal.Decimal
	Installments  []Installment
}

// DueDate is installment no's due date for a loan disbursed (or started) on start: start's
// day of month in the no-th following month, clamped to that month's last day. Each date is
// computed from start, not from the previous due date, so 31 Jan → 28/29 Feb → 31 Mar.
func DueDate(start clock.Date, no int) clock.Date {
	first := time.Date(start.Year, start.Month+time.Month(no), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return clock.Date{Year: first.Year(), Month: first.Month(), Day: min(start.Day, last)}
}

// BuildSchedule is the reducing-balance schedule (SPEC §1.3): each installment's interest is
// round(outstanding · r), its principal EMI − interest, and the last installment takes the
// remaining principal, so the principal parts sum to P exactly. The public calculator and the
// disbursal worker both use it.
func BuildSchedule(principal, annualRate decimal.Decimal, n int, start clock.Date) Plan {
	r := MonthlyRate(annualRate)
	emi := EMI(principal, annualRate, n)
	p := Plan{Principal: principal, AnnualRate: annualRate, TenureMonths: n, StartDate: start, EMI: emi,
		TotalInterest: decimal.Zero, Installments: make([]Installment, 0, n)}
	outstanding := principal
	for i := 1; i <= n; i++ {
		interest := money.Round(outstanding.Mul(r))
		var part decimal.Decimal
		if i == n {
			part = outstanding
		} else {
			part = decimal.Min(emi.Sub(interest), outstanding)
			if part.IsNegative() {
				part = decimal.Zero
			}
		}
		inst := Installment{No: i, DueDate: DueDate(start, i), Principal: part, Interest: interest,
			Amount: part.Add(interest), Opening: outstanding, Closing: outstanding.Sub(part)}
		outstanding = inst.Closing
		p.TotalInterest = p.TotalInterest.Add(interest)
		p.Installments = append(p.Installments, inst)
	}
	p.TotalPayable = principal.Add(p.TotalInterest)
	return p
}
