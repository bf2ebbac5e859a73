package lending

import (
	"fmt"

	"github.com/shopspring/decimal"

	"holdfast/shared/money"
	"holdfast/shared/platform/errs"
)

// Grades and their rates (SPEC §1.3), configurable through RiskPolicy.
const (
	GradeA = "A"
	GradeB = "B"
	GradeC = "C"

	RecommendApprove = "APPROVE"
	RecommendReview  = "REVIEW"
)

// RiskPolicy is the configurable risk assessment.
type RiskPolicy struct {
	MinScoreA, MinScoreB, MinScoreC int
	RateA, RateB, RateC             decimal.Decimal // % p.a.
	MaxDTI                          decimal.Decimal // above → auto-reject
	ApproveDTI                      decimal.Decimal // A/B at or below → APPROVE, else REVIEW
}

// DefaultRiskPolicy is SPEC §1.3's.
func DefaultRiskPolicy() RiskPolicy {
	return RiskPolicy{
		MinScoreA: 750, MinScoreB: 650, MinScoreC: 550,
		RateA: decimal.RequireFromString("10.5"), RateB: decimal.RequireFromString("13.5"),
		RateC:  decimal.RequireFromString("17.5"),
		MaxDTI: decimal.RequireFromString("0.50"), ApproveDTI: decimal.RequireFromString("0.40"),
	}
}

// Assessment is the risk worker's decision.
type Assessment struct {
	Rejected       bool
	Reason         string // why it was rejected
	Grade          string
	AnnualRate     decimal.Decimal
	EMI            decimal.Decimal
	DTI            decimal.Decimal // ratio, 4 places (0.1234 = 12.34 %)
	Recommendation string
}

// Assess grades an application deterministically from the applicant's credit score, declared
// monthly income (nil: none declared) and the EMIs of their other loans that count toward the
// ratio (State.CountsTowardDTI).
func (p RiskPolicy) Assess(score int, income *decimal.Decimal, activeEMIs decimal.Decimal, principal decimal.Decimal, tenure int) Assessment {
	var a Assessment
	switch {
	case score >= p.MinScoreA:
		a.Grade, a.AnnualRate = GradeA, p.RateA
	case score >= p.MinScoreB:
		a.Grade, a.AnnualRate = GradeB, p.RateB
	case score >= p.MinScoreC:
		a.Grade, a.AnnualRate = GradeC, p.RateC
	default:
		return Assessment{Rejected: true, Reason: "credit score below the minimum"}
	}
	a.EMI = EMI(principal, a.AnnualRate, tenure)
	if income == nil || !income.IsPositive() {
		a.Rejected, a.Reason = true, "no monthly income declared"
		return a
	}
	dti := activeEMIs.Add(a.EMI).Div(*income)
	a.DTI = dti.Round(4)
	if dti.GreaterThan(p.MaxDTI) {
		a.Rejected, a.Reason = true, "debt-to-income above the maximum"
		return a
	}
	a.Recommendation = RecommendReview
	if (a.Grade == GradeA || a.Grade == GradeB) && dti.LessThanOrEqual(p.ApproveDTI) {
		a.Recommendation = RecommendApprove
	}
	a.EMI = money.Round(a.EMI)
	return a
}

// CodeDTIExceeded is the refusal of a final approval that would take the customer's
// debt-to-income ratio past RiskPolicy.MaxDTI (422).
const CodeDTIExceeded = "dti_exceeded"

// CountsTowardDTI reports whether a loan in state s counts in the debt-to-income ratio of an
// assessment: ASSESSED, APPROVED and ACTIVE loans (an assessed loan may yet be approved, so
// parallel applications cannot each pass alone).
func (s State) CountsTowardDTI() bool {
	return s == StateAssessed || s == StateApproved || s == StateActive
}

// CommitsEMI reports whether a loan in state s has its EMI committed: APPROVED or ACTIVE.
// These are what a final approval adds to.
func (s State) CommitsEMI() bool { return s == StateApproved || s == StateActive }

// IsFinalApproval reports whether change moves a loan from before into APPROVED: the approval
// that commits its EMI (a large loan's first approval leaves it ASSESSED).
func IsFinalApproval(before State, after Loan) bool {
	return before != StateApproved && after.State == StateApproved
}

// CheckApproval is the debt-to-income re-check of a final approval: the EMIs already committed
// (the customer's APPROVED and ACTIVE loans, without this one) plus this loan's EMI, over the
// declared monthly income, may not exceed MaxDTI. No income declared is a refusal too.
func (p RiskPolicy) CheckApproval(income *decimal.Decimal, committed, emi decimal.Decimal) error {
	if income == nil || !income.IsPositive() {
		return errs.Unprocessable(CodeDTIExceeded, "No monthly income is declared; the loan cannot be approved.")
	}
	dti := committed.Add(emi).Div(*income)
	if dti.GreaterThan(p.MaxDTI) {
		return errs.Unprocessable(CodeDTIExceeded, fmt.Sprintf("Approving this loan would take the customer's debt-to-income ratio to %s, above the maximum of %s.",
			dti.Round(4).StringFixed(4), p.MaxDTI.StringFixed(2)))
	}
	return nil
}
