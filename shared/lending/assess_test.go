package lending

import (
	"testing"

	"github.com/shopspring/decimal"

	"holdfast/shared/platform/errs"
)

func TestAssess(t *testing.T) {
	pol := DefaultRiskPolicy()
	income := func(s string) *decimal.Decimal { d := dec(s); return &d }
	cases := []struct {
		name     string
		score    int
		income   *decimal.Decimal
		active   string
		rejected bool
		grade    string
		rate     string
		rec      string
	}{
		{"A approve", 750, income("100000"), "0", false, "A", "10.5", "APPROVE"},
		{"B approve", 749, income("100000"), "0", false, "B", "13.5", "APPROVE"},
		{"B at 650", 650, income("100000"), "0", false, "B", "13.5", "APPROVE"},
		{"C review", 649, income("100000"), "0", false, "C", "17.5", "REVIEW"},
		{"C at 550", 550, income("100000"), "0", false, "C", "17.5", "REVIEW"},
		{"549 rejected", 549, income("100000"), "0", true, "", "", ""},
		{"no income", 800, nil, "0", true, "A", "10.5", ""},
		{"zero income", 800, income("0"), "0", true, "A", "10.5", ""},
		{"DTI above 50%", 800, income("10000"), "0", true, "A", "10.5", ""},
		{"DTI between 40 and 50 → review", 800, income("20000"), "0", false, "A", "10.5", "REVIEW"},
		{"existing EMIs push over 50%", 800, income("20000"), "2000", true, "A", "10.5", ""},
	}
	for _, c := range cases {
		// 100,000 over 12 months at 10.5 %: EMI 8,814.93
		a := pol.Assess(c.score, c.income, dec(c.active), dec("100000"), 12)
		if a.Rejected != c.rejected || a.Grade != c.grade || a.Recommendation != c.rec ||
			(c.rate != "" && !a.AnnualRate.Equal(dec(c.rate))) {
			t.Errorf("%s: %+v", c.name, a)
		}
	}
	a := pol.Assess(800, income("20000"), decimal.Zero, dec("100000"), 12)
	if a.EMI.StringFixed(2) != "8814.86" || a.DTI.String() != "0.4407" {
		t.Fatalf("%+v", a)
	}
	// DTI exactly 50 % is allowed; exactly 40 % is APPROVE.
	exact := pol.Assess(800, income("17629.72"), decimal.Zero, dec("100000"), 12)
	if exact.Rejected || exact.DTI.String() != "0.5" {
		t.Fatalf("%+v", exact)
	}
	forty := pol.Assess(800, income("22037.15"), decimal.Zero, dec("100000"), 12)
	if forty.Recommendation != RecommendApprove {
		t.Fatalf("%+v", forty)
	}
}

func TestCheckApproval(t *testing.T) {
	p := DefaultRiskPolicy()
	income := decimal.RequireFromString("30000.00")
	for _, c := range []struct {
		income         *decimal.Decimal
		committed, emi string
		refused        bool
	}{
		{&income, "0", "11642.76", false},
		{&income, "3357.24", "11642.76", false}, // exactly 50 %
		{&income, "3357.25", "11642.76", true},
		{&income, "11642.76", "11642.76", true},
		{nil, "0", "100.00", true},
	} {
		err := p.CheckApproval(c.income, decimal.RequireFromString(c.committed), decimal.RequireFromString(c.emi))
		if c.refused != (err != nil) || (err != nil && (errs.CodeOf(err) != CodeDTIExceeded || errs.KindOf(err) != errs.KindUnprocessable)) {
			t.Errorf("%+v: %v", c, err)
		}
	}
	for _, s := range States() {
		counts := s == StateAssessed || s == StateApproved || s == StateActive
		commits := s == StateApproved || s == StateActive
		if s.CountsTowardDTI() != counts || s.CommitsEMI() != commits {
			t.Errorf("%s: counts %v commits %v", s, s.CountsTowardDTI(), s.CommitsEMI())
		}
	}
}
