package lending

import (
	"testing"

	"holdfast/shared/platform/errs"
)

// TestCheckNotOwnLoan: the applicant is refused with 403 self_approval in every state (the
// check comes before the state's), anyone else passes.
func TestCheckNotOwnLoan(t *testing.T) {
	for _, s := range States() {
		l := Loan{ID: "L", UserID: "alice", State: s, Principal: dec("1000")}
		cases := []struct {
			actor string
			want  bool // refused
		}{
			{"alice", true},
			{"bob", false},
			{"Alice", false}, // subjects are compared exactly, as authz compares owners
			{"alice ", false},
			{"system:risk-assessment", false},
		}
		for _, c := range cases {
			err := l.CheckNotOwnLoan(c.actor)
			if !c.want {
				if err != nil {
					t.Errorf("%s, actor %q: %v", s, c.actor, err)
				}
				continue
			}
			if errs.KindOf(err) != errs.KindForbidden || errs.CodeOf(err) != CodeSelfApproval {
				t.Errorf("%s, actor %q: want forbidden %s, got %v", s, c.actor, CodeSelfApproval, err)
			}
		}
	}
}

// TestApplicantDecisions: approve and reject both refuse the applicant with the one code, in
// every state and before any other rule, and change nothing; another approver gets the state
// machine's answer.
func TestApplicantDecisions(t *testing.T) {
	decisions := map[string]func(l Loan, actor string) (Change, error){
		"approve": func(l Loan, actor string) (Change, error) { return l.Approve(actor, "n", "c", now) },
		"reject":  func(l Loan, actor string) (Change, error) { return l.Reject(actor, "n", "c", now) },
	}
	for name, decide := range decisions {
		for _, s := range States() {
			// Already approved by the applicant too: the self check still answers first.
			l := Loan{ID: "L", UserID: "alice", State: s, Version: 3, Principal: dec("600000"), Approvals: []string{"alice"}}
			c, err := decide(l, "alice")
			if errs.KindOf(err) != errs.KindForbidden || errs.CodeOf(err) != CodeSelfApproval || c.Loan.State != "" {
				t.Errorf("%s own loan in %s: %+v %v", name, s, c, err)
			}
			action := map[string]Action{"approve": ActionApprove, "reject": ActionReject}[name]
			_, legal := machine[s][action]
			_, err = decide(l, "bob")
			if legal != (err == nil) || (!legal && errs.CodeOf(err) != CodeIllegalTransition) {
				t.Errorf("%s by another approver in %s: %v (legal %v)", name, s, err, legal)
			}
		}
	}
}

// TestReject: an approver's rejection is the reject transition with the note as its reason.
func TestReject(t *testing.T) {
	l := Loan{ID: "L", UserID: "alice", State: StateAssessed, Version: 2, Principal: dec("1000")}
	c, err := l.Reject("bob", "income too low", "corr", now)
	if err != nil || c.Loan.State != StateRejected || c.Loan.Version != 3 || c.Loan.Reason != "income too low" ||
		c.Entry.Actor != "bob" || c.Entry.Action != ActionReject || c.Entry.From != StateAssessed ||
		c.Entry.To != StateRejected || c.Entry.CorrelationID != "corr" {
		t.Fatalf("%+v %v", c, err)
	}
}

// TestCanApprove: exactly when Approve accepts the approval.
func TestCanApprove(t *testing.T) {
	big := dec("500000")
	cases := []struct {
		name     string
		loan     Loan
		approver string
		want     bool
	}{
		{"assessed, another approver", Loan{UserID: "alice", State: StateAssessed, Principal: dec("1000")}, "bob", true},
		{"own application", Loan{UserID: "alice", State: StateAssessed, Principal: dec("1000")}, "alice", false},
		{"maker-checker, first approver again", Loan{UserID: "alice", State: StateAssessed, Principal: big, Approvals: []string{"bob"}}, "bob", false},
		{"maker-checker, second approver", Loan{UserID: "alice", State: StateAssessed, Principal: big, Approvals: []string{"bob"}}, "carol", true},
		{"maker-checker, applicant as checker", Loan{UserID: "alice", State: StateAssessed, Principal: big, Approvals: []string{"bob"}}, "alice", false},
		{"submitted", Loan{UserID: "alice", State: StateSubmitted, Principal: dec("1000")}, "bob", false},
		{"approved", Loan{UserID: "alice", State: StateApproved, Principal: dec("1000"), Approvals: []string{"carol"}}, "bob", false},
		{"cancelled", Loan{UserID: "alice", State: StateCancelled, Principal: dec("1000")}, "bob", false},
	}
	for _, c := range cases {
		got := c.loan.CanApprove(c.approver)
		_, err := c.loan.Approve(c.approver, "", "corr", now)
		if got != c.want || got != (err == nil) {
			t.Errorf("%s: CanApprove %v, want %v; Approve says %v", c.name, got, c.want, err)
		}
	}
}
