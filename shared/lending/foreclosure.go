package lending

import (
	"github.com/shopspring/decimal"

	"holdfast/shared/money"
	"holdfast/shared/platform/clock"
)

// ForeclosureFeeRate is the fee on the outstanding principal (2 %).
var ForeclosureFeeRate = decimal.RequireFromString("0.02")

var thirty = decimal.NewFromInt(30)

// InstallmentStatus is where an installment stands.
type InstallmentStatus string

// Installment statuses.
const (
	InstScheduled InstallmentStatus = "SCHEDULED"
	InstDue       InstallmentStatus = "DUE"
	InstOverdue   InstallmentStatus = "OVERDUE"
	InstPaid      InstallmentStatus = "PAID"
	InstCancelled InstallmentStatus = "CANCELLED"
)

// Unpaid reports whether the installment is still owed.
func (s InstallmentStatus) Unpaid() bool {
	return s == InstScheduled || s == InstDue || s == InstOverdue
}

// Quote is a foreclosure quote's figures.
type Quote struct {
	OutstandingPrincipal decimal.Decimal
	OverdueInterest      decimal.Decimal // interest of unpaid installments already due
	AccruedInterest      decimal.Decimal // since the last due date: days/30 of a period's interest
	Penalties            decimal.Decimal // late penalties of unpaid installments, as of today
	Fee                  decimal.Decimal // 2 % of the outstanding principal
	Total                decimal.Decimal
	SinceDate            clock.Date // the last due date (or the disbursal date)
	Days                 int
}

// ForeclosureQuote prices settling a loan on today: outstanding principal + interest of
// installments already due and unpaid + interest accrued since the last due date (actual days
// / 30 of one period's interest on the outstanding principal) + their late penalties + the 2 %
// fee on the outstanding principal.
func ForeclosureQuote(disbursedOn clock.Date, annualRate decimal.Decimal, insts []Installment, status []InstallmentStatus, today clock.Date, creditScore int) Quote {
	q := Quote{OutstandingPrincipal: decimal.Zero, OverdueInterest: decimal.Zero, Penalties: decimal.Zero, SinceDate: disbursedOn}
	for i, in := range insts {
		if !in.DueDate.After(today) && in.DueDate.After(q.SinceDate) {
			q.SinceDate = in.DueDate
		}
		if !status[i].Unpaid() {
			continue
		}
		q.OutstandingPrincipal = q.OutstandingPrincipal.Add(in.Principal)
		if !in.DueDate.After(today) {
			q.OverdueInterest = q.OverdueInterest.Add(in.Interest)
			q.Penalties = q.Penalties.Add(Penalty(in.Amount, DaysLate(in.DueDate, today), creditScore))
		}
	}
	q.Days = max(q.SinceDate.DaysUntil(today), 0)
	// Interest for the current period accrues on the principal outstanding after the
	// installments already due are counted as owed.
	notYetDue := decimal.Zero
	for i, in := range insts {
		if status[i].Unpaid() && in.DueDate.After(today) {
			notYetDue = notYetDue.Add(in.Principal)
		}
	}
	periodInterest := notYetDue.Mul(MonthlyRate(annualRate))
	q.AccruedInterest = money.Round(periodInterest.Mul(decimal.NewFromInt(int64(q.Days))).Div(thirty))
	q.Fee = money.Round(q.OutstandingPrincipal.Mul(ForeclosureFeeRate))
	q.Total = q.OutstandingPrincipal.Add(q.OverdueInterest).Add(q.AccruedInterest).Add(q.Penalties).Add(q.Fee)
	return q
}
