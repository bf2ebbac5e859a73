package ledgerapi

import (
	"errors"
	"net/http"

	"holdfast/shared/ledger"
	"holdfast/shared/money"
	"holdfast/shared/platform/idempotency"
	"holdfast/shared/platform/problem"
)

// CodeLedgerInconsistent is the problem code of a write refused because the stored chain
// contradicts itself (an entry beyond its head): the verifier says where.
const CodeLedgerInconsistent = ledger.CodeInconsistent

// ledgerProblem is THE mapping from ledger errors to problems for every route of this package.
// Transaction IDs here derive from the caller's Idempotency-Key, so a transaction ID already
// committed with other content is the same key reused for a different request: it answers
// exactly as the idempotency middleware does (422 idempotency_key_reuse), even after the
// middleware's own record has expired. An error that is not a ledger error is returned as is
// (problem.From turns it into a 500 or, for throttling, a 503).
func ledgerProblem(err error) error {
	var le *ledger.Error
	if !errors.As(err, &le) {
		return err
	}
	switch le.Code {
	case ledger.CodeInsufficientFunds:
		return problem.Unprocessable(ledger.CodeInsufficientFunds,
			"The wallet balance does not cover this withdrawal. Nothing was written.").WithCause(err)
	case ledger.CodeTransactionIDReuse:
		return problem.Unprocessable(idempotency.CodeKeyReuse,
			"This Idempotency-Key was already used for a different request.").WithCause(err)
	case ledger.CodeContention:
		return problem.New(http.StatusServiceUnavailable, ledger.CodeContention,
			"The wallet is busy. Nothing was written; retry with the same Idempotency-Key.").WithCause(err)
	case ledger.CodeUnavailable:
		return problem.New(http.StatusServiceUnavailable, ledger.CodeUnavailable,
			"The ledger is unavailable. Nothing was written; retry with the same Idempotency-Key.").WithCause(err)
	case ledger.CodeOutcomeUnknown:
		return problem.New(http.StatusServiceUnavailable, ledger.CodeOutcomeUnknown,
			"The outcome is not known yet. Retry with the same Idempotency-Key: it posts at most once.").WithCause(err)
	case ledger.CodeInconsistent:
		return problem.New(http.StatusInternalServerError, CodeLedgerInconsistent,
			"The account's stored chain is inconsistent, so nothing was written. Quote the correlation ID.").WithCause(err)
	case ledger.CodeNotFound:
		return problem.NotFound("").WithCause(err)
	case ledger.CodeInvalidCursor:
		return problem.Validation(problem.Field("cursor", "is not a cursor this API issued")).WithCause(err)
	case ledger.CodeInvalidAccount:
		return problem.Validation(problem.Field("id", le.Detail)).WithCause(err)
	case ledger.CodeDigestConflict:
		return problem.Conflict(ledger.CodeDigestConflict, "Another digest run recorded this digest.").WithCause(err)
	}
	// invalid_transaction: the handler validated everything the caller sent, so this is ours.
	return problem.Internal(err)
}

// amountMessage is what a field error says about an amount money refused.
func amountMessage(err error) string {
	var me *money.Error
	if errors.As(err, &me) {
		return me.Detail
	}
	return `must be a decimal amount such as "1500.00"`
}
