package lendingapi

import (
	"context"
	"net/http"

	"github.com/shopspring/decimal"

	"holdfast/shared/lending"
	"holdfast/shared/lending/lendingstore"
	"holdfast/shared/money"
	"holdfast/shared/platform/audit"
	"holdfast/shared/platform/correlation"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/httpapi"
	"holdfast/shared/platform/idempotency"
	"holdfast/shared/platform/identity"
)

type repayRequest struct {
	InstallmentNo *int `json:"installmentNo"`
}

// creditScore is the borrower's score now (the default for a borrower without a profile).
func (x *deps) creditScore(ctx context.Context, userID string) (int, error) {
	p, found, err := x.profiles.Get(ctx, userID)
	if err != nil {
		return 0, err
	}
	if !found {
		return lending.DefaultCreditScore, nil
	}
	return p.CreditScore, nil
}

// Repay builds POST /api/v1/loans/{id}/repayments {installmentNo?}.
func Repay(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
	return onLoan(d, true, func(r *http.Request, x *deps, id string) (*httpapi.Response, error) {
		ctx := r.Context()
		var req repayRequest
		if _, err := httpapi.DecodeOptional(r, &req); err != nil {
			return nil, err
		}
		if req.InstallmentNo != nil && (*req.InstallmentNo < 1 || *req.InstallmentNo > lending.MaxLoanTenure) {
			return nil, errs.Validation(errs.Field("installmentNo", "must be between 1 and 60"))
		}
		cur, err := x.loadOwned(ctx, id, true)
		if err != nil {
			return nil, err
		}
		audit.SetEntity(ctx, "loan", id)
		res, err := repayOnce(ctx, x, cur, req.InstallmentNo, identity.FromContext(ctx).Subject, idempotency.Key(r))
		if err != nil {
			return nil, err
		}
		return httpapi.JSON(http.StatusCreated, repaymentView(id, res))
	})
}

func repayOnce(ctx context.Context, x *deps, cur lendingstore.Loaded, no *int, actor, key string) (lendingstore.RepaymentResult, error) {
	var n int
	if no != nil {
		n = *no
	} else {
		insts, status := cur.Schedule()
		next, err := lending.NextRepayment(cur.Loan.State, insts, status)
		if err != nil {
			return lendingstore.RepaymentResult{}, err
		}
		n = next
	}
	today := x.d.Calendar.Today(ctx, x.d.Clock)
	penalty := func(ctx context.Context, in lendingstore.Installment) (decimal.Decimal, error) {
		late := lending.DaysLate(in.DueDate, today)
		if late == 0 {
			return decimal.Zero, nil // on time: no need to read the borrower's score
		}
		score, err := x.creditScore(ctx, cur.Loan.UserID)
		if err != nil {
			return decimal.Decimal{}, err
		}
		return lending.Penalty(in.Amount, late, score), nil
	}
	return x.loans.Repay(ctx, x.ledger, cur, n, penalty, x.d.Clock.Now(ctx), actor, correlation.FromContext(ctx), key)
}

func repaymentView(loanID string, res lendingstore.RepaymentResult) map[string]any {
	in := res.Installment
	return map[string]any{
		"loanId": loanID, "installmentNo": in.No, "dueDate": in.DueDate.String(), "txId": res.TxID,
		"amount": money.Format(in.Amount), "principal": money.Format(in.Principal), "interest": money.Format(in.Interest),
		"penalty": money.Format(res.Penalty), "total": money.Format(res.Total), "status": string(in.Status),
		"loanClosed": res.Closed,
	}
}
