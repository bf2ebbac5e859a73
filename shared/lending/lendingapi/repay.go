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
		if err := lending.ParseInstallmentNo(req.InstallmentNo); err != nil {
			return nil, err
		}
		cur, err := x.loadOwned(ctx, id, true)
		if err != nil {
			return nil, err
		}
		audit.SetEntity(ctx, "loan", id)
		res, err := repay(ctx, x, cur, req.InstallmentNo, identity.FromContext(ctx).Subject, idempotency.Key(r))
		if err != nil {
			return nil, err
		}
		return httpapi.JSON(http.StatusCreated, repaymentView(id, res))
	})
}

// repay pays the installment the request names, or the oldest unpaid, as actor: the store
// settles it, pricing a late one by latePenalty.
func repay(ctx context.Context, x *deps, cur lendingstore.Loaded, no *int, actor, key string) (lendingstore.RepaymentResult, error) {
	n, err := installmentToPay(cur, no)
	if err != nil {
		return lendingstore.RepaymentResult{}, err
	}
	return x.loans.Repay(ctx, x.ledger, cur, n, x.latePenalty(ctx, cur.Loan.UserID), x.d.Clock.Now(ctx), actor,
		correlation.FromContext(ctx), key)
}

// installmentToPay is the installment the request names, or else the domain's next one to pay
// (lending.NextRepayment: the oldest unpaid).
func installmentToPay(cur lendingstore.Loaded, no *int) (int, error) {
	if no != nil {
		return *no, nil
	}
	insts, status := cur.Schedule()
	return lending.NextRepayment(cur.Loan.State, insts, status)
}

// latePenalty prices an installment for the store as of today: lending.Penalty at the
// borrower's credit score now for the days it is late; one paid on time costs nothing and
// reads no profile.
func (x *deps) latePenalty(ctx context.Context, borrower string) lendingstore.PenaltyFor {
	today := x.d.Calendar.Today(ctx, x.d.Clock)
	return func(ctx context.Context, in lendingstore.Installment) (decimal.Decimal, error) {
		late := lending.DaysLate(in.DueDate, today)
		if late == 0 {
			return decimal.Zero, nil // on time: no need to read the borrower's score
		}
		score, err := x.creditScore(ctx, borrower)
		if err != nil {
			return decimal.Decimal{}, err
		}
		return lending.Penalty(in.Amount, late, score), nil
	}
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
