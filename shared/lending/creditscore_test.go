package lending

import (
	"testing"

	"github.com/shopspring/decimal"

	"holdfast/shared/platform/clock"
)

func TestCreditScoreChange(t *testing.T) {
	due := clock.NewDate(2025, 2, 28)
	amt := decimal.RequireFromString
	cases := []struct {
		name string
		ev   ScoreEvent
		want ScoreChange
	}{
		{"tiny deposit", ScoreEvent{Kind: ScoreDeposit, Amount: amt("0.01")}, ScoreChange{}},
		{"deposit just under", ScoreEvent{Kind: ScoreDeposit, Amount: amt("999.99")}, ScoreChange{}},
		{"deposit of 1000.00", ScoreEvent{Kind: ScoreDeposit, Amount: amt("1000.00")}, ScoreChange{Delta: 5, Daily: true}},
		{"large deposit", ScoreEvent{Kind: ScoreDeposit, Amount: amt("250000")}, ScoreChange{Delta: 5, Daily: true}},
		{"repaid early", ScoreEvent{Kind: ScoreRepayment, PaidInFull: true, PaidOn: due.AddDays(-20), DueOn: due}, ScoreChange{Delta: 20}},
		{"repaid on the due date", ScoreEvent{Kind: ScoreRepayment, PaidInFull: true, PaidOn: due, DueOn: due}, ScoreChange{Delta: 20}},
		{"repaid a day late", ScoreEvent{Kind: ScoreRepayment, PaidInFull: true, PaidOn: due.AddDays(1), DueOn: due}, ScoreChange{}},
		{"not paid in full", ScoreEvent{Kind: ScoreRepayment, PaidOn: due, DueOn: due}, ScoreChange{}},
		{"no installment known", ScoreEvent{Kind: ScoreRepayment, PaidInFull: true, PaidOn: due}, ScoreChange{}},
		{"foreclosure and others", ScoreEvent{Kind: ScoreOther, Amount: amt("5000")}, ScoreChange{}},
	}
	for _, c := range cases {
		if got := CreditScoreChange(c.ev); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}
