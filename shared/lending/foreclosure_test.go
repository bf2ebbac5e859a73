package lending

import (
	"testing"

	"holdfast/shared/platform/clock"
)

func TestForeclosureQuote(t *testing.T) {
	start := clock.NewDate(2025, 1, 31)
	p := BuildSchedule(dec("100000"), dec("12"), 12, start)
	status := make([]InstallmentStatus, 12)
	for i := range status {
		status[i] = InstScheduled
	}
	status[0] = InstPaid
	// 10 April: installment 2 (31 Mar) unpaid and 10 days late; the last due date is 31 March.
	today := clock.NewDate(2025, 4, 10)
	q := ForeclosureQuote(start, dec("12"), p.Installments, status, today, 700)
	outstanding := p.Installments[0].Closing
	if !q.OutstandingPrincipal.Equal(outstanding) || q.SinceDate.String() != "2025-03-31" || q.Days != 10 {
		t.Fatalf("%+v", q)
	}
	if !q.OverdueInterest.Equal(p.Installments[1].Interest) {
		t.Fatalf("overdue interest %s want %s", q.OverdueInterest, p.Installments[1].Interest)
	}
	// Accrued on the principal not yet due: (outstanding − installment 2's principal) × 1 % × 10/30.
	notDue := outstanding.Sub(p.Installments[1].Principal)
	if want := notDue.Mul(dec("0.01")).Mul(dec("10")).Div(dec("30")).Round(2); !q.AccruedInterest.Equal(want) {
		t.Fatalf("accrued %s want %s", q.AccruedInterest, want)
	}
	if want := Penalty(p.Installments[1].Amount, 10, 700); !q.Penalties.Equal(want) || !q.Fee.Equal(outstanding.Mul(dec("0.02")).Round(2)) {
		t.Fatalf("penalties %s fee %s", q.Penalties, q.Fee)
	}
	if !q.Total.Equal(q.OutstandingPrincipal.Add(q.OverdueInterest).Add(q.AccruedInterest).Add(q.Penalties).Add(q.Fee)) {
		t.Fatalf("total %s", q.Total)
	}
	// On the disbursal day: nothing accrued, only principal and fee.
	fresh := make([]InstallmentStatus, 12)
	for i := range fresh {
		fresh[i] = InstScheduled
	}
	q0 := ForeclosureQuote(start, dec("12"), p.Installments, fresh, start, 700)
	if !q0.Total.Equal(dec("102000")) || q0.Days != 0 {
		t.Fatalf("%+v", q0)
	}
}

func TestParseCalculator(t *testing.T) {
	today := clock.NewDate(2025, 5, 1)
	in, err := ParseCalculator(map[string]string{"principal": "0.01", "annualRate": "0", "tenureMonths": "360"}, today)
	if err != nil || in.StartDate != today || in.TenureMonths != 360 {
		t.Fatalf("%+v %v", in, err)
	}
	bad := []map[string]string{
		{"principal": "0", "annualRate": "1", "tenureMonths": "1"},
		{"principal": "1", "annualRate": "60.0001", "tenureMonths": "1"},
		{"principal": "1", "annualRate": "-1", "tenureMonths": "1"},
		{"principal": "1", "annualRate": "1e1", "tenureMonths": "1"},
		{"principal": "1", "annualRate": "1", "tenureMonths": "361"},
		{"principal": "1", "annualRate": "1", "tenureMonths": "0"},
		{"principal": "1", "annualRate": "1", "tenureMonths": "1", "startDate": "2025-02-30"},
	}
	for _, q := range bad {
		if _, err := ParseCalculator(q, today); err == nil {
			t.Errorf("%v accepted", q)
		}
	}
}
