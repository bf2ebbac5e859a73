package ledgerstore

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	smithy "github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	"github.com/shopspring/decimal"

	"holdfast/shared/ledger"
	"holdfast/shared/localcloud/emulator/emulatortest"
	"holdfast/shared/platform/dynamoitem"
	"holdfast/shared/platform/platformtest"
)

// TestMain runs the package's tests against the emulator, whose DynamoDB is atomic (see
// shared/localcloud/emulator: moto 5.2's TransactWriteItems loses commits under concurrency).
func TestMain(m *testing.M) { emulatortest.Main(m) }

const testTable = "holdfast-test-lending"

// env is one test's emulator, table and clients.
type env struct {
	t     testing.TB
	cfg   aws.Config
	raw   *dynamodb.Client // no counting, no faults: for setting up, tampering and checking
	calls *platformtest.CallCounter
	now   *fakeClock
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newEnv(t testing.TB) *env {
	t.Helper()
	cfg := emulatortest.Config(t)
	e := &env{t: t, cfg: cfg, calls: &platformtest.CallCounter{}, now: &fakeClock{t: time.Now().UTC().Truncate(time.Millisecond)}}
	e.raw = e.client()
	platformtest.CreateTables(t, e.raw, platformtest.Table{LogicalID: "LendingTable", Name: testTable})
	return e
}

// client builds a DynamoDB client; extra API options (middleware) apply to it alone.
func (e *env) client(opts ...func(*dynamodb.Options)) *dynamodb.Client {
	return dynamodb.NewFromConfig(e.cfg, append([]func(*dynamodb.Options){func(o *dynamodb.Options) {
		// moto's CRC32 header does not always match its body; checking it only logs noise.
		o.DisableValidateResponseChecksum = true
	}}, opts...)...)
}

// counted is a client whose calls are counted per operation.
func (e *env) counted() *dynamodb.Client {
	return e.client(func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, e.calls.Middleware)
	})
}

func (e *env) store(db DynamoDB, mutate ...func(*Options)) *Store {
	e.t.Helper()
	opts := Options{Table: testTable, Now: e.now.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, m := range mutate {
		m(&opts)
	}
	s, err := New(db, opts)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

// faultInjector fails a share of calls, per attempt: a throttle before sending, a 500 before
// sending, or — the ambiguous case — an error after the request was sent and served.
type faultInjector struct {
	mu       sync.Mutex
	rng      *rand.Rand
	rate     float64
	throttle atomic.Int64
	server   atomic.Int64
	after    atomic.Int64
	calls    atomic.Int64
}

var errInjectedTimeout = &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}

func (f *faultInjector) roll() (float64, float64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rng.Float64(), f.rng.Float64()
}

func (f *faultInjector) middleware(stack *middleware.Stack) error {
	return stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("injectFaults",
		func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			f.calls.Add(1)
			p, kind := f.roll()
			if p >= f.rate {
				return next.HandleDeserialize(ctx, in)
			}
			switch {
			case kind < 0.4:
				f.throttle.Add(1)
				return middleware.DeserializeOutput{}, middleware.Metadata{},
					&smithy.GenericAPIError{Code: "ThrottlingException", Message: "injected throttle", Fault: smithy.FaultClient}
			case kind < 0.6:
				f.server.Add(1)
				return middleware.DeserializeOutput{}, middleware.Metadata{},
					&smithy.GenericAPIError{Code: "InternalServerError", Message: "injected failure", Fault: smithy.FaultServer}
			default:
				out, md, err := next.HandleDeserialize(ctx, in)
				if err != nil {
					return out, md, err
				}
				f.after.Add(1)
				return middleware.DeserializeOutput{}, md, fmt.Errorf("injected: response lost after the call was served: %w", errInjectedTimeout)
			}
		}), middleware.After)
}

// ---- small helpers

func amount(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func deposit(user, key, amt string) ledger.Transaction {
	return ledger.Transaction{
		ID:       ledger.DeriveID("dep", user, key),
		Type:     ledger.TypeDeposit,
		Postings: []ledger.Posting{{From: ledger.External, To: ledger.Account("wallet:" + user), Amount: amount(amt)}},
		Meta:     ledger.Meta{CorrelationID: "corr-" + key, Actor: user, IdempotencyKey: key},
		At:       time.Now().UTC(),
	}
}

func withdrawal(user, key, amt string) ledger.Transaction {
	return ledger.Transaction{
		ID:       ledger.DeriveID("wdr", user, key),
		Type:     ledger.TypeWithdrawal,
		Postings: []ledger.Posting{{From: ledger.Account("wallet:" + user), To: ledger.External, Amount: amount(amt)}},
		Meta:     ledger.Meta{CorrelationID: "corr-" + key, Actor: user, IdempotencyKey: key},
		At:       time.Now().UTC(),
	}
}

func (e *env) mustCommit(s *Store, tx ledger.Transaction) Committed {
	e.t.Helper()
	c, err := s.Commit(context.Background(), tx)
	if err != nil {
		e.t.Fatalf("commit %s: %v", tx.ID, err)
	}
	return c
}

func (e *env) mustAudit(s *Store) ledger.AuditReport {
	e.t.Helper()
	r, err := s.Audit(context.Background())
	if err != nil {
		e.t.Fatalf("audit: %v", err)
	}
	if !r.Valid || r.Total != "0.00" {
		e.t.Fatalf("audit: %+v", r)
	}
	return r
}

func (e *env) getItem(pk, sk string) map[string]types.AttributeValue {
	e.t.Helper()
	out, err := e.raw.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(testTable), Key: dynamoitem.Key(pk, sk), ConsistentRead: aws.Bool(true)})
	if err != nil {
		e.t.Fatal(err)
	}
	return out.Item
}

func (e *env) putItem(item map[string]types.AttributeValue) {
	e.t.Helper()
	if _, err := e.raw.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(testTable), Item: item}); err != nil {
		e.t.Fatal(err)
	}
}

// streamImage turns an SDK item into the stream image a relay receives.
func streamImage(item map[string]types.AttributeValue) map[string]lambdaevents.DynamoDBAttributeValue {
	out := make(map[string]lambdaevents.DynamoDBAttributeValue, len(item))
	for k, v := range item {
		out[k] = streamValue(v)
	}
	return out
}

func streamValue(v types.AttributeValue) lambdaevents.DynamoDBAttributeValue {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return lambdaevents.NewStringAttribute(v.Value)
	case *types.AttributeValueMemberN:
		return lambdaevents.NewNumberAttribute(v.Value)
	case *types.AttributeValueMemberBOOL:
		return lambdaevents.NewBooleanAttribute(v.Value)
	case *types.AttributeValueMemberL:
		l := make([]lambdaevents.DynamoDBAttributeValue, len(v.Value))
		for i, e := range v.Value {
			l[i] = streamValue(e)
		}
		return lambdaevents.NewListAttribute(l)
	case *types.AttributeValueMemberM:
		return lambdaevents.NewMapAttribute(streamImage(v.Value))
	}
	return lambdaevents.NewNullAttribute()
}
