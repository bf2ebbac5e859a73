package ledgerstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"holdfast/shared/ledger"
)

// 100 concurrent deposits with distinct IDs into one wallet: all posted, the balance exact, the
// chain's seqs 1..100 without a gap, and the chain valid.
func TestConcurrentDepositsToOneWallet(t *testing.T) {
	e := newEnv(t)
	s := e.store(e.raw)
	const n = 100
	var wg sync.WaitGroup
	errs := make([]error, n)
	attempts := make([]int, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c, err := s.Commit(context.Background(), deposit("hot", fmt.Sprintf("dep-%03d", i), fmt.Sprintf("%d.%02d", i+1, i)))
			errs[i], attempts[i] = err, c.Attempts
		}(i)
	}
	wg.Wait()
	retries, most := 0, 0
	for i, err := range errs {
		if err != nil {
			t.Fatalf("deposit %d: %v", i, err)
		}
		retries += attempts[i] - 1
		most = max(most, attempts[i])
	}
	want := amount("0")
	for i := 0; i < n; i++ {
		want = want.Add(amount(fmt.Sprintf("%d.%02d", i+1, i)))
	}
	ctx := context.Background()
	h, err := s.Head(ctx, "wallet:hot")
	if err != nil || h.Seq != n || !h.Balance.Equal(want) {
		t.Fatalf("head %+v (want seq %d, balance %s): %v", h, n, ledger.FormatAmount(want), err)
	}
	entries, more, err := s.Entries(ctx, "wallet:hot", 0, 500)
	if err != nil || more || len(entries) != n {
		t.Fatalf("%d entries, more=%v: %v", len(entries), more, err)
	}
	for i, en := range entries {
		if en.Seq != uint64(i+1) {
			t.Fatalf("entry %d has seq %d", i, en.Seq)
		}
	}
	v, err := s.VerifyAccount(ctx, "wallet:hot", VerifyOptions{})
	if err != nil || !v.Valid || v.Entries != n {
		t.Fatalf("verify %+v %v", v, err)
	}
	e.mustAudit(s)
	t.Logf("100 concurrent deposits: %.2f attempts per commit on average, at most %d", float64(n+retries)/n, most)
}

// 50 concurrent withdrawals of 30.00 from a wallet holding 1000.00: exactly the 33 the balance
// covers succeed, the other 17 are refused with insufficient_funds, and the balance never goes
// below zero (the chain verifier checks every running balance).
func TestConcurrentWithdrawalsBeyondTheBalance(t *testing.T) {
	e := newEnv(t)
	s := e.store(e.raw)
	e.mustCommit(s, deposit("w", "funding", "1000.00"))
	const n = 50
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, errs[i] = s.Commit(context.Background(), withdrawal("w", fmt.Sprintf("wdr-%02d", i), "30.00"))
		}(i)
	}
	wg.Wait()
	ok, refused := 0, 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, ledger.ErrInsufficientFunds):
			refused++
		default:
			t.Fatalf("withdrawal %d: %v", i, err)
		}
	}
	if ok != 33 || refused != 17 {
		t.Fatalf("%d succeeded, %d refused; want 33 and 17", ok, refused)
	}
	ctx := context.Background()
	h, _ := s.Head(ctx, "wallet:w")
	if ledger.FormatAmount(h.Balance) != "10.00" || h.Seq != 34 {
		t.Fatalf("head %+v", h)
	}
	v, err := s.VerifyAccount(ctx, "wallet:w", VerifyOptions{})
	if err != nil || !v.Valid {
		t.Fatalf("verify %+v %v", v, err)
	}
	e.mustAudit(s)
}
