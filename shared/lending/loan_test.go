package lending

import (
	"testing"
	"time"

	"holdfast/shared/platform/errs"
)

var now = time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)

func TestEveryStateActionPair(t *testing.T) {
	legal := map[State]map[Action]State{
		StateSubmitted: {ActionAssess: StateAssessed, ActionReject: StateRejected, ActionCancel: StateCancelled},
		StateAssessed:  {ActionApprove: StateApproved, ActionReject: StateRejected, ActionCancel: StateCancelled},
		StateApproved:  {ActionDisburse: StateActive, ActionCancel: StateCancelled},
		StateActive:    {ActionClose: StateClosed, ActionForeclose: StateForeclosed},
	}
	for _, s := range States() {
		for _, a := range Actions() {
			l := Loan{ID: "L1", UserID: "u", State: s, Version: 4, Principal: dec("1000")}
			c, err := l.Transition(a, "actor", "why", "corr", now)
			want, ok := legal[s][a]
			if !ok {
				p, _ := errs.As(err)
				if err == nil || p.Kind != errs.KindConflict || p.Code != CodeIllegalTransition {
					t.Errorf("%s × %s: want 409 illegal_transition, got %v", s, a, err)
				}
				if c.Loan.State != "" {
					t.Errorf("%s × %s: a change was returned", s, a)
				}
				continue
			}
			if err != nil || c.Loan.State != want || c.Loan.Version != 5 || c.Entry.From != s || c.Entry.To != want ||
				c.Entry.Version != 5 || c.Entry.Actor != "actor" || c.Entry.Reason != "why" || c.Entry.CorrelationID != "corr" {
				t.Errorf("%s × %s: %+v %v", s, a, c, err)
			}
			if l.State != s || l.Version != 4 {
				t.Errorf("%s × %s: the input loan changed", s, a)
			}
			if want.Terminal() != (want == StateClosed || want == StateForeclosed || want == StateRejected || want == StateCancelled) {
				t.Errorf("terminal %s", want)
			}
		}
	}
}

func TestMakerChecker(t *testing.T) {
	small := Loan{ID: "L", UserID: "alice", State: StateAssessed, Version: 2, Principal: dec("499999.99")}
	if _, err := small.Approve("alice", "", "c", now); errs.KindOf(err) != errs.KindForbidden {
		t.Fatalf("self approval: %v", err)
	}
	c, err := small.Approve("bob", "ok", "c", now)
	if err != nil || c.Loan.State != StateApproved || len(c.Loan.Approvals) != 1 {
		t.Fatalf("%+v %v", c, err)
	}
	big := Loan{ID: "L", UserID: "alice", State: StateAssessed, Version: 2, Principal: dec("500000")}
	first, err := big.Approve("bob", "maker", "c", now)
	if err != nil || first.Loan.State != StateAssessed || first.Loan.Version != 3 || first.Entry.From != StateAssessed || first.Entry.To != StateAssessed {
		t.Fatalf("first approval %+v %v", first, err)
	}
	if _, err := first.Loan.Approve("bob", "again", "c", now); errs.CodeOf(err) != CodeAlreadyApprovedBy {
		t.Fatalf("same approver twice: %v", err)
	}
	second, err := first.Loan.Approve("carol", "checker", "c", now)
	if err != nil || second.Loan.State != StateApproved || second.Loan.Version != 4 || len(second.Loan.Approvals) != 2 {
		t.Fatalf("second approval %+v %v", second, err)
	}
	if _, err := second.Loan.Approve("dave", "", "c", now); errs.CodeOf(err) != CodeIllegalTransition {
		t.Fatalf("approving an approved loan: %v", err)
	}
	if _, err := (Loan{UserID: "a", State: StateSubmitted, Principal: dec("1000")}).Approve("b", "", "c", now); errs.CodeOf(err) != CodeIllegalTransition {
		t.Fatalf("approving a submitted loan: %v", err)
	}
}

func TestParseApplication(t *testing.T) {
	str := func(s string) *string { return &s }
	num := func(n int) *int { return &n }
	cases := []struct {
		principal *string
		tenure    *int
		purpose   *string
		fields    []string
	}{
		{str("1000.00"), num(3), str("car"), nil},
		{str("5000000"), num(60), str("house"), nil},
		{str("999.99"), num(12), str("x"), []string{"principal"}},
		{str("5000000.01"), num(12), str("x"), []string{"principal"}},
		{str("1000.001"), num(12), str("x"), []string{"principal"}},
		{str("-1000"), num(12), str("x"), []string{"principal"}},
		{str("1e4"), num(12), str("x"), []string{"principal"}},
		{str("1000"), num(2), str("x"), []string{"tenureMonths"}},
		{str("1000"), num(61), str("x"), []string{"tenureMonths"}},
		{str("1000"), num(12), str("  "), []string{"purpose"}},
		{str("1000"), num(12), str("a\x00b"), []string{"purpose"}},
		{nil, nil, nil, []string{"principal", "tenureMonths", "purpose"}},
	}
	for i, c := range cases {
		_, err := ParseApplication(c.principal, c.tenure, c.purpose)
		p, _ := errs.As(err)
		if len(c.fields) == 0 {
			if err != nil {
				t.Errorf("%d: %v", i, err)
			}
			continue
		}
		if p == nil || p.Kind != errs.KindInvalid || len(p.Fields) != len(c.fields) {
			t.Errorf("%d: %v", i, err)
			continue
		}
		for j, f := range c.fields {
			if p.Fields[j].Field != f {
				t.Errorf("%d: field %s want %s", i, p.Fields[j].Field, f)
			}
		}
	}
}

// TestSubmit: a new application is SUBMITTED at version 1, owned by the applicant, with the
// first timeline entry; apply is not an action on an existing loan.
func TestSubmit(t *testing.T) {
	app := Application{Principal: dec("5000.00"), TenureMonths: 12, Purpose: "bike"}
	c := Submit("L1", "alice", app, "corr", now)
	l, e := c.Loan, c.Entry
	if l.ID != "L1" || l.UserID != "alice" || !l.Principal.Equal(app.Principal) || l.TenureMonths != 12 || l.Purpose != "bike" ||
		l.State != StateSubmitted || l.Version != 1 || !l.CreatedAt.Equal(now) || !l.UpdatedAt.Equal(now) || len(l.Approvals) != 0 {
		t.Fatalf("loan %+v", l)
	}
	if e.Version != 1 || !e.At.Equal(now) || e.Actor != "alice" || e.From != "" || e.To != StateSubmitted ||
		e.Action != ActionApply || e.Reason != "" || e.CorrelationID != "corr" {
		t.Fatalf("entry %+v", e)
	}
	for _, s := range States() {
		if _, err := Next(s, ActionApply); errs.CodeOf(err) != CodeIllegalTransition {
			t.Errorf("apply on a loan in %s: %v", s, err)
		}
	}
}
