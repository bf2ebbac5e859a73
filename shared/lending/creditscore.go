package lending

import (
	"github.com/shopspring/decimal"

	"holdfast/shared/platform/clock"
)

// Credit-score movements of ledger transactions (SPEC §1.4).
const (
	// RepaymentScoreBonus is an installment repaid in full and on time.
	RepaymentScoreBonus = 20
	// DepositScoreBonus is a deposit of at least DepositScoreMinimum, at most once per
	// customer per business day.
	DepositScoreBonus = 5
)

// DepositScoreMinimum is the smallest deposit that moves the score.
var DepositScoreMinimum = decimal.RequireFromString("1000.00")

// ScoreEventKind is what a ledger transaction was, for the credit score.
type ScoreEventKind int

// The kinds of transaction the score looks at; everything else (withdrawals, disbursals,
// foreclosures, …) is ScoreOther.
const (
	ScoreOther ScoreEventKind = iota
	ScoreDeposit
	ScoreRepayment
)

// ScoreEvent is one ledger transaction as seen from one customer's wallet.
type ScoreEvent struct {
	Kind   ScoreEventKind
	Amount decimal.Decimal // a deposit's amount into the wallet
	// A repayment's installment: whether it is now paid in full, and the business day it was
	// paid against the day it was due.
	PaidInFull    bool
	PaidOn, DueOn clock.Date
}

// ScoreChange is what an event does to a score: Delta, and whether the change is the
// business day's one deposit bonus (Daily: it applies only if the customer has not had it on
// that day, which the store records with the change).
type ScoreChange struct {
	Delta int
	Daily bool
}

// CreditScoreChange is the scoring rule: a repayment +20 only for an installment paid in full
// on or before its due date (late: 0); a deposit +5 only when at least 1,000.00, and then
// once per business day (Daily); anything else, foreclosure included, 0.
func CreditScoreChange(ev ScoreEvent) ScoreChange {
	switch ev.Kind {
	case ScoreRepayment:
		if ev.PaidInFull && !ev.PaidOn.IsZero() && !ev.DueOn.IsZero() && !ev.DueOn.Before(ev.PaidOn) {
			return ScoreChange{Delta: RepaymentScoreBonus}
		}
	case ScoreDeposit:
		if ev.Amount.GreaterThanOrEqual(DepositScoreMinimum) {
			return ScoreChange{Delta: DepositScoreBonus, Daily: true}
		}
	}
	return ScoreChange{}
}
