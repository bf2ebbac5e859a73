package ledgerapi

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"holdfast/shared/ledger"
	"holdfast/shared/money"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/page"
	"holdfast/shared/platform/problem"
)

// The ledger API's decoders of untrusted query and body values: the page size and the amount
// of a deposit or withdrawal (the cursors are page's, fuzzed there). They are pure, but the
// package's TestMain starts the emulator, so a fuzz run here is slower to start than elsewhere.

func FuzzParseLimit(f *testing.F) {
	for _, s := range []string{"1", "20", "100", "101", "0", "-1", "+5", "05", "1.0", "1e2", "", " 5", "5 ", "٥", "9223372036854775808", "0x1"} {
		f.Add(true, s)
	}
	f.Add(false, "")
	f.Fuzz(func(t *testing.T, present bool, s string) {
		q := map[string]string{}
		if present {
			q["limit"] = s
		}
		n, err := page.Limit(q, DefaultDigestLimit, MaxDigestLimit)
		switch {
		case !present:
			if n != DefaultDigestLimit || err != nil {
				t.Fatalf("absent limit: %d %v", n, err)
			}
		case err != nil:
			p := problem.From(err)
			if problem.Status(p.Kind) != 400 || len(p.Fields) != 1 || p.Fields[0].Field != "limit" {
				t.Fatalf("%q: rejected without naming limit: %v", s, err)
			}
		case n < 1 || n > MaxDigestLimit || strconv.Itoa(n) != s:
			// Accepted: the canonical decimal of a page size in range.
			t.Fatalf("%q accepted as %d", s, n)
		}
	})
}

// FuzzAmountBounds: every amount the wallet routes accept can be posted (the ledger's own rules
// never refuse what the API let through), and every refusal is a coded money error.
func FuzzAmountBounds(f *testing.F) {
	for _, s := range []string{"0.01", "1500.00", "10000000.00", "10000000.01", "0", "0.00", "-1", "0.001", "1e3", "१२",
		"999999999999999999.99", " 1", "1,000", "NaN", "00000000000000010.00", "-0.00"} {
		f.Add(s)
	}
	sharding, err := ledger.NewSharding(0)
	if err != nil {
		f.Fatal(err)
	}
	wallet, err := ledger.Wallet("user-1")
	if err != nil {
		f.Fatal(err)
	}
	at := time.Date(2025, 1, 15, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		amount, err := AmountBounds.Parse(s)
		if err != nil {
			var me *errs.Error
			if !errors.As(err, &me) || me.Code == "" || me.Detail == "" {
				t.Fatalf("%q: uncoded refusal %v", s, err)
			}
			return
		}
		if amount.LessThan(AmountBounds.Min) || amount.GreaterThan(AmountBounds.Max) || !money.Exact(amount) {
			t.Fatalf("%q accepted as %s", s, amount)
		}
		for _, p := range []ledger.Posting{{From: ledger.External, To: wallet, Amount: amount}, {From: wallet, To: ledger.External, Amount: amount}} {
			tx := ledger.Transaction{ID: ledger.DeriveID("dep", "user-1", s), Type: ledger.TypeDeposit, Postings: []ledger.Posting{p},
				Meta: ledger.Meta{CorrelationID: "corr-1", Actor: "user-1", IdempotencyKey: "k1"}, At: at}
			if _, err := sharding.Prepare(tx); err != nil {
				t.Fatalf("%q accepted by the API but not postable: %v", s, err)
			}
		}
	})
}
