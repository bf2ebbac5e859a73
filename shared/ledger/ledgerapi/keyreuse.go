package ledgerapi

import (
	"errors"

	"holdfast/shared/ledger"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/idempotency"
)

// keyReuse reads a commit failure of this package's routes, where a transaction ID derives
// from the caller's Idempotency-Key: an ID already committed with other content is the key
// reused for a different request. It answers exactly as the idempotency middleware does
// (idempotency_key_reuse), even after the middleware's own record has expired. Any other error
// is returned as it is.
func keyReuse(err error) error {
	if errors.Is(err, ledger.ErrTransactionIDReuse) {
		return errs.Unprocessable(idempotency.CodeKeyReuse,
			"This Idempotency-Key was already used for a different request.").WithCause(err)
	}
	return err
}
