package ledgerapi

import (
	"errors"

	"holdfast/shared/ledger"
	"holdfast/shared/money"
	"holdfast/shared/platform/idempotency"
	"holdfast/shared/platform/problem"
)

// ledgerProblem maps ledger errors for this package's routes: ledger.AsProblem, except that
// here a transaction ID derives from the caller's Idempotency-Key, so an ID already committed
// with other content is the key reused for a different request. It answers exactly as the
// idempotency middleware does (422 idempotency_key_reuse), even after the middleware's own
// record has expired.
func ledgerProblem(err error) error {
	var le *ledger.Error
	if errors.As(err, &le) && le.Code == ledger.CodeTransactionIDReuse {
		return problem.Unprocessable(idempotency.CodeKeyReuse,
			"This Idempotency-Key was already used for a different request.").WithCause(err)
	}
	return ledger.AsProblem(err)
}

// amountMessage is what a field error says about an amount money refused.
func amountMessage(err error) string {
	var me *money.Error
	if errors.As(err, &me) {
		return me.Detail
	}
	return `must be a decimal amount such as "1500.00"`
}
