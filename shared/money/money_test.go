package money

import (
	"errors"
	"holdfast/shared/platform/errs"
	"regexp"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

func TestParse(t *testing.T) {
	ok := map[string]string{
		"1500.00":               "1500.00",
		"1500":                  "1500.00",
		"1500.5":                "1500.50",
		"0.01":                  "0.01",
		"0":                     "0.00",
		"-0.50":                 "-0.50",
		"-0":                    "0.00",
		"007.10":                "7.10",
		"10000000":              "10000000.00",
		"123456789012345678.99": "123456789012345678.99",
	}
	for in, want := range ok {
		d, err := Parse(in)
		if err != nil {
			t.Errorf("Parse(%q): %v", in, err)
			continue
		}
		if got := Format(d); got != want {
			t.Errorf("Format(Parse(%q)) = %q, want %q", in, got, want)
		}
	}
	bad := map[string]error{
		"":                          ErrInvalidAmount,
		"1.001":                     ErrAmountTooPrecise,
		"1.000":                     ErrAmountTooPrecise,
		"0.005":                     ErrAmountTooPrecise,
		"1e3":                       ErrInvalidAmount,
		"1E3":                       ErrInvalidAmount,
		"+1":                        ErrInvalidAmount,
		" 1":                        ErrInvalidAmount,
		"1 ":                        ErrInvalidAmount,
		".5":                        ErrInvalidAmount,
		"5.":                        ErrInvalidAmount,
		"-":                         ErrInvalidAmount,
		"--1":                       ErrInvalidAmount,
		"1,000.00":                  ErrInvalidAmount,
		"NaN":                       ErrInvalidAmount,
		"Infinity":                  ErrInvalidAmount,
		"0x10":                      ErrInvalidAmount,
		"१२":                        ErrInvalidAmount, // non-ASCII digits
		"1.2.3":                     ErrInvalidAmount,
		"1234567890123456789012345": ErrInvalidAmount, // too long
		"1234567890123456789":       ErrInvalidAmount, // 19 integer digits
	}
	for in, want := range bad {
		if _, err := Parse(in); !errors.Is(err, want) {
			t.Errorf("Parse(%q) = %v, want %v", in, err, want)
		}
	}
}

func TestParseJSON(t *testing.T) {
	d, err := ParseJSON([]byte(` "1500.00" `))
	if err != nil || Format(d) != "1500.00" {
		t.Fatalf("ParseJSON string: %v %v", d, err)
	}
	for _, in := range []string{`1500.00`, `1500`, `null`, `true`, `{}`, `["1"]`, `"1.234"`, `"abc"`, `"\u0031"x`, ``} {
		if _, err := ParseJSON([]byte(in)); err == nil {
			t.Errorf("ParseJSON(%s) accepted", in)
		}
	}
	if _, err := ParseJSON([]byte(`"\u0031.50"`)); err != nil {
		t.Errorf("a JSON escape is still a string: %v", err)
	}
}

func TestRoundHalfUp(t *testing.T) {
	cases := map[string]string{
		"1.005":   "1.01",
		"1.004":   "1.00",
		"-1.005":  "-1.01",
		"-1.004":  "-1.00",
		"2.675":   "2.68",
		"0.125":   "0.13",
		"0.135":   "0.14",
		"999.995": "1000.00",
		"12.3":    "12.30",
		"7":       "7.00",
		"0.0049":  "0.00",
		"0.0050":  "0.01",
	}
	for in, want := range cases {
		got := Format(Round(decimal.RequireFromString(in)))
		if got != want {
			t.Errorf("Round(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestExact(t *testing.T) {
	for in, want := range map[string]bool{"1.5": true, "1.50": true, "1.500": true, "1.505": false, "0.001": false, "100": true} {
		if got := Exact(decimal.RequireFromString(in)); got != want {
			t.Errorf("Exact(%s) = %v", in, got)
		}
	}
}

func TestBounds(t *testing.T) {
	b := MustBounds("0.01", "10000000")
	for _, in := range []string{"0.01", "1", "10000000.00"} {
		if _, err := b.Parse(in); err != nil {
			t.Errorf("in bounds %s: %v", in, err)
		}
	}
	for _, in := range []string{"0", "0.00", "-1", "10000000.01"} {
		_, err := b.Parse(in)
		if !errors.Is(err, ErrAmountOutOfBounds) {
			t.Errorf("out of bounds %s: %v", in, err)
		}
	}
	if _, err := b.ParseJSON([]byte(`"0.001"`)); !errors.Is(err, ErrAmountTooPrecise) {
		t.Errorf("too precise wins over bounds: %v", err)
	}
	if _, err := NewBounds("2", "1"); err == nil {
		t.Error("inverted bounds accepted")
	}
	if _, err := NewBounds("x", "1"); err == nil {
		t.Error("bad bound accepted")
	}
}

func TestCurrency(t *testing.T) {
	if c, err := ParseCurrency(""); err != nil || c != DefaultCurrency || c.String() != "INR" {
		t.Fatalf("default currency: %v %v", c, err)
	}
	if c, err := ParseCurrency("USD"); err != nil || c != "USD" {
		t.Fatalf("USD: %v %v", c, err)
	}
	for _, in := range []string{"usd", "US", "USDX", "U$D", "ÄBC"} {
		if _, err := ParseCurrency(in); !errors.Is(err, ErrInvalidCurrency) {
			t.Errorf("ParseCurrency(%q) = %v", in, err)
		}
	}
}

func TestJSON(t *testing.T) {
	if got := string(JSON(decimal.RequireFromString("1500"))); got != `"1500.00"` {
		t.Fatalf("JSON = %s", got)
	}
}

var grammar = regexp.MustCompile(`^-?[0-9]+(\.[0-9]{1,2})?$`)

// FuzzParse: Parse accepts exactly the documented grammar, and what it accepts survives a
// round trip through Format unchanged in value.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"1500.00", "0", "-0.5", "1e3", "1.005", " 1", "", ".", "00.10", "9999999999999999999999.99"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := Parse(s)
		valid := grammar.MatchString(s) && len(s) <= MaxInputLen && len(strings.SplitN(strings.TrimPrefix(s, "-"), ".", 2)[0]) <= MaxIntegerDigits
		if valid != (err == nil) {
			t.Fatalf("Parse(%q) err=%v, grammar says valid=%v", s, err, valid)
		}
		if err != nil {
			var e *errs.Error
			if !errors.As(err, &e) || (e.Code != CodeInvalidAmount && e.Code != CodeAmountTooPrecise) {
				t.Fatalf("Parse(%q) returned an uncoded error %v", s, err)
			}
			return
		}
		if !Exact(d) {
			t.Fatalf("Parse(%q) = %s has more than 2 places", s, d)
		}
		back, err := Parse(Format(d))
		if err != nil || !back.Equal(d) {
			t.Fatalf("round trip of %q: %s → %v, %v", s, Format(d), back, err)
		}
		if !Round(d).Equal(d) {
			t.Fatalf("Round changed the exact amount %s", d)
		}
	})
}
