package lending

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/errs"
)

// State is where a loan stands in its lifecycle (SPEC §1.3).
type State string

// The loan states.
const (
	StateSubmitted  State = "SUBMITTED"
	StateAssessed   State = "ASSESSED"
	StateApproved   State = "APPROVED"
	StateActive     State = "ACTIVE"
	StateClosed     State = "CLOSED"
	StateForeclosed State = "FORECLOSED"
	StateRejected   State = "REJECTED"
	StateCancelled  State = "CANCELLED"
)

// States lists every state, for tests that walk the machine.
func States() []State {
	return []State{StateSubmitted, StateAssessed, StateApproved, StateActive, StateClosed,
		StateForeclosed, StateRejected, StateCancelled}
}

// Terminal reports whether no action leaves s. A terminal loan no longer counts against the
// customer's limit of open loans.
func (s State) Terminal() bool {
	switch s {
	case StateClosed, StateForeclosed, StateRejected, StateCancelled:
		return true
	}
	return false
}

// Action is something that may change a loan's state.
type Action string

// The actions.
const (
	ActionApply     Action = "apply"     // applicant: creates the loan in SUBMITTED (Submit), not a transition
	ActionAssess    Action = "assess"    // risk worker: grade, rate, EMI, DTI
	ActionReject    Action = "reject"    // approver, or the risk worker's auto-rejection
	ActionApprove   Action = "approve"   // approver (the final approval of maker-checker)
	ActionCancel    Action = "cancel"    // applicant or admin, before disbursal
	ActionDisburse  Action = "disburse"  // disbursal worker
	ActionClose     Action = "close"     // the last installment paid
	ActionForeclose Action = "foreclose" // foreclosure settled
)

// Actions lists every action of the machine (every one but apply, which creates the loan).
func Actions() []Action {
	return []Action{ActionAssess, ActionReject, ActionApprove, ActionCancel, ActionDisburse,
		ActionClose, ActionForeclose}
}

// CodeIllegalTransition is the problem code of an action the loan's state does not allow.
const CodeIllegalTransition = "illegal_transition"

var machine = map[State]map[Action]State{
	StateSubmitted: {ActionAssess: StateAssessed, ActionReject: StateRejected, ActionCancel: StateCancelled},
	StateAssessed:  {ActionApprove: StateApproved, ActionReject: StateRejected, ActionCancel: StateCancelled},
	StateApproved:  {ActionDisburse: StateActive, ActionCancel: StateCancelled},
	StateActive:    {ActionClose: StateClosed, ActionForeclose: StateForeclosed},
}

// Next is the state action leads to from s, or an illegal_transition conflict.
func Next(s State, a Action) (State, error) {
	if to, ok := machine[s][a]; ok {
		return to, nil
	}
	return "", errs.Conflict(CodeIllegalTransition,
		fmt.Sprintf("A loan in state %s cannot be %s.", s, pastTense(a)))
}

func pastTense(a Action) string {
	switch a {
	case ActionAssess:
		return "assessed"
	case ActionReject:
		return "rejected"
	case ActionApprove:
		return "approved"
	case ActionCancel:
		return "cancelled"
	case ActionDisburse:
		return "disbursed"
	case ActionClose:
		return "closed"
	case ActionForeclose:
		return "foreclosed"
	}
	return string(a)
}

// Loan is one loan as the domain sees it.
type Loan struct {
	ID           string
	UserID       string
	Principal    decimal.Decimal
	TenureMonths int
	Purpose      string
	State        State
	Version      int64 // 1 at SUBMITTED; +1 per transition (and per recorded first approval)

	// Assessment (from ASSESSED on).
	Grade          string
	AnnualRate     decimal.Decimal
	EMI            decimal.Decimal
	DTI            decimal.Decimal
	Recommendation string

	Approvals   []string // approvers so far (maker-checker)
	DisbursedOn clock.Date
	Reason      string // why it was rejected or cancelled

	CreatedAt time.Time
	UpdatedAt time.Time
}

// Submit is a new application as applicant's loan id at now: SUBMITTED at version 1, with the
// timeline entry that opens the loan's history. Whether the applicant may apply (their open
// loans) is the store's conditional write.
func Submit(id, applicant string, app Application, correlationID string, now time.Time) Change {
	l := Loan{ID: id, UserID: applicant, Principal: app.Principal, TenureMonths: app.TenureMonths, Purpose: app.Purpose,
		State: StateSubmitted, Version: 1, CreatedAt: now, UpdatedAt: now}
	return Change{Loan: l, Entry: TimelineEntry{Version: 1, At: now, Actor: applicant, To: StateSubmitted,
		Action: ActionApply, CorrelationID: correlationID}}
}

