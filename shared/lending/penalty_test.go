package lending

import (
	"testing"

	"holdfast/shared/platform/clock"
)

func TestPenaltyTiersAndCap(t *testing.T) {
	cases := []struct {
		amount string
		days   int
		score  int
		want   string
	}{
		{"10000.00", 0, 600, "0.00"},    // not late
		{"10000.00", -3, 600, "0.00"},   // early
		{"10000.00", 10, 649, "200.00"}, // < 650: 0.20 %/day
		{"10000.00", 10, 650, "100.00"}, // 650: 0.10 %/day
		{"10000.00", 10, 749, "100.00"},
		{"10000.00", 10, 750, "50.00"}, // ≥ 750: 0.05 %/day
		{"10000.00", 1, 900, "5.00"},
		{"10000.00", 125, 649, "2500.00"}, // exactly the cap
		{"10000.00", 126, 649, "2500.00"}, // capped at 25 %
		{"10000.00", 1000, 750, "2500.00"},
		{"10000.00", 499, 750, "2495.00"},
		{"8884.88", 3, 650, "26.65"}, // 26.65464 → HALF_UP
		{"0.01", 1, 300, "0.00"},
	}
	for _, c := range cases {
		if got := Penalty(dec(c.amount), c.days, c.score).StringFixed(2); got != c.want {
			t.Errorf("Penalty(%s, %d days, score %d) = %s want %s", c.amount, c.days, c.score, got, c.want)
		}
	}
	if DaysLate(clock.NewDate(2024, 2, 28), clock.NewDate(2024, 3, 1)) != 2 || DaysLate(clock.NewDate(2024, 3, 1), clock.NewDate(2024, 3, 1)) != 0 {
		t.Fatal("days late")
	}
}
