package lending

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"holdfast/shared/money"
	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/errs"
)

// Lending's decoders of untrusted input: the loan application body, approvers' notes, the
// calculator's query, and PATCH /api/v1/me (income and contact details). The seeds run in
// every `go test`; `go test -fuzz FuzzX ./shared/lending` explores further.

// fieldNames are the fields a validation problem names; t fails unless err is one.
func fieldNames(t *testing.T, err error) []string {
	t.Helper()
	p, _ := errs.As(err)
	if p == nil || p.Kind != errs.KindInvalid || p.Code != errs.CodeValidation || len(p.Fields) == 0 {
		t.Fatalf("want a validation problem naming a field, got %v", err)
	}
	out := make([]string, len(p.Fields))
	for i, f := range p.Fields {
		if f.Message == "" {
			t.Fatalf("field %q named without a message", f.Field)
		}
		out[i] = f.Field
	}
	return out
}

// cleanText is what every accepted free-text field must be: trimmed, non-empty, valid UTF-8,
// at most max characters, no control characters.
func cleanText(s string, max int) bool {
	if s == "" || s != strings.TrimSpace(s) || !utf8.ValidString(s) || utf8.RuneCountInString(s) > max {
		return false
	}
	return !strings.ContainsFunc(s, unicode.IsControl)
}

var incomeGrammar = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)

func FuzzParseMonthlyIncome(f *testing.F) {
	for _, s := range []string{"50000.00", "0", "0.00", "1000000000", "1000000000.00", "1000000000.01", "1.230", "1.234",
		"-0", "-1", "+5", " 5", "5.", ".5", "1e3", "NaN", "1,000", "١٢٣", "0x10", "5\x00", "<b>5</b>",
		"99999999999999999999999999999999", "999999999999999999999999999999999", "0.00000000000000000000000000001"} {
		f.Add(s)
	}
	maxIncome := decimal.NewFromInt(MaxMonthlyIncome)
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseMonthlyIncome(s)
		if err != nil {
			if got := fieldNames(t, err); !slices.Equal(got, []string{FieldMonthlyIncome}) {
				t.Fatalf("%q: rejected naming %v", s, got)
			}
			return
		}
		// Accepted: plain ASCII decimal digits, 0..10^9, two places, exactly the value written.
		if len(s) > 32 || !incomeGrammar.MatchString(s) {
			t.Fatalf("%q accepted outside the documented grammar", s)
		}
		if d.IsNegative() || d.GreaterThan(maxIncome) || !d.Equal(d.Round(2)) {
			t.Fatalf("%q accepted as %s", s, d)
		}
		if written := decimal.RequireFromString(s); !written.Equal(d) {
			t.Fatalf("%q silently became %s", s, d)
		}
		back, err := ParseMonthlyIncome(d.StringFixed(2))
		if err != nil || !back.Equal(d) {
			t.Fatalf("%q → %s does not parse back: %v %v", s, d.StringFixed(2), back, err)
		}
	})
}

