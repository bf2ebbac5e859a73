package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"holdfast/shared/ledger"
	"holdfast/shared/ledger/ledgerapi"
	"holdfast/shared/ledger/ledgerstore"
	"holdfast/shared/platform/awsconfig"
)

const ledgerUsage = `holdfast ledger verify [--account ID] [--table NAME] [--endpoint URL] [--progress D]

  Verifies the ledger straight from DynamoDB, through the SDK: real AWS (credentials and region
  from the environment) or any emulator (AWS_ENDPOINT_URL, or --endpoint; the local cloud prints
  its emulator's endpoint — use AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
  AWS_REGION=us-east-1 there).

  --account ID   verify one chain (wallet:alice, loan:L-1, external#03); without it, the
                 whole-ledger check: every chain, the zero sum, every posting in every chain
  --table NAME   the lending table (default $LENDING_TABLE, else holdfast-local-lending)
  --endpoint URL DynamoDB endpoint (default: the SDK's AWS_ENDPOINT_URL or the real service)
  --progress D   progress on stderr every D on long runs (default 1s; 0 turns it off)

  Prints the verdict as JSON on stdout. Exits 1 naming the first broken account and seq.
`

// runLedger is `holdfast ledger …`.
func runLedger(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprint(stderr, ledgerUsage)
		return errors.New("ledger: want `ledger verify`")
	}
	fs := flag.NewFlagSet("ledger verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	account := fs.String("account", "", "one account to verify")
	table := fs.String("table", envOr("LENDING_TABLE", "holdfast-local-lending"), "the lending table")
	endpoint := fs.String("endpoint", "", "DynamoDB endpoint URL")
	every := fs.Duration("progress", time.Second, "progress interval on stderr (0: off)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("ledger verify: unexpected argument %q", fs.Arg(0))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := awsconfig.Load(ctx)
	if err != nil {
		return err
	}
	var opts []func(*dynamodb.Options)
	if *endpoint != "" {
		opts = append(opts, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(*endpoint) })
	}
	return verifyLedger(ctx, dynamodb.NewFromConfig(cfg, opts...), *table, *account, *every, stdout, stderr)
}

// verifyLedger runs the check over db and reports; an invalid ledger is an error naming the
// first broken account and seq.
func verifyLedger(ctx context.Context, db ledgerstore.DynamoDB, table, account string, every time.Duration, stdout, stderr io.Writer) error {
	counter := &countingDB{DynamoDB: db}
	store, err := ledgerstore.New(counter, ledgerstore.Options{Table: table, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	stopProgress := startProgress(counter, every, stderr)
	if account != "" {
		a, err := ledger.ParseAccount(account)
		if err != nil || !a.Physical() {
			stopProgress()
			return fmt.Errorf("ledger verify: --account %q is not a wallet, a loan or a system account shard (external#03)", account)
		}
		v, err := store.VerifyAccount(ctx, a, ledgerstore.VerifyOptions{})
		stopProgress()
		if err != nil {
			return fmt.Errorf("ledger verify %s (table %s): %w", a, table, err)
		}
		if err := printJSON(stdout, v); err != nil {
			return err
		}
		if v.Valid && v.Entries == 0 && v.HeadSeq == 0 && v.AnchorsChecked == 0 {
			return fmt.Errorf("ledger verify: table %s holds no account %s", table, a)
		}
		if !v.Valid {
			return brokenChain(v)
		}
		fmt.Fprintf(stderr, "ledger verify: %s valid: %d entries, head seq %d\n", a, v.Entries, v.HeadSeq)
		return nil
	}
	rep, err := store.Audit(ctx)
	stopProgress()
	if err != nil {
		return fmt.Errorf("ledger verify (table %s): %w", table, err)
	}
	res := ledgerapi.Summarize(rep)
	if err := printJSON(stdout, res); err != nil {
		return err
	}
	if res.Valid {
		fmt.Fprintf(stderr, "ledger verify: valid: %d accounts, %d transactions, %d entries, %d digests, total %s\n",
			res.Accounts, res.Transactions, res.Entries, res.Digests, res.Total)
		return nil
	}
	if res.FirstInvalid != nil {
		return fmt.Errorf("%w (%d problems in all)", brokenChain(*res.FirstInvalid), res.ProblemCount)
	}
	if len(res.Problems) > 0 {
		p := res.Problems[0]
		where := ""
		if p.Account != "" {
			where = fmt.Sprintf(" account %s seq %d", p.Account, p.Seq)
		}
		return fmt.Errorf("ledger INVALID: %s%s: %s (%d problems in all)", p.Code, where, p.Detail, res.ProblemCount)
	}
	return fmt.Errorf("ledger INVALID: total %s (%d problems)", res.Total, res.ProblemCount)
}

func brokenChain(v ledger.Verification) error {
	seq := "?"
	if v.FirstInvalidSeq != nil {
		seq = fmt.Sprint(*v.FirstInvalidSeq)
	}
	return fmt.Errorf("ledger INVALID: account %s is broken at seq %s: %s (%s)", v.Account, seq, v.Reason, v.Problem)
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// countingDB counts the ledger items the check reads, for the progress display.
type countingDB struct {
	ledgerstore.DynamoDB
	items, entries atomic.Int64
}

func (c *countingDB) count(items []map[string]types.AttributeValue) {
	c.items.Add(int64(len(items)))
	n := 0
	for _, it := range items {
		if sk, ok := it["sk"].(*types.AttributeValueMemberS); ok && strings.HasPrefix(sk.Value, "ENTRY#") {
			n++
		}
	}
	c.entries.Add(int64(n))
}

func (c *countingDB) Scan(ctx context.Context, in *dynamodb.ScanInput, optFns ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	out, err := c.DynamoDB.Scan(ctx, in, optFns...)
	if err == nil {
		c.count(out.Items)
	}
	return out, err
}

func (c *countingDB) Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	out, err := c.DynamoDB.Query(ctx, in, optFns...)
	if err == nil {
		c.count(out.Items)
	}
	return out, err
}

// startProgress prints, every interval after the first, how far the check has read and how
// fast; short runs print nothing. The returned stop ends the line it drew.
func startProgress(c *countingDB, every time.Duration, w io.Writer) (stop func()) {
	if every <= 0 {
		return func() {}
	}
	started := time.Now()
	done := make(chan struct{})
	var wg sync.WaitGroup
	printed := false
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				secs := time.Since(started).Seconds()
				e := c.entries.Load()
				fmt.Fprintf(w, "\rverifying: %d items read, %d entries, %.0f entries/s, %s   ",
					c.items.Load(), e, float64(e)/secs, time.Since(started).Round(time.Second))
				printed = true
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(done)
			wg.Wait()
			if printed {
				fmt.Fprintln(w)
			}
		})
	}
}
