package ledger

import (
	"errors"
	"net/http"

	"holdfast/shared/platform/problem"
)

// AsProblem is THE mapping from ledger errors to API problems, for every product that moves
// money (wallet routes, loan settlement). An error that is not a ledger error is returned as
// it is, for problem.From to classify.
func AsProblem(err error) error {
	var le *Error
	if !errors.As(err, &le) {
		return err
	}
	switch le.Code {
	case CodeInsufficientFunds:
		return problem.Unprocessable(CodeInsufficientFunds,
			"The wallet balance does not cover this transaction. Nothing was written.").WithCause(err)
	case CodeTransactionIDReuse:
		return problem.Unprocessable(CodeTransactionIDReuse,
			"This transaction ID was already used for a different transaction.").WithCause(err)
	case CodeContention:
		return problem.New(http.StatusServiceUnavailable, CodeContention,
			"The account is busy. Nothing was written; retry with the same Idempotency-Key.").WithCause(err)
	case CodeUnavailable:
		return problem.New(http.StatusServiceUnavailable, CodeUnavailable,
			"The ledger is unavailable. Nothing was written; retry with the same Idempotency-Key.").WithCause(err)
	case CodeOutcomeUnknown:
		return problem.New(http.StatusServiceUnavailable, CodeOutcomeUnknown,
			"The outcome is not known yet. Retry with the same Idempotency-Key: it posts at most once.").WithCause(err)
	case CodeInconsistent:
		return problem.New(http.StatusInternalServerError, CodeInconsistent,
			"The account's stored chain is inconsistent, so nothing was written. Quote the correlation ID.").WithCause(err)
	case CodeNotFound:
		return problem.NotFound("").WithCause(err)
	case CodeInvalidCursor:
		return problem.Validation(problem.Field("cursor", "is not a cursor this API issued")).WithCause(err)
	case CodeInvalidAccount:
		return problem.Validation(problem.Field("id", le.Detail)).WithCause(err)
	case CodeDigestConflict:
		return problem.Conflict(CodeDigestConflict, "Another digest run recorded this digest.").WithCause(err)
	}
	// invalid_transaction: callers validate what they are sent, so this one is ours.
	return problem.Internal(err)
}