func FuzzParseApplication(f *testing.F) {
	f.Add(true, "1000.00", true, 3, true, "car")
	f.Add(true, "5000000", true, 60, true, "  house extension  ")
	f.Add(true, "5000000.01", true, 61, true, " ")
	f.Add(true, "999.99", true, 2, true, "a\x00b")
	f.Add(true, "1e4", true, -1<<63, true, "<script>alert(1)</script>")
	f.Add(true, "१०००", true, 12, true, "\xff\xfe")
	f.Add(true, "1000.001", true, 1<<62, true, strings.Repeat("é", 201))
	f.Add(true, "-1000", true, 12, true, "../../etc/passwd\u202e")
	f.Add(false, "", false, 0, false, "")
	good := func(s string) *string { return &s }
	goodTenure := 12
	f.Fuzz(func(t *testing.T, hasPrincipal bool, principal string, hasTenure bool, tenure int, hasPurpose bool, purpose string) {
		var pp, pu *string
		var te *int
		if hasPrincipal {
			pp = &principal
		}
		if hasTenure {
			te = &tenure
		}
		if hasPurpose {
			pu = &purpose
		}
		a, err := ParseApplication(pp, te, pu)
		if err == nil {
			// Accepted: every field present and within SPEC §1.3's bounds, the amount exact.
			if !hasPrincipal || !hasTenure || !hasPurpose {
				t.Fatal("accepted an application with a missing field")
			}
			want, perr := money.Parse(principal)
			if perr != nil || !a.Principal.Equal(want) || !money.Exact(a.Principal) ||
				a.Principal.LessThan(MinPrincipal) || a.Principal.GreaterThan(MaxPrincipal) {
				t.Fatalf("principal %q accepted as %s", principal, a.Principal)
			}
			if a.TenureMonths != tenure || tenure < MinLoanTenure || tenure > MaxLoanTenure {
				t.Fatalf("tenure %d accepted as %d", tenure, a.TenureMonths)
			}
			if a.Purpose != strings.TrimSpace(purpose) || !cleanText(a.Purpose, MaxPurposeLen) {
				t.Fatalf("purpose %q accepted as %q", purpose, a.Purpose)
			}
			return
		}
		// Rejected: the problem names exactly the fields that are bad on their own, in order.
		var want []string
		if _, err := ParseApplication(pp, &goodTenure, good("car")); err != nil {
			want = append(want, "principal")
		}
		if _, err := ParseApplication(good("1000.00"), te, good("car")); err != nil {
			want = append(want, "tenureMonths")
		}
		if _, err := ParseApplication(good("1000.00"), &goodTenure, pu); err != nil {
			want = append(want, "purpose")
		}
		if got := fieldNames(t, err); !slices.Equal(got, want) {
			t.Fatalf("(%q, %d, %q) names %v, want %v", principal, tenure, purpose, got, want)
		}
	})
}

func FuzzParseNote(f *testing.F) {
	for _, s := range []string{"approved after call", "", " ", "  ok  ", "a\nb", "\u0085", strings.Repeat("x", 500),
		strings.Repeat("x", 501), strings.Repeat("ü", 500), "\xc3", "<img src=x onerror=alert(1)>"} {
		f.Add(true, s)
	}
	f.Add(false, "")
	f.Fuzz(func(t *testing.T, present bool, note string) {
		var in *string
		if present {
			in = &note
		}
		got, err := ParseNote("note", in)
		if err != nil {
			if names := fieldNames(t, err); !slices.Equal(names, []string{"note"}) {
				t.Fatalf("%q rejected naming %v", note, names)
			}
			if !present || note == "" {
				t.Fatalf("an absent or empty note is optional, got %v", err)
			}
			return
		}
		if !present || note == "" {
			if got != "" {
				t.Fatalf("no note became %q", got)
			}
			return
		}
		if got != strings.TrimSpace(note) || !cleanText(got, MaxNoteLen) {
			t.Fatalf("%q accepted as %q", note, got)
		}
	})
}

func FuzzParseCalculator(f *testing.F) {
	f.Add("100000", "12.5", "12", true, "2025-05-01")
	f.Add("0.01", "0", "360", false, "")
	f.Add("1000000000000", "60", "1", true, "9999-12-31")
	f.Add("1000000000000.01", "60.0001", "361", true, "2025-02-30")
	f.Add("0", "-1", "0", true, "1899-12-31")
	f.Add("1e3", "1e1", "+12", true, "2025-5-1")
	f.Add("१०", "٥", "०१२", true, "２０２５-05-01")
	f.Add("99999999999999999999", "00.0001", "012", true, "../2025-05-01")
	f.Add("", ".5", "", true, "2025-05-01\n")
	today := clock.NewDate(2025, 5, 1)
	maxPrincipal := decimal.RequireFromString(calcPrincipalMx)
	rateShape := regexp.MustCompile(`^[0-9]+(\.[0-9]{1,4})?$`)
	f.Fuzz(func(t *testing.T, principal, rate, tenure string, hasDate bool, date string) {
		q := map[string]string{"principal": principal, "annualRate": rate, "tenureMonths": tenure}
		if hasDate {
			q["startDate"] = date
		}
		in, err := ParseCalculator(q, today)
		if err != nil {
			// Rejected: exactly the parameters that are bad on their own are named, in order.
			var want []string
			for _, k := range []string{"principal", "annualRate", "tenureMonths", "startDate"} {
				v, ok := q[k]
				if !ok {
					continue
				}
				alone := map[string]string{"principal": "1000", "annualRate": "12", "tenureMonths": "12", k: v}
				if _, err := ParseCalculator(alone, today); err != nil {
					want = append(want, k)
				}
			}
			if got := fieldNames(t, err); !slices.Equal(got, want) {
				t.Fatalf("%q names %v, want %v", q, got, want)
			}
			return
		}
		// Accepted: the documented ranges, and values exactly as written.
		want, perr := money.Parse(principal)
		if perr != nil || !in.Principal.Equal(want) || !in.Principal.IsPositive() || in.Principal.GreaterThan(maxPrincipal) {
			t.Fatalf("principal %q accepted as %s", principal, in.Principal)
		}
		if !rateShape.MatchString(rate) || in.AnnualRate.IsNegative() || in.AnnualRate.GreaterThan(MaxRate) ||
			!in.AnnualRate.Equal(decimal.RequireFromString(rate)) {
			t.Fatalf("rate %q accepted as %s", rate, in.AnnualRate)
		}
		if n, aerr := strconv.Atoi(tenure); aerr != nil || n != in.TenureMonths || n < MinTenureMonths || n > MaxCalcTenure {
			t.Fatalf("tenure %q accepted as %d", tenure, in.TenureMonths)
		}
		switch {
		case !hasDate && in.StartDate != today:
			t.Fatalf("no start date became %v", in.StartDate)
		case hasDate && (in.StartDate.String() != date || in.StartDate.Before(clock.MinDate) || in.StartDate.After(clock.MaxDate)):
			t.Fatalf("start date %q accepted as %v", date, in.StartDate)
		}
	})
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)

