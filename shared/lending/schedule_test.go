package lending

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"holdfast/shared/platform/clock"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// TestScheduleWorkedExample is SPEC §1.3's: P = 100,000, 12 % p.a., 12 months.
func TestScheduleWorkedExample(t *testing.T) {
	p := BuildSchedule(dec("100000"), dec("12"), 12, clock.NewDate(2025, 1, 15))
	if p.EMI.StringFixed(2) != "8884.88" {
		t.Fatalf("EMI %s", p.EMI)
	}
	last := p.Installments[11]
	if last.Amount.StringFixed(2) != "8884.85" {
		t.Fatalf("last installment %s", last.Amount)
	}
	if p.TotalInterest.StringFixed(2) != "6618.53" {
		t.Fatalf("total interest %s", p.TotalInterest)
	}
	for _, in := range p.Installments[:11] {
		if !in.Amount.Equal(p.EMI) {
			t.Fatalf("installment %d is %s", in.No, in.Amount)
		}
	}
	if first := p.Installments[0]; first.Interest.StringFixed(2) != "1000.00" || first.Principal.StringFixed(2) != "7884.88" {
		t.Fatalf("first %+v", first)
	}
}

func TestScheduleProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for i := 0; i < 3000; i++ {
		cents := rng.Int64N(1_000_000_000_00) + 1
		principal := decimal.New(cents, -2)
		rate := decimal.New(rng.Int64N(600_001), -4) // 0 … 60.0000
		if i%10 == 0 {
			rate = decimal.Zero
		}
		n := 1 + rng.IntN(360)
		p := BuildSchedule(principal, rate, n, clock.NewDate(2024, time.Month(1+rng.IntN(12)), 1+rng.IntN(31)))
		if len(p.Installments) != n {
			t.Fatalf("%d installments for n=%d", len(p.Installments), n)
		}
		sum, interest := decimal.Zero, decimal.Zero
		for k, in := range p.Installments {
			if in.Principal.IsNegative() || in.Interest.IsNegative() || in.Closing.IsNegative() {
				t.Fatalf("P=%s r=%s n=%d: negative part in %+v", principal, rate, n, in)
			}
			if !in.Amount.Equal(in.Principal.Add(in.Interest)) || !in.Amount.Equal(in.Amount.Round(2)) {
				t.Fatalf("amount %+v", in)
			}
			if k < n-1 && !in.Amount.Equal(p.EMI) && !in.Closing.IsZero() {
				t.Fatalf("P=%s r=%s n=%d: installment %d is %s, EMI %s", principal, rate, n, in.No, in.Amount, p.EMI)
			}
			sum = sum.Add(in.Principal)
			interest = interest.Add(in.Interest)
		}
		if !sum.Equal(principal) {
			t.Fatalf("P=%s r=%s n=%d: principal parts sum to %s", principal, rate, n, sum)
		}
		if !interest.Equal(p.TotalInterest) || !p.TotalPayable.Equal(principal.Add(interest)) {
			t.Fatalf("totals %+v", p)
		}
		last := p.Installments[n-1]
		if !last.Closing.IsZero() || !last.Principal.Equal(last.Opening) {
			t.Fatalf("last installment does not absorb the rest: %+v", last)
		}
		if rate.IsZero() {
			want := principal.DivRound(decimal.NewFromInt(int64(n)), 2)
			if !p.EMI.Equal(want) || !p.TotalInterest.IsZero() {
				t.Fatalf("rate 0: EMI %s want %s", p.EMI, want)
			}
		}
	}
}

func TestRateZeroIsPOverN(t *testing.T) {
	p := BuildSchedule(dec("1000"), decimal.Zero, 3, clock.NewDate(2025, 1, 1))
	got := []string{p.Installments[0].Amount.StringFixed(2), p.Installments[1].Amount.StringFixed(2), p.Installments[2].Amount.StringFixed(2)}
	if p.EMI.StringFixed(2) != "333.33" || got[0] != "333.33" || got[1] != "333.33" || got[2] != "333.34" {
		t.Fatalf("EMI %s installments %v", p.EMI, got)
	}
}

func TestDueDatesAcrossMonthEnds(t *testing.T) {
	cases := []struct {
		start string
		want  []string
	}{
		{"2024-01-31", []string{"2024-02-29", "2024-03-31", "2024-04-30", "2024-05-31"}},
		{"2025-01-31", []string{"2025-02-28", "2025-03-31", "2025-04-30", "2025-05-31"}},
		{"2099-12-31", []string{"2100-01-31", "2100-02-28"}}, // 2100 is not a leap year
		{"2000-01-30", []string{"2000-02-29", "2000-03-30"}}, // 2000 is
		{"2024-12-31", []string{"2025-01-31", "2025-02-28", "2025-03-31"}},
		{"2024-02-29", []string{"2024-03-29", "2024-04-29", "2025-02-28"}},
		{"2025-03-15", []string{"2025-04-15", "2025-05-15"}},
	}
	for _, c := range cases {
		start, _ := clock.ParseDate(c.start)
		for i, want := range c.want {
			no := i + 1
			if c.start == "2024-02-29" && i == 2 {
				no = 12
			}
			if got := DueDate(start, no).String(); got != want {
				t.Errorf("start %s installment %d: %s want %s", c.start, no, got, want)
			}
		}
	}
	p := BuildSchedule(dec("5000"), dec("12"), 3, clock.NewDate(2024, 1, 31))
	if p.Installments[0].DueDate.String() != "2024-02-29" || p.Installments[1].DueDate.String() != "2024-03-31" {
		t.Fatalf("%+v", p.Installments)
	}
}

func TestEMIWithinBounds(t *testing.T) {
	// 60 % for 360 months and a one-month loan stay finite and exact to the cent.
	if e := EMI(dec("1000000"), dec("60"), 360); e.StringFixed(2) != "50000.00" {
		t.Fatalf("EMI %s", e)
	}
	if e := EMI(dec("1000"), dec("12"), 1); e.StringFixed(2) != "1010.00" {
		t.Fatalf("EMI %s", e)
	}
}