// TimelineEntry records one transition: who, when, from, to, why, correlation ID.
type TimelineEntry struct {
	Version       int64
	At            time.Time
	Actor         string
	From          State
	To            State
	Action        Action
	Reason        string
	CorrelationID string
}

// Change is a decided transition: the loan after it and the timeline entry that records it.
type Change struct {
	Loan  Loan
	Entry TimelineEntry
}

// Transition applies action a by actor at now with reason, or fails with illegal_transition.
func (l Loan) Transition(a Action, actor, reason, correlationID string, now time.Time) (Change, error) {
	to, err := Next(l.State, a)
	if err != nil {
		return Change{}, err
	}
	from := l.State
	l.State = to
	l.Version++
	l.UpdatedAt = now
	if a == ActionReject || a == ActionCancel {
		l.Reason = reason
	}
	return Change{Loan: l, Entry: TimelineEntry{Version: l.Version, At: now, Actor: actor, From: from, To: to,
		Action: a, Reason: reason, CorrelationID: correlationID}}, nil
}

// Approval thresholds (maker-checker).
var TwoApproverThreshold = decimal.NewFromInt(500_000)

// Approval codes.
const (
	// CodeSelfApproval refuses an applicant's decision on their own loan: approving it or
	// rejecting it (both routes answer 403 self_approval).
	CodeSelfApproval      = "self_approval"
	CodeAlreadyApprovedBy = "already_approved_by_you"
)

// ApprovalsNeeded is how many distinct approvers a loan needs.
func (l Loan) ApprovalsNeeded() int {
	if l.Principal.GreaterThanOrEqual(TwoApproverThreshold) {
		return 2
	}
	return 1
}

// CheckNotOwnLoan refuses (403 self_approval) a decision on the loan by its applicant. Every
// approval decision (Approve, Reject) asks it first, whatever roles the actor holds, so that
// nobody approves or rejects their own application. Cancelling is not such a decision: the
// applicant may withdraw their own application.
func (l Loan) CheckNotOwnLoan(actor string) error {
	if actor == l.UserID {
		return errs.ForbiddenCode(CodeSelfApproval, "An applicant may not approve or reject their own loan.")
	}
	return nil
}

// checkApprove is why approver may not approve the loan now, or nil: the applicant never
// approves their own loan (403), the loan must await approval (409 illegal_transition), and an
// approver approves once (409 already_approved_by_you).
func (l Loan) checkApprove(approver string) error {
	if err := l.CheckNotOwnLoan(approver); err != nil {
		return err
	}
	if _, err := Next(l.State, ActionApprove); err != nil {
		return err
	}
	for _, a := range l.Approvals {
		if a == approver {
			return errs.Conflict(CodeAlreadyApprovedBy, "You have already approved this loan; a second approver must approve it.")
		}
	}
	return nil
}

// CanApprove reports whether approver's approval would be accepted now: exactly when Approve
// would not refuse it. It says nothing about the approver's role; that is the authz policy's.
func (l Loan) CanApprove(approver string) bool { return l.checkApprove(approver) == nil }

// Approve records approver's approval. The applicant never approves their own loan (403); an
// approver approves once. The final approval moves the loan to APPROVED; an earlier one keeps
// it ASSESSED and is recorded on the timeline as an ASSESSED → ASSESSED entry.
func (l Loan) Approve(approver, note, correlationID string, now time.Time) (Change, error) {
	if err := l.checkApprove(approver); err != nil {
		return Change{}, err
	}
	approvals := append(append([]string(nil), l.Approvals...), approver)
	if len(approvals) < l.ApprovalsNeeded() {
		next := l
		next.Approvals = approvals
		next.Version++
		next.UpdatedAt = now
		return Change{Loan: next, Entry: TimelineEntry{Version: next.Version, At: now, Actor: approver,
			From: l.State, To: l.State, Action: ActionApprove, Reason: note, CorrelationID: correlationID}}, nil
	}
	c, err := l.Transition(ActionApprove, approver, note, correlationID, now)
	if err != nil {
		return Change{}, err
	}
	c.Loan.Approvals = approvals
	return c, nil
}

// Reject is an approver's rejection with its note. The applicant never rejects their own loan
// (403 self_approval, checked before the state); otherwise it is the reject transition.
// (The risk worker's auto-rejection is the system's, not a person's, and uses Transition.)
func (l Loan) Reject(approver, note, correlationID string, now time.Time) (Change, error) {
	if err := l.CheckNotOwnLoan(approver); err != nil {
		return Change{}, err
	}
	return l.Transition(ActionReject, approver, note, correlationID, now)
}
