package ledgerstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"holdfast/shared/ledger"
	"holdfast/shared/platform/errs"
)

// Fault injection: an SDK middleware throttles, fails or loses the response of ~10% of all
// DynamoDB calls (the SDK's own retries off, so every fault reaches the writer) while 8 workers
// move money concurrently between four wallets and the outside. Afterwards: the ledger sums to
// zero, every chain verifies, every posting is in every chain it names, no call that answered
// success lacks its posting, and no call that answered "nothing written" has one.
func TestFaultInjectionKeepsTheInvariants(t *testing.T) {
	e := newEnv(t)
	faults := &faultInjector{rng: rand.New(rand.NewPCG(2025, 131)), rate: 0.10}
	faulty := e.client(func(o *dynamodb.Options) {
		o.RetryMaxAttempts = 1
		o.APIOptions = append(o.APIOptions, faults.middleware)
	})
	s := e.store(faulty)
	clean := e.store(e.raw)
	ctx := context.Background()

	type outcome struct {
		tx  ledger.Transaction
		err error
	}
	const workers, perWorker = 8, 12
	var mu sync.Mutex
	var outcomes []outcome
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			user := fmt.Sprintf("f%d", w%4)
			for i := 0; i < perWorker; i++ {
				key := fmt.Sprintf("w%d-%02d", w, i)
				tx := deposit(user, key, fmt.Sprintf("%d.%02d", 10+i, w))
				if i%3 == 2 {
					tx = withdrawal(user, key, fmt.Sprintf("%d.50", 5+i))
				}
				_, err := s.Commit(ctx, tx)
				mu.Lock()
				outcomes = append(outcomes, outcome{tx, err})
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()

	counts := map[string]int{}
	for _, o := range outcomes {
		_, lookErr := clean.Transaction(ctx, o.tx.ID)
		present := lookErr == nil
		if lookErr != nil && !errors.Is(lookErr, ledger.ErrNotFound) {
			t.Fatal(lookErr)
		}
		var le *errs.Error
		switch {
		case o.err == nil:
			counts["ok"]++
			if !present {
				t.Errorf("%s answered success but is not in the ledger", o.tx.ID)
			}
		case errors.As(o.err, &le) && (le.Code == ledger.CodeInsufficientFunds || le.Code == ledger.CodeUnavailable || le.Code == ledger.CodeContention):
			counts[le.Code]++
			if present {
				t.Errorf("%s answered %s (nothing written) but is in the ledger", o.tx.ID, le.Code)
			}
		case errors.As(o.err, &le) && le.Code == ledger.CodeOutcomeUnknown:
			counts[le.Code]++ // either way is allowed; the retry below settles it
		default:
			t.Errorf("%s: unexpected error %v", o.tx.ID, o.err)
		}
	}
	t.Logf("outcomes %v; %d calls, injected: %d throttles, %d server errors, %d lost responses",
		counts, faults.calls.Load(), faults.throttle.Load(), faults.server.Load(), faults.after.Load())
	if faults.throttle.Load() == 0 || faults.server.Load() == 0 || faults.after.Load() == 0 {
		t.Fatal("the injector did not exercise every kind of fault")
	}
	if counts["ok"] < len(outcomes)/2 {
		t.Fatalf("too few commits survived the faults: %v", counts)
	}
	e.mustAudit(clean)

	// Retrying every call that did not succeed, with the same IDs, posts each at most once.
	for _, o := range outcomes {
		if o.err == nil {
			continue
		}
		if _, err := clean.Commit(ctx, o.tx); err != nil && !errors.Is(err, ledger.ErrInsufficientFunds) {
			t.Fatalf("retry of %s: %v", o.tx.ID, err)
		}
	}
	r := e.mustAudit(clean)
	committed := 0
	for _, o := range outcomes {
		if _, err := clean.Transaction(ctx, o.tx.ID); err == nil {
			committed++
		}
	}
	if r.Transactions != committed {
		t.Fatalf("audit saw %d transactions, %d calls committed", r.Transactions, committed)
	}
}
