package lendingrelay

import (
	"fmt"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"holdfast/shared/lending"
	"holdfast/shared/lending/lendingstore"
	"holdfast/shared/platform/events"
)

// Loan event types (source holdfast.lending, detail-type <Type>.v1).
const (
	TypeLoanSubmitted        = "LoanSubmitted"
	TypeLoanAssessed         = "LoanAssessed"
	TypeLoanApprovalRecorded = "LoanApprovalRecorded" // first of two approvals
	TypeLoanApproved         = "LoanApproved"
	TypeLoanRejected         = "LoanRejected"
	TypeLoanCancelled        = "LoanCancelled"
	TypeLoanDisbursed        = "LoanDisbursed"
	TypeLoanClosed           = "LoanClosed"
	TypeLoanForeclosed       = "LoanForeclosed"
	TypeInstallmentPaid      = "InstallmentPaid"
	TypeInstallmentReminder  = "InstallmentReminder"
	TypeInstallmentDue       = "InstallmentDue"
	TypeInstallmentOverdue   = "InstallmentOverdue"
	TypeFraudSuspected       = "FraudSuspected"
)

var loanTypes = map[lending.State]string{
	lending.StateSubmitted: TypeLoanSubmitted, lending.StateAssessed: TypeLoanAssessed,
	lending.StateApproved: TypeLoanApproved, lending.StateRejected: TypeLoanRejected,
	lending.StateCancelled: TypeLoanCancelled, lending.StateActive: TypeLoanDisbursed,
	lending.StateClosed: TypeLoanClosed, lending.StateForeclosed: TypeLoanForeclosed,
}

// LoanChanged is the data of every Loan*.v1 event.
type LoanChanged struct {
	LoanID         string   `json:"loanId"`
	UserID         string   `json:"userId"`
	State          string   `json:"state"`
	PreviousState  string   `json:"previousState,omitempty"`
	Version        int64    `json:"version"`
	Principal      string   `json:"principal"`
	TenureMonths   int      `json:"tenureMonths"`
	Grade          string   `json:"grade,omitempty"`
	AnnualRate     string   `json:"annualRate,omitempty"`
	EMI            string   `json:"emi,omitempty"`
	DTI            string   `json:"dti,omitempty"`
	Recommendation string   `json:"recommendation,omitempty"`
	Approvals      []string `json:"approvals,omitempty"`
	DisbursedOn    string   `json:"disbursedOn,omitempty"`
	Reason         string   `json:"reason,omitempty"`
}

func mapLoan(rec lambdaevents.DynamoDBEventRecord) ([]events.Envelope, error) {
	var cur lendingstore.LoanItem
	if err := events.UnmarshalImage(rec.Change.NewImage, &cur); err != nil {
		return nil, fmt.Errorf("loan image: %w", err)
	}
	if cur.Version == 0 || cur.State == "" {
		return nil, nil // moto's keys-only first INSERT of an UpdateItem
	}
	prev := ""
	if len(rec.Change.OldImage) > 0 {
		var old lendingstore.LoanItem
		if err := events.UnmarshalImage(rec.Change.OldImage, &old); err != nil {
			return nil, fmt.Errorf("loan old image: %w", err)
		}
		if old.Version == cur.Version {
			return nil, nil // bookkeeping (rev, paidCount): not a transition
		}
		prev = old.State
	}
	typ := loanTypes[lending.State(cur.State)]
	if prev == cur.State {
		typ = TypeLoanApprovalRecorded
	}
	if typ == "" {
		return nil, fmt.Errorf("loan %s: unknown state %q", cur.LoanID, cur.State)
	}
	data := LoanChanged{LoanID: cur.LoanID, UserID: cur.UserID, State: cur.State, PreviousState: prev, Version: cur.Version,
		Principal: string(cur.Principal), TenureMonths: cur.TenureMonths, Grade: cur.Grade, AnnualRate: string(cur.AnnualRate),
		EMI: string(cur.EMI), DTI: string(cur.DTI), Recommendation: cur.Recommendation, Approvals: cur.Approvals,
		DisbursedOn: cur.DisbursedOn, Reason: cur.Reason}
	env, err := events.NewFromRecord(rec, events.Meta{
		EventID: events.EventID(cur.PK, cur.SK, fmt.Sprintf("v%d", cur.Version)),
		Domain:  Domain, Type: typ, Version: 1, Actor: actor(cur.Actor),
	}, data)
	if err != nil {
		return nil, err
	}
	return []events.Envelope{env}, nil
}

func actor(id string) *events.Actor {
	if id == "" {
		return nil
	}
	return &events.Actor{ID: id}
}

