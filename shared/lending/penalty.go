package lending

import (
	"github.com/shopspring/decimal"

	"holdfast/shared/money"
	"holdfast/shared/platform/clock"
)

// PenaltyDailyRate is the late penalty's daily rate by the borrower's credit score when paying:
// ≥ 750 → 0.05 %, 650–749 → 0.10 %, < 650 → 0.20 %.
func PenaltyDailyRate(creditScore int) decimal.Decimal {
	switch {
	case creditScore >= 750:
		return decimal.RequireFromString("0.0005")
	case creditScore >= 650:
		return decimal.RequireFromString("0.0010")
	}
	return decimal.RequireFromString("0.0020")
}

// Penalty is amount × daily rate × days overdue, capped at 25 % of amount, rounded HALF_UP to
// cents. Zero or negative days late give zero.
func Penalty(amount decimal.Decimal, daysLate, creditScore int) decimal.Decimal {
	if daysLate <= 0 || !amount.IsPositive() {
		return decimal.Zero
	}
	p := amount.Mul(PenaltyDailyRate(creditScore)).Mul(decimal.NewFromInt(int64(daysLate)))
	return money.Round(decimal.Min(p, amount.Mul(quarterCap)))
}

// DaysLate is how many business days today is past due (0 on or before the due date).
func DaysLate(due, today clock.Date) int { return max(due.DaysUntil(today), 0) }
