package lendingapi

import (
	"context"
	"fmt"
	"net/http"

	"holdfast/shared/lending"
	"holdfast/shared/money"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/httpapi"
)

type installmentView struct {
	No        int    `json:"no"`
	DueDate   string `json:"dueDate"`
	Amount    string `json:"amount"`
	Principal string `json:"principal"`
	Interest  string `json:"interest"`
	Opening   string `json:"openingBalance"`
	Closing   string `json:"closingBalance"`
	Status    string `json:"status,omitempty"`
	Penalty   string `json:"penalty,omitempty"`
	PaidAt    string `json:"paidAt,omitempty"`
	TxID      string `json:"txId,omitempty"`
}

type scheduleView struct {
	LoanID        string            `json:"loanId,omitempty"`
	Principal     string            `json:"principal"`
	AnnualRate    string            `json:"annualRate"`
	TenureMonths  int               `json:"tenureMonths"`
	StartDate     string            `json:"startDate"`
	EMI           string            `json:"emi"`
	TotalInterest string            `json:"totalInterest"`
	TotalPayable  string            `json:"totalPayable"`
	Installments  []installmentView `json:"installments"`
}

func viewPlan(p lending.Plan) scheduleView {
	v := scheduleView{Principal: money.Format(p.Principal), AnnualRate: p.AnnualRate.String(), TenureMonths: p.TenureMonths,
		StartDate: p.StartDate.String(), EMI: money.Format(p.EMI), TotalInterest: money.Format(p.TotalInterest),
		TotalPayable: money.Format(p.TotalPayable), Installments: make([]installmentView, len(p.Installments))}
	for i, in := range p.Installments {
		v.Installments[i] = installmentView{No: in.No, DueDate: in.DueDate.String(), Amount: money.Format(in.Amount),
			Principal: money.Format(in.Principal), Interest: money.Format(in.Interest), Opening: money.Format(in.Opening),
			Closing: money.Format(in.Closing)}
	}
	return v
}

// Calculator builds the public GET /api/v1/loan-calculator: the very schedule code loans use.
func Calculator(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
	return func(r *http.Request) (*httpapi.Response, error) {
		q, err := httpapi.Query(r, "principal", "annualRate", "tenureMonths", "startDate")
		if err != nil {
			return nil, err
		}
		in, err := lending.ParseCalculator(q, d.Calendar.Today(r.Context(), d.Clock))
		if err != nil {
			return nil, err
		}
		return httpapi.JSON(http.StatusOK, viewPlan(lending.BuildSchedule(in.Principal, in.AnnualRate, in.TenureMonths, in.StartDate)))
	}, nil
}

// Schedule builds GET /api/v1/loans/{id}/schedule: the installments with their status.
func Schedule(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
	return onLoan(d, false, func(r *http.Request, x *deps, id string) (*httpapi.Response, error) {
		ctx := r.Context()
		cur, err := x.loadOwned(ctx, id, true)
		if err != nil {
			return nil, err
		}
		if cur.Loan.DisbursedOn.IsZero() {
			return nil, errs.Conflict(lending.CodeIllegalTransition, fmt.Sprintf("A loan in state %s has no schedule yet.", cur.Loan.State))
		}
		plan := lending.BuildSchedule(cur.Loan.Principal, cur.Loan.AnnualRate, cur.Loan.TenureMonths, cur.Loan.DisbursedOn)
		v := viewPlan(plan)
		v.LoanID = id
		for i, in := range cur.Installments {
			if i >= len(v.Installments) {
				break
			}
			v.Installments[i].Status = string(in.Status)
			if in.Status == lending.InstPaid {
				v.Installments[i].Penalty, v.Installments[i].PaidAt, v.Installments[i].TxID = money.Format(in.Penalty), in.PaidAt, in.TxID
			}
		}
		return httpapi.JSON(http.StatusOK, v)
	})
}
