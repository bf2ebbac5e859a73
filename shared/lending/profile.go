package lending

import (
	"fmt"
	"regexp"
	"time"

	"github.com/shopspring/decimal"

	"holdfast/shared/notify"
	"holdfast/shared/platform/errs"
)

// Credit score bounds (SPEC §1.2).
const (
	DefaultCreditScore = 650
	MinCreditScore     = 300
	MaxCreditScore     = 900
)

// MaxMonthlyIncome is the largest income a customer may declare.
const MaxMonthlyIncome = 1_000_000_000

// FieldMonthlyIncome is the JSON name of the declared income.
const FieldMonthlyIncome = "monthlyIncome"

// Profile is a lending customer's profile.
type Profile struct {
	UserID        string
	CreditScore   int
	MonthlyIncome *decimal.Decimal // nil until the customer declares one
	// Contact is where the platform's own notices go (EMI reminders, disbursal and overdue
	// notices, booking confirmations, "you are next"); empty fields are channels not used.
	Contact   Contact
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int64 // 1 on creation; every change adds one
}

// NewProfile is a first-time profile: the default credit score and no declared income.
func NewProfile(userID string, now time.Time) Profile {
	return Profile{UserID: userID, CreditScore: DefaultCreditScore, CreatedAt: now, UpdatedAt: now, Version: 1}
}

// ClampCreditScore keeps a score within 300..900.
func ClampCreditScore(score int) int {
	return min(max(score, MinCreditScore), MaxCreditScore)
}

// AdjustCreditScore returns p with its score moved by delta and clamped.
func (p Profile) AdjustCreditScore(delta int, now time.Time) Profile {
	next := ClampCreditScore(p.CreditScore + delta)
	if next == p.CreditScore {
		return p
	}
	p.CreditScore = next
	p.UpdatedAt = now
	p.Version++
	return p
}

// DeclareMonthlyIncome returns p with its declared income set.
func (p Profile) DeclareMonthlyIncome(income decimal.Decimal, now time.Time) Profile {
	if p.MonthlyIncome != nil && p.MonthlyIncome.Equal(income) {
		return p
	}
	v := income.Round(2)
	p.MonthlyIncome = &v
	p.UpdatedAt = now
	p.Version++
	return p
}

var decimalShape = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// ParseMonthlyIncome reads a declared income: a decimal string, not negative, at most two
// decimal places, at most 1,000,000,000. Errors are validation problems naming the field.
func ParseMonthlyIncome(s string) (decimal.Decimal, error) {
	bad := func(msg string) (decimal.Decimal, error) {
		return decimal.Decimal{}, errs.Validation(errs.Field(FieldMonthlyIncome, msg))
	}
	if len(s) > 32 || !decimalShape.MatchString(s) {
		return bad(`must be a decimal string such as "50000.00"`)
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return bad(`must be a decimal string such as "50000.00"`)
	}
	switch {
	case d.IsNegative() || s[0] == '-':
		return bad("must not be negative")
	case d.Exponent() < -2 && !d.Equal(d.Round(2)):
		return bad("must have at most 2 decimal places")
	case d.GreaterThan(decimal.NewFromInt(MaxMonthlyIncome)):
		return bad(fmt.Sprintf("must be at most %d", MaxMonthlyIncome))
	}
	return d.Round(2), nil
}

// Contact is a user's notification addresses. They are personal data: never on the bus, never
// in a log line, redacted in audit records.
type Contact struct {
	Email    string
	Phone    string // E.164
	FCMToken string // a push registration token
}

// Empty reports whether no channel is set.
func (c Contact) Empty() bool { return c == Contact{} }

// Contact field names on the wire.
const (
	FieldEmail    = "email"
	FieldPhone    = "phone"
	FieldFCMToken = "fcmToken"
)

// ContactChange is what PATCH /api/v1/me may change: nil leaves a field as it is, "" removes it.
type ContactChange struct {
	Email, Phone, FCMToken *string
}

// IsZero reports whether the change names no field.
func (c ContactChange) IsZero() bool { return c.Email == nil && c.Phone == nil && c.FCMToken == nil }

// Validate names every field that is neither "" (remove) nor a valid address of its kind.
func (c ContactChange) Validate() error {
	var v errs.Validator
	if c.Email != nil && *c.Email != "" && !notify.ValidEmail(*c.Email) {
		v.Add(FieldEmail, "must be a valid email address, or \"\" to remove it")
	}
	if c.Phone != nil && *c.Phone != "" && !notify.ValidE164(*c.Phone) {
		v.Add(FieldPhone, "must be in E.164 form, e.g. +919876543210, or \"\" to remove it")
	}
	if c.FCMToken != nil && *c.FCMToken != "" && !notify.ValidFCMToken(*c.FCMToken) {
		v.Add(FieldFCMToken, "must be an FCM registration token, or \"\" to remove it")
	}
	return v.Err()
}

// ChangeContact returns p with the (validated) change applied.
func (p Profile) ChangeContact(c ContactChange, now time.Time) Profile {
	next := p.Contact
	if c.Email != nil {
		next.Email = *c.Email
	}
	if c.Phone != nil {
		next.Phone = *c.Phone
	}
	if c.FCMToken != nil {
		next.FCMToken = *c.FCMToken
	}
	if next == p.Contact {
		return p
	}
	p.Contact = next
	p.UpdatedAt = now
	p.Version++
	return p
}