// bareAddress is the shape an accepted email must have: one token with no whitespace or
// control characters (no line break of any kind), one '@', a dotted domain.
func bareAddress(s string) bool {
	if !utf8.ValidString(s) || len(s) > 254 || strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return false
	}
	local, domain, ok := strings.Cut(s, "@")
	return ok && local != "" && !strings.Contains(domain, "@") && strings.Contains(domain, ".") &&
		!strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".") && !strings.ContainsAny(s, "<>\",;")
}

func FuzzContactChangeValidate(f *testing.F) {
	f.Add(true, "asha.rao@example.com", true, "+919876543210", true, "fcm:APA91b-xyz_1.2")
	f.Add(true, "", true, "", true, "")
	f.Add(false, "", false, "", false, "")
	f.Add(true, "Asha <asha@example.com>", true, "+0919876543210", true, "tok en")
	f.Add(true, "asha@example.com\r\nBcc: x@evil.example", true, "+91 98765 43210", true, "tok\x00")
	f.Add(true, "asha@localhost", true, "+१९८७६५४३२१०", true, strings.Repeat("a", 4097))
	f.Add(true, "\"a b\"@example.com", true, "+1234567", true, "../../etc/passwd")
	f.Add(true, "a@b.co", true, "+123456789012345", true, "a")
	f.Add(true, "jäne@exämple.com", true, "+1234567890123456", true, "<script>")
	f.Fuzz(func(t *testing.T, hasEmail bool, email string, hasPhone bool, phone string, hasToken bool, token string) {
		var c ContactChange
		if hasEmail {
			c.Email = &email
		}
		if hasPhone {
			c.Phone = &phone
		}
		if hasToken {
			c.FCMToken = &token
		}
		err := c.Validate()
		if err == nil {
			// Accepted: each set field is "" (remove) or an address of its kind.
			if hasEmail && email != "" && !bareAddress(email) {
				t.Fatalf("email %q accepted", email)
			}
			if hasPhone && phone != "" && !e164.MatchString(phone) {
				t.Fatalf("phone %q accepted", phone)
			}
			if hasToken && token != "" && (len(token) > 4096 || strings.ContainsFunc(token, func(r rune) bool {
				return !(r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("_:-.", r)))
			})) {
				t.Fatalf("token %q accepted", token)
			}
			return
		}
		// Rejected: exactly the fields that are bad on their own are named, in wire order.
		var want []string
		if (ContactChange{Email: c.Email}).Validate() != nil {
			want = append(want, FieldEmail)
		}
		if (ContactChange{Phone: c.Phone}).Validate() != nil {
			want = append(want, FieldPhone)
		}
		if (ContactChange{FCMToken: c.FCMToken}).Validate() != nil {
			want = append(want, FieldFCMToken)
		}
		if got := fieldNames(t, err); !slices.Equal(got, want) {
			t.Fatalf("%+v names %v, want %v", c, got, want)
		}
	})
}
