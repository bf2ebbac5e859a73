package lendingstore

import (
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/shopspring/decimal"

	"holdfast/shared/lending"
	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/dynamoitem"
)

// Keys of the loan items (docs/data-model.md, "Lending table: loans").
const (
	loanPrefix     = "LOAN#"
	loanSK         = "LOAN"
	timelinePrefix = "TL#"
	instPrefix     = "INST#"
	noticePrefix   = "NOTICE#"
	quotePrefix    = "QUOTE#"
	countSK        = "LOANS"
	loansIndexPK   = "LOANS#"
	dueIndexPrefix = "DUE#"
	indexName      = "gsi1"
	reviewIndex    = "gsi2"

	// ReviewIndexPK is the gsi2 partition of the approval queue: only ASSESSED loans carry
	// it (a sparse index), sorted by application time.
	ReviewIndexPK = "REVIEW"

	// Entity values the relay maps.
	EntityLoan        = "loan"
	EntityTimeline    = "loanTimeline"
	EntityInstallment = "installment"
	EntityNotice      = "notice"
	EntityQuote       = "foreclosureQuote"
	EntityLoanCount   = "loanCount"

	// DueShards spreads unpaid installments over this many gsi1 partitions; the EMI job
	// handles each shard on its own.
	DueShards = 16
)

// LoanPK is the partition of a loan and everything under it.
func LoanPK(id string) string { return loanPrefix + id }

func loanKey(id string) map[string]types.AttributeValue { return dynamoitem.Key(LoanPK(id), loanSK) }

func instSK(no int) string { return fmt.Sprintf("%s%03d", instPrefix, no) }

func timelineSK(v int64) string { return fmt.Sprintf("%s%06d", timelinePrefix, v) }

// DueShard is the EMI-job shard of a loan's installments.
func DueShard(loanID string) int {
	h := uint32(2166136261)
	for i := 0; i < len(loanID); i++ {
		h = (h ^ uint32(loanID[i])) * 16777619
	}
	return int(h % DueShards)
}

func dueIndexPK(shard int) string { return fmt.Sprintf("%s%02d", dueIndexPrefix, shard) }

func num(d decimal.Decimal) attributevalue.Number { return attributevalue.Number(d.StringFixed(2)) }

func parseNum(n attributevalue.Number) decimal.Decimal {
	if n == "" {
		return decimal.Zero
	}
	d, err := decimal.NewFromString(string(n))
	if err != nil {
		return decimal.Zero
	}
	return d
}

// LoanItem is a loan's stored form (shared with the relay).
type LoanItem struct {
	PK             string                `dynamodbav:"pk"`
	SK             string                `dynamodbav:"sk"`
	Entity         string                `dynamodbav:"entity"`
	GSI1PK         string                `dynamodbav:"gsi1pk"`
	GSI1SK         string                `dynamodbav:"gsi1sk"`
	GSI2PK         string                `dynamodbav:"gsi2pk,omitempty"` // ReviewIndexPK while ASSESSED
	GSI2SK         string                `dynamodbav:"gsi2sk,omitempty"`
	LoanID         string                `dynamodbav:"loanId"`
	UserID         string                `dynamodbav:"userId"`
	Principal      attributevalue.Number `dynamodbav:"principal"`
	TenureMonths   int                   `dynamodbav:"tenureMonths"`
	Purpose        string                `dynamodbav:"purpose"`
	State          string                `dynamodbav:"state"`
	Version        int64                 `dynamodbav:"version"`
	Grade          string                `dynamodbav:"grade,omitempty"`
	AnnualRate     attributevalue.Number `dynamodbav:"annualRate,omitempty"`
	EMI            attributevalue.Number `dynamodbav:"emi,omitempty"`
	DTI            attributevalue.Number `dynamodbav:"dti,omitempty"`
	Recommendation string                `dynamodbav:"recommendation,omitempty"`
	Approvals      []string              `dynamodbav:"approvals,omitempty"`
	DisbursedOn    string                `dynamodbav:"disbursedOn,omitempty"`
	Reason         string                `dynamodbav:"reason,omitempty"`
	CreatedAt      string                `dynamodbav:"createdAt"`
	UpdatedAt      string                `dynamodbav:"updatedAt"`
	CorrelationID  string                `dynamodbav:"correlationId"`
	Actor          string                `dynamodbav:"actor"`
	// Settlement bookkeeping (not part of the domain loan, no version change).
	Rev       int64 `dynamodbav:"rev"`       // +1 per repayment; a foreclosure quote is bound to it
	PaidCount int   `dynamodbav:"paidCount"` // installments paid
}

