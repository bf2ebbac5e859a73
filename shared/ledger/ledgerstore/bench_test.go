package ledgerstore

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"holdfast/shared/ledger"
)

// BenchmarkContendedAppends: b.N deposits into ONE wallet by 1, 4 and 16 concurrent writers
// against the emulator. Reports commits/s and retries per commit (attempts beyond the first).
func BenchmarkContendedAppends(b *testing.B) {
	for _, writers := range []int{1, 4, 16} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			e := newEnv(b)
			s := e.store(e.raw)
			var next, retries atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for w := 0; w < writers; w++ {
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					for {
						i := next.Add(1)
						if i > int64(b.N) {
							return
						}
						c, err := s.Commit(context.Background(), deposit("bench", fmt.Sprintf("%d-%d", w, i), "1.00"))
						if err != nil {
							b.Error(err)
							return
						}
						retries.Add(int64(c.Attempts - 1))
					}
				}(w)
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "commits/s")
			b.ReportMetric(float64(retries.Load())/float64(b.N), "retries/commit")
			if h, err := s.Head(context.Background(), "wallet:bench"); err != nil || h.Seq != uint64(b.N) {
				b.Fatalf("head %+v %v", h, err)
			}
		})
	}
}

// BenchmarkDepositWriteUnits states the DynamoDB write units of one deposit into existing
// accounts. moto reports no ConsumedCapacity for TransactWriteItems, so the units are computed
// from the stored items by DynamoDB's sizing rules: each item written in a transaction costs
// 2 WCU per KB; each head's gsi1 entry moves (its key changes), a delete and a put on the index,
// 1 WCU per KB each.
func BenchmarkDepositWriteUnits(b *testing.B) {
	e := newEnv(b)
	s := e.store(e.raw)
	ctx := context.Background()
	e.mustCommit(s, deposit("units", "warm", "1.00"))
	var total, gsi, transactional float64
	var reported float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tx := deposit("units", fmt.Sprintf("k%d", i), "1500.00")
		in := depositInput(b, s, tx)
		in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
		out, err := e.raw.TransactWriteItems(ctx, in)
		if err != nil {
			b.Fatal(err)
		}
		for _, c := range out.ConsumedCapacity {
			reported += aws.ToFloat64(c.CapacityUnits)
		}
		t, g := 0, 0
		for _, it := range in.TransactItems {
			switch {
			case it.Put != nil:
				t += WriteUnits(ItemSize(it.Put.Item), true)
			case it.Update != nil:
				head := e.getItem(pkOf(it.Update.Key), skOf(it.Update.Key))
				t += WriteUnits(ItemSize(head), true)
				g += 2 * WriteUnits(ItemSize(head), false)
			}
		}
		transactional += float64(t)
		gsi += float64(g)
		total += float64(t + g)
	}
	b.StopTimer()
	b.ReportMetric(total/float64(b.N), "WCU/deposit")
	b.ReportMetric(transactional/float64(b.N), "WCU-table/deposit")
	b.ReportMetric(gsi/float64(b.N), "WCU-gsi1/deposit")
	b.ReportMetric(reported/float64(b.N), "WCU-reported-by-emulator/deposit")
}

// depositInput is the TransactWriteItems Commit would send for tx against the current heads.
func depositInput(b *testing.B, s *Store, tx ledger.Transaction) *dynamodb.TransactWriteItemsInput {
	b.Helper()
	p, err := s.sharding.Prepare(tx)
	if err != nil {
		b.Fatal(err)
	}
	snap, err := s.readForCommit(context.Background(), p.ID, p.Accounts())
	if err != nil {
		b.Fatal(err)
	}
	h := ledger.TxHash(p)
	entries, err := ledger.Plan(p, h, snap.heads)
	if err != nil {
		b.Fatal(err)
	}
	return s.commitInput(p, h, entries, snap.heads)
}
