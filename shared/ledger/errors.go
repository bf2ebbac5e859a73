package ledger

import (
	"errors"
	"fmt"

	"holdfast/shared/platform/errs"
)

// Stable machine codes of ledger errors; they never change meaning.
const (
	// CodeInsufficientFunds: a wallet would go below zero. Nothing was written.
	CodeInsufficientFunds = "insufficient_funds"
	// CodeInvalidTransaction: the transaction breaks a rule of its shape (postings, amounts,
	// accounts, metadata). Nothing was written. Callers validate what they are sent, so this
	// one is a fault of the caller's code, not of its client.
	CodeInvalidTransaction = "invalid_transaction"
	// CodeInvalidAccount: an account ID is not one the ledger knows how to hold.
	CodeInvalidAccount = "invalid_account"
	// CodeTransactionIDReuse: a transaction with this ID is already committed with different
	// content (type, postings, loan or installment). Nothing was written.
	CodeTransactionIDReuse = "transaction_id_reuse"
	// CodeContention: the writer lost the race for an account head more often than its retry
	// budget allows. Nothing was written; the same transaction may be retried.
	CodeContention = "ledger_contention"
	// CodeUnavailable: the store did not answer, and reading the transaction record afterwards
	// proved that nothing was written. The same transaction may be retried.
	CodeUnavailable = "ledger_unavailable"
	// CodeOutcomeUnknown: a write may or may not have landed and the store could not be read to
	// find out. Retrying the same transaction ID is safe: it posts at most once.
	CodeOutcomeUnknown = "ledger_outcome_unknown"
	// CodeInconsistent: the stored chain contradicts itself (an entry exists beyond its head).
	// The writer refuses to append to it; the verifier says where it breaks.
	CodeInconsistent = "ledger_inconsistent"
	// CodeNotFound: no such transaction (or digest).
	CodeNotFound = errs.CodeNotFound
	// CodeDigestConflict: another digest run recorded the next digest first.
	CodeDigestConflict = "digest_conflict"
)

// Sentinels for errors.Is (which matches on the code), each with the detail a client is shown.
// The errors returned carry what went wrong for logs as their cause (Fail).
var (
	ErrInsufficientFunds = errs.Unprocessable(CodeInsufficientFunds,
		"The wallet balance does not cover this transaction. Nothing was written.")
	ErrInvalidTransaction = errs.New(errs.KindInternal, CodeInvalidTransaction,
		"The ledger refused a transaction this service built. Nothing was written; quote the correlation ID.")
	ErrInvalidAccount     = errs.BadRequest(CodeInvalidAccount, "Not a ledger account.")
	ErrTransactionIDReuse = errs.Unprocessable(CodeTransactionIDReuse,
		"This transaction ID was already used for a different transaction.")
	ErrContention = errs.New(errs.KindUnavailable, CodeContention,
		"The account is busy. Nothing was written; retry with the same Idempotency-Key.")
	ErrUnavailable = errs.New(errs.KindUnavailable, CodeUnavailable,
		"The ledger is unavailable. Nothing was written; retry with the same Idempotency-Key.")
	ErrOutcomeUnknown = errs.New(errs.KindUnavailable, CodeOutcomeUnknown,
		"The outcome is not known yet. Retry with the same Idempotency-Key: it posts at most once.")
	ErrInconsistent = errs.New(errs.KindInternal, CodeInconsistent,
		"The account's stored chain is inconsistent, so nothing was written. Quote the correlation ID.")
	ErrNotFound       = errs.NotFound("")
	ErrDigestConflict = errs.Conflict(CodeDigestConflict, "Another digest run recorded this digest.")
)

// Fail is sentinel with what went wrong, for logs, as its cause: the client sees the
// sentinel's detail only.
func Fail(sentinel *errs.Error, format string, args ...any) *errs.Error {
	return sentinel.WithCause(fmt.Errorf(format, args...))
}

// invalidAccount is ErrInvalidAccount naming what is wrong with the account ID, as a field
// error on "id" (the one place an account ID comes from a client).
func invalidAccount(msg string) *errs.Error {
	e := ErrInvalidAccount.WithCause(errors.New(msg))
	e.Fields = []errs.FieldError{errs.Field("id", msg)}
	return e
}