func loanToItem(l lending.Loan, actor, corr string) LoanItem {
	it := LoanItem{
		PK: LoanPK(l.ID), SK: loanSK, Entity: EntityLoan,
		GSI1PK: loansIndexPK + l.UserID, GSI1SK: "LOAN#" + dynamoitem.SortableTime(l.CreatedAt) + "#" + l.ID,
		LoanID: l.ID, UserID: l.UserID, Principal: num(l.Principal), TenureMonths: l.TenureMonths,
		Purpose: l.Purpose, State: string(l.State), Version: l.Version, Grade: l.Grade,
		Recommendation: l.Recommendation, Approvals: l.Approvals, Reason: l.Reason,
		CreatedAt: dynamoitem.Time(l.CreatedAt), UpdatedAt: dynamoitem.Time(l.UpdatedAt), CorrelationID: corr, Actor: actor,
	}
	if l.Grade != "" {
		it.AnnualRate = attributevalue.Number(l.AnnualRate.String())
		it.EMI = num(l.EMI)
		it.DTI = attributevalue.Number(l.DTI.String())
	}
	if !l.DisbursedOn.IsZero() {
		it.DisbursedOn = l.DisbursedOn.String()
	}
	if l.State == lending.StateAssessed {
		it.GSI2PK, it.GSI2SK = ReviewIndexPK, it.GSI1SK
	}
	return it
}

// Loan decodes the item.
func (it LoanItem) Loan() (lending.Loan, error) {
	l := lending.Loan{
		ID: it.LoanID, UserID: it.UserID, Principal: parseNum(it.Principal), TenureMonths: it.TenureMonths,
		Purpose: it.Purpose, State: lending.State(it.State), Version: it.Version, Grade: it.Grade,
		AnnualRate: parseNum(it.AnnualRate), EMI: parseNum(it.EMI), DTI: parseNum(it.DTI),
		Recommendation: it.Recommendation, Approvals: it.Approvals, Reason: it.Reason,
	}
	var err error
	if l.CreatedAt, err = dynamoitem.ParseTime(it.CreatedAt); err != nil {
		return lending.Loan{}, fmt.Errorf("loan %s: createdAt: %w", it.LoanID, err)
	}
	if l.UpdatedAt, err = dynamoitem.ParseTime(it.UpdatedAt); err != nil {
		return lending.Loan{}, fmt.Errorf("loan %s: updatedAt: %w", it.LoanID, err)
	}
	if it.DisbursedOn != "" {
		if l.DisbursedOn, err = clock.ParseDate(it.DisbursedOn); err != nil {
			return lending.Loan{}, fmt.Errorf("loan %s: disbursedOn: %w", it.LoanID, err)
		}
	}
	return l, nil
}

// TimelineItem is one stored timeline entry.
type TimelineItem struct {
	PK            string `dynamodbav:"pk"`
	SK            string `dynamodbav:"sk"`
	Entity        string `dynamodbav:"entity"`
	LoanID        string `dynamodbav:"loanId"`
	Version       int64  `dynamodbav:"version"`
	At            string `dynamodbav:"at"`
	Actor         string `dynamodbav:"actor"`
	From          string `dynamodbav:"from,omitempty"`
	To            string `dynamodbav:"to"`
	Action        string `dynamodbav:"action"`
	Reason        string `dynamodbav:"reason,omitempty"`
	CorrelationID string `dynamodbav:"correlationId"`
}

func timelineToItem(loanID string, e lending.TimelineEntry) TimelineItem {
	return TimelineItem{PK: LoanPK(loanID), SK: timelineSK(e.Version), Entity: EntityTimeline, LoanID: loanID,
		Version: e.Version, At: dynamoitem.Time(e.At), Actor: e.Actor, From: string(e.From), To: string(e.To),
		Action: string(e.Action), Reason: e.Reason, CorrelationID: e.CorrelationID}
}

// Entry decodes the item.
func (it TimelineItem) Entry() lending.TimelineEntry {
	return lending.TimelineEntry{Version: it.Version, At: dynamoitem.TimeOrZero(it.At), Actor: it.Actor, From: lending.State(it.From),
		To: lending.State(it.To), Action: lending.Action(it.Action), Reason: it.Reason, CorrelationID: it.CorrelationID}
}

