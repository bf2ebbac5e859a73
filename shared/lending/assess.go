package lending

import (
	"github.com/shopspring/decimal"

	"holdfast/shared/money"
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
// monthly income (nil: none declared) and the EMIs of their active loans.
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
