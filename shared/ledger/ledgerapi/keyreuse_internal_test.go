package ledgerapi

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"holdfast/shared/ledger"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/problem"
)

// Every ledger code maps to one stable status and code, and no internal text reaches the
// client's detail.
func TestLedgerProblemMapsEveryCode(t *testing.T) {
	cases := []struct {
		err    error
		status int
		code   string
	}{
		{ledger.ErrInsufficientFunds, 422, "insufficient_funds"},
		{ledger.ErrTransactionIDReuse, 422, "idempotency_key_reuse"},
		{ledger.ErrContention, 503, "ledger_contention"},
		{ledger.ErrUnavailable, 503, "ledger_unavailable"},
		{ledger.ErrOutcomeUnknown, 503, "ledger_outcome_unknown"},
		{ledger.ErrInconsistent, 500, "ledger_inconsistent"},
		{ledger.ErrNotFound, 404, errs.CodeNotFound},
		{ledger.ErrInvalidAccount, 400, ledger.CodeInvalidAccount},
		{ledger.ErrDigestConflict, 409, "digest_conflict"},
		{ledger.ErrInvalidTransaction, 500, ledger.CodeInvalidTransaction},
		{errors.New("dynamodb: secret internals"), 500, errs.CodeInternal},
	}
	for _, c := range cases {
		wrapped := c.err
		if e, ok := errs.As(c.err); ok {
			wrapped = fmt.Errorf("commit: %w", e.WithCause(errors.New("aws text")))
		}
		p := problem.From(keyReuse(wrapped))
		if problem.Status(p.Kind) != c.status || p.Code != c.code {
			t.Errorf("%v → %d %s", c.err, problem.Status(p.Kind), p.Code)
		}
		if strings.Contains(p.Detail, "aws text") || strings.Contains(p.Detail, "secret") {
			t.Errorf("%v leaks: %q", c.err, p.Detail)
		}
	}
}

func TestSummarizeNamesTheLowestBrokenAccount(t *testing.T) {
	three, one := uint64(3), uint64(1)
	rep := ledger.AuditReport{Valid: false, Total: "0.00", ProblemCount: 2, InvalidChains: []ledger.Verification{
		{Account: "wallet:zed", FirstInvalidSeq: &one}, {Account: "wallet:amy", FirstInvalidSeq: &three}}}
	res := Summarize(rep)
	if res.Valid || res.FirstInvalid == nil || res.FirstInvalid.Account != "wallet:amy" || *res.FirstInvalid.FirstInvalidSeq != 3 ||
		res.Problems == nil {
		t.Fatalf("%+v", res)
	}
	if res := Summarize(ledger.AuditReport{Valid: true, Total: "0.00"}); res.FirstInvalid != nil || !res.Valid {
		t.Fatalf("%+v", res)
	}
}