// InstallmentItem is one stored installment. While unpaid it carries the sparse due index
// (gsi1pk DUE#<shard>, gsi1sk <dueDate>#<loanId>#<no>) the EMI job reads.
type InstallmentItem struct {
	PK            string                `dynamodbav:"pk"`
	SK            string                `dynamodbav:"sk"`
	Entity        string                `dynamodbav:"entity"`
	GSI1PK        string                `dynamodbav:"gsi1pk,omitempty"`
	GSI1SK        string                `dynamodbav:"gsi1sk,omitempty"`
	LoanID        string                `dynamodbav:"loanId"`
	UserID        string                `dynamodbav:"userId"`
	No            int                   `dynamodbav:"no"`
	DueDate       string                `dynamodbav:"dueDate"`
	Amount        attributevalue.Number `dynamodbav:"amount"`
	Principal     attributevalue.Number `dynamodbav:"principal"`
	Interest      attributevalue.Number `dynamodbav:"interest"`
	Opening       attributevalue.Number `dynamodbav:"opening"`
	Closing       attributevalue.Number `dynamodbav:"closing"`
	Status        string                `dynamodbav:"status"`
	Penalty       attributevalue.Number `dynamodbav:"penalty,omitempty"`
	PaidAt        string                `dynamodbav:"paidAt,omitempty"`
	PaidBy        string                `dynamodbav:"paidBy,omitempty"`
	TxID          string                `dynamodbav:"txId,omitempty"`
	CorrelationID string                `dynamodbav:"correlationId"`
	Version       int64                 `dynamodbav:"version"`
}

// Installment is the domain form plus status.
type Installment struct {
	lending.Installment
	LoanID  string
	UserID  string
	Status  lending.InstallmentStatus
	Penalty decimal.Decimal
	PaidAt  string
	TxID    string
	Version int64
}

func instToItem(loanID, userID string, in lending.Installment, corr string) InstallmentItem {
	return InstallmentItem{
		PK: LoanPK(loanID), SK: instSK(in.No), Entity: EntityInstallment,
		GSI1PK: dueIndexPK(DueShard(loanID)), GSI1SK: fmt.Sprintf("%s#%s#%03d", in.DueDate, loanID, in.No),
		LoanID: loanID, UserID: userID, No: in.No, DueDate: in.DueDate.String(), Amount: num(in.Amount),
		Principal: num(in.Principal), Interest: num(in.Interest), Opening: num(in.Opening), Closing: num(in.Closing),
		Status: string(lending.InstScheduled), CorrelationID: corr, Version: 1,
	}
}

// Installment decodes the item.
func (it InstallmentItem) Installment() (Installment, error) {
	due, err := clock.ParseDate(it.DueDate)
	if err != nil {
		return Installment{}, fmt.Errorf("installment %s#%d: %w", it.LoanID, it.No, err)
	}
	return Installment{
		Installment: lending.Installment{No: it.No, DueDate: due, Amount: parseNum(it.Amount), Principal: parseNum(it.Principal),
			Interest: parseNum(it.Interest), Opening: parseNum(it.Opening), Closing: parseNum(it.Closing)},
		LoanID: it.LoanID, UserID: it.UserID, Status: lending.InstallmentStatus(it.Status), Penalty: parseNum(it.Penalty),
		PaidAt: it.PaidAt, TxID: it.TxID, Version: it.Version,
	}, nil
}

// NoticeItem is a reminder or notice for the notification platform; the relay turns it into an
// event. Its key makes it once per installment per kind per day.
type NoticeItem struct {
	PK            string                `dynamodbav:"pk"`
	SK            string                `dynamodbav:"sk"`
	Entity        string                `dynamodbav:"entity"`
	Kind          string                `dynamodbav:"kind"`
	LoanID        string                `dynamodbav:"loanId"`
	UserID        string                `dynamodbav:"userId"`
	No            int                   `dynamodbav:"no"`
	DueDate       string                `dynamodbav:"dueDate"`
	Amount        attributevalue.Number `dynamodbav:"amount"`
	Day           string                `dynamodbav:"day"`
	CorrelationID string                `dynamodbav:"correlationId"`
}

// Notice kinds.
const (
	NoticeReminder = "REMINDER" // due in 3 days
	NoticeDue      = "DUE"      // due today, wallet did not cover it
	NoticeOverdue  = "OVERDUE"  // past due and unpaid
	NoticePaid     = "AUTODEBITED"
)

func noticeSK(kind string, no int, day clock.Date) string {
	return fmt.Sprintf("%s%s#%03d#%s", noticePrefix, kind, no, day)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