// InstallmentChanged is the data of InstallmentPaid.v1.
type InstallmentChanged struct {
	LoanID        string `json:"loanId"`
	UserID        string `json:"userId"`
	InstallmentNo int    `json:"installmentNo"`
	DueDate       string `json:"dueDate"`
	Amount        string `json:"amount"`
	Penalty       string `json:"penalty,omitempty"`
	Status        string `json:"status"`
	TxID          string `json:"txId,omitempty"`
}

func mapInstallment(rec lambdaevents.DynamoDBEventRecord) ([]events.Envelope, error) {
	var cur lendingstore.InstallmentItem
	if err := events.UnmarshalImage(rec.Change.NewImage, &cur); err != nil {
		return nil, fmt.Errorf("installment image: %w", err)
	}
	if cur.Status != string(lending.InstPaid) || len(rec.Change.OldImage) == 0 {
		return nil, nil // DUE/OVERDUE are announced by their notices
	}
	var old lendingstore.InstallmentItem
	if err := events.UnmarshalImage(rec.Change.OldImage, &old); err != nil {
		return nil, fmt.Errorf("installment old image: %w", err)
	}
	if old.Status == cur.Status {
		return nil, nil
	}
	env, err := events.NewFromRecord(rec, events.Meta{
		EventID: events.EventID(cur.PK, cur.SK, "PAID"), Domain: Domain, Type: TypeInstallmentPaid, Version: 1, Actor: actor(cur.PaidBy),
	}, InstallmentChanged{LoanID: cur.LoanID, UserID: cur.UserID, InstallmentNo: cur.No, DueDate: cur.DueDate,
		Amount: string(cur.Amount), Penalty: string(cur.Penalty), Status: cur.Status, TxID: cur.TxID})
	if err != nil {
		return nil, err
	}
	return []events.Envelope{env}, nil
}

// Notice is the data of InstallmentReminder/Due/Overdue.v1: what the notification platform
// sends the borrower.
type Notice struct {
	LoanID        string `json:"loanId"`
	UserID        string `json:"userId"`
	InstallmentNo int    `json:"installmentNo"`
	DueDate       string `json:"dueDate"`
	Amount        string `json:"amount"`
	Day           string `json:"day"`
}

var noticeTypes = map[string]string{
	lendingstore.NoticeReminder: TypeInstallmentReminder, lendingstore.NoticeDue: TypeInstallmentDue,
	lendingstore.NoticeOverdue: TypeInstallmentOverdue,
}

func mapNotice(rec lambdaevents.DynamoDBEventRecord) ([]events.Envelope, error) {
	if len(rec.Change.OldImage) > 0 {
		return nil, nil // notices are written once
	}
	var cur lendingstore.NoticeItem
	if err := events.UnmarshalImage(rec.Change.NewImage, &cur); err != nil {
		return nil, fmt.Errorf("notice image: %w", err)
	}
	typ := noticeTypes[cur.Kind]
	if typ == "" {
		return nil, nil
	}
	env, err := events.NewFromRecord(rec, events.Meta{EventID: events.EventID(cur.PK, cur.SK), Domain: Domain, Type: typ, Version: 1},
		Notice{LoanID: cur.LoanID, UserID: cur.UserID, InstallmentNo: cur.No, DueDate: cur.DueDate, Amount: string(cur.Amount), Day: cur.Day})
	if err != nil {
		return nil, err
	}
	return []events.Envelope{env}, nil
}

// FraudSuspected is the data of FraudSuspected.v1.
type FraudSuspected struct {
	AlertID     string   `json:"alertId"`
	UserID      string   `json:"userId"`
	WindowStart string   `json:"windowStart"`
	WindowEnd   string   `json:"windowEnd"`
	Count       int      `json:"count"`
	TxIDs       []string `json:"txIds"`
}

func mapAlert(rec lambdaevents.DynamoDBEventRecord) ([]events.Envelope, error) {
	if len(rec.Change.OldImage) > 0 {
		return nil, nil
	}
	var cur lendingstore.AlertItem
	if err := events.UnmarshalImage(rec.Change.NewImage, &cur); err != nil {
		return nil, fmt.Errorf("alert image: %w", err)
	}
	env, err := events.NewFromRecord(rec, events.Meta{EventID: events.EventID(cur.PK, cur.SK), Domain: Domain, Type: TypeFraudSuspected, Version: 1},
		FraudSuspected{AlertID: cur.AlertID, UserID: cur.UserID, WindowStart: cur.WindowStart, WindowEnd: cur.WindowEnd, Count: cur.Count, TxIDs: cur.TxIDs})
	if err != nil {
		return nil, err
	}
	return []events.Envelope{env}, nil
}
