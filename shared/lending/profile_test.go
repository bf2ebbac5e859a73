package lending

import (
	"holdfast/shared/platform/errs"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func TestParseMonthlyIncome(t *testing.T) {
	ok := map[string]string{
		"0": "0.00", "0.00": "0.00", "50000": "50000.00", "50000.5": "50000.50", "1.23": "1.23",
		"1000000000": "1000000000.00", "1000000000.00": "1000000000.00", "007": "7.00", "1.230": "1.23",
	}
	for in, want := range ok {
		d, err := ParseMonthlyIncome(in)
		if err != nil || d.StringFixed(2) != want {
			t.Errorf("%q: %v %v", in, d, err)
		}
	}
	bad := map[string]string{
		"":                                    "decimal string",
		"-1":                                  "negative",
		"-0.01":                               "negative",
		"-0":                                  "negative",
		"1.234":                               "2 decimal places",
		"0.001":                               "2 decimal places",
		"1000000000.01":                       "at most",
		"1e3":                                 "decimal string",
		"+5":                                  "decimal string",
		" 5":                                  "decimal string",
		"5.":                                  "decimal string",
		".5":                                  "decimal string",
		"NaN":                                 "decimal string",
		"1,000":                               "decimal string",
		"99999999999999999999999999999999999": "decimal string",
	}
	for in, want := range bad {
		_, err := ParseMonthlyIncome(in)
		p, _ := errs.As(err)
		if p == nil || p.Kind != errs.KindInvalid || len(p.Fields) != 1 || p.Fields[0].Field != FieldMonthlyIncome {
			t.Errorf("%q: %v", in, err)
			continue
		}
		if !strings.Contains(p.Fields[0].Message, want) {
			t.Errorf("%q: message %q lacks %q", in, p.Fields[0].Message, want)
		}
	}
}

func TestCreditScoreBounds(t *testing.T) {
	cases := map[int]int{-50: 300, 0: 300, 299: 300, 300: 300, 650: 650, 900: 900, 901: 900, 5000: 900}
	for in, want := range cases {
		if got := ClampCreditScore(in); got != want {
			t.Errorf("Clamp(%d) = %d", in, got)
		}
	}
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	p := NewProfile("u", now)
	if p.CreditScore != 650 || p.MonthlyIncome != nil || p.Version != 1 || !p.CreatedAt.Equal(now) {
		t.Fatalf("%+v", p)
	}
	later := now.Add(time.Hour)
	up := p.AdjustCreditScore(300, later)
	if up.CreditScore != 900 || up.Version != 2 || !up.UpdatedAt.Equal(later) || !up.CreatedAt.Equal(now) {
		t.Fatalf("%+v", up)
	}
	if same := up.AdjustCreditScore(20, later.Add(time.Hour)); same.Version != 2 || same.CreditScore != 900 {
		t.Fatalf("a no-op change must not bump the version: %+v", same)
	}
	if down := p.AdjustCreditScore(-1000, later); down.CreditScore != 300 {
		t.Fatalf("%+v", down)
	}
}

func TestDeclareMonthlyIncome(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	p := NewProfile("u", now).DeclareMonthlyIncome(decimal.RequireFromString("50000.5"), now.Add(time.Minute))
	if p.MonthlyIncome == nil || p.MonthlyIncome.StringFixed(2) != "50000.50" || p.Version != 2 {
		t.Fatalf("%+v", p)
	}
	if again := p.DeclareMonthlyIncome(decimal.RequireFromString("50000.50"), now.Add(time.Hour)); again.Version != 2 {
		t.Fatalf("same income bumped the version: %+v", again)
	}
}
