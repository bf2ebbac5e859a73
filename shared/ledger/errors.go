package ledger

// Stable machine codes of ledger errors. HTTP handlers map them to problem responses in one
// place; they never change meaning.
const (
	// CodeInsufficientFunds: a wallet would go below zero. Nothing was written.
	CodeInsufficientFunds = "insufficient_funds"
	// CodeInvalidTransaction: the transaction breaks a rule of its shape (postings, amounts,
	// accounts, metadata). Nothing was written.
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
	CodeNotFound = "not_found"
	// CodeInvalidCursor: a page cursor that this ledger did not issue.
	CodeInvalidCursor = "invalid_cursor"
	// CodeDigestConflict: another digest run recorded the next digest first.
	CodeDigestConflict = "digest_conflict"
)

// Error is a ledger error with a stable Code. Detail is written for the client; Account names
// the account concerned, when one is. Cause, when set, is for logs only.
type Error struct {
	Code    string
	Detail  string
	Account Account
	Cause   error
}

func (e *Error) Error() string {
	s := e.Code + ": " + e.Detail
	if e.Account != "" {
		s += " (account " + string(e.Account) + ")"
	}
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

// Unwrap exposes the cause to errors.Is/As and to logs.
func (e *Error) Unwrap() error { return e.Cause }

// Is makes errors.Is match on the code, so callers compare against the Err… values.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Sentinels for errors.Is; the errors returned carry details of their own.
var (
	ErrInsufficientFunds  = &Error{Code: CodeInsufficientFunds, Detail: "the wallet balance does not cover this transaction"}
	ErrInvalidTransaction = &Error{Code: CodeInvalidTransaction, Detail: "the transaction is not valid"}
	ErrInvalidAccount     = &Error{Code: CodeInvalidAccount, Detail: "not a ledger account"}
	ErrTransactionIDReuse = &Error{Code: CodeTransactionIDReuse, Detail: "a different transaction with this ID is already committed"}
	ErrContention         = &Error{Code: CodeContention, Detail: "the account is busy; try again"}
	ErrUnavailable        = &Error{Code: CodeUnavailable, Detail: "the ledger store is unavailable; nothing was written"}
	ErrOutcomeUnknown     = &Error{Code: CodeOutcomeUnknown, Detail: "the outcome is unknown; retrying the same transaction is safe"}
	ErrInconsistent       = &Error{Code: CodeInconsistent, Detail: "the stored chain is inconsistent"}
	ErrNotFound           = &Error{Code: CodeNotFound, Detail: "not found"}
	ErrInvalidCursor      = &Error{Code: CodeInvalidCursor, Detail: "the cursor is not valid"}
	ErrDigestConflict     = &Error{Code: CodeDigestConflict, Detail: "another digest run recorded this digest"}
)
