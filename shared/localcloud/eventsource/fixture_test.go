package eventsource_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/google/uuid"

	"holdfast/shared/localcloud/emulator/emulatortest"
	"holdfast/shared/localcloud/lambdaruntime"
	"holdfast/shared/platform/platformtest"
)

func TestMain(m *testing.M) { emulatortest.Main(m) }

// funcInvoker stands in for the Lambda process: it hands the payload to a Go function the way
// the runtime hands it to a handler, and reports a returned error as a function error.
type funcInvoker struct {
	fn func(ctx context.Context, payload []byte) (any, error)
}

func (f funcInvoker) Invoke(ctx context.Context, function string, payload []byte, _ lambdaruntime.InvokeOptions) (lambdaruntime.Result, error) {
	start := time.Now()
	out, err := f.fn(ctx, payload)
	res := lambdaruntime.Result{RequestID: uuid.NewString(), Duration: time.Since(start)}
	if err != nil {
		res.Err = &lambdaruntime.FunctionError{ErrorType: "errorString", ErrorMessage: err.Error()}
		return res, nil
	}
	if res.Payload, err = json.Marshal(out); err != nil {
		return lambdaruntime.Result{}, fmt.Errorf("encode %s response: %w", function, err)
	}
	return res, nil
}

// testLogger writes the mappings' logs to the test log, shown when a test fails.
func testLogger(t *testing.T) *slog.Logger {
	t.Helper()
	level := slog.LevelInfo
	if os.Getenv("EVENTSOURCE_DEBUG") != "" {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: level}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// eventually polls cond until it holds or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// noLeaks fails when a goroutine of this package's mappings is still running.
func noLeaks(t *testing.T) {
	t.Helper()
	eventually(t, 3*time.Second, "mapping goroutines to end", func() bool {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		return !bytes.Contains(buf, []byte("holdfast/shared/localcloud/eventsource.(*"))
	})
}

// recorder keeps what a test function was invoked with.
type recorder[T any] struct {
	mu      sync.Mutex
	batches [][]T
}

func (r *recorder[T]) add(batch []T) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.batches = append(r.batches, batch)
	return len(r.batches)
}

func (r *recorder[T]) snapshot() [][]T {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([][]T, len(r.batches))
	copy(out, r.batches)
	return out
}

// queue creates a queue with the given attributes and returns its URL and ARN.
func queue(t *testing.T, ctx context.Context, c clients, name string, attrs map[string]string) (string, string) {
	t.Helper()
	out, err := c.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	must(t, err)
	a, err := c.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: out.QueueUrl,
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	must(t, err)
	return aws.ToString(out.QueueUrl), a.Attributes["QueueArn"]
}

// streamedTable creates a table as template.yaml declares the clinic table (pk/sk, a
// NEW_AND_OLD_IMAGES stream, no TTL) and returns its stream's ARN.
func streamedTable(t *testing.T, ddb *dynamodb.Client, name string) string {
	t.Helper()
	return aws.ToString(platformtest.CreateTable(t, ddb, "ClinicTable", name).LatestStreamArn)
}

func putItem(t *testing.T, ctx context.Context, ddb *dynamodb.Client, table string, item map[string]ddbtypes.AttributeValue) {
	t.Helper()
	_, err := ddb.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item})
	must(t, err)
}

func s(v string) ddbtypes.AttributeValue { return &ddbtypes.AttributeValueMemberS{Value: v} }
func n(v int) ddbtypes.AttributeValue    { return &ddbtypes.AttributeValueMemberN{Value: fmt.Sprint(v)} }

type clients struct {
	sqs     *sqs.Client
	ddb     *dynamodb.Client
	streams *dynamodbstreams.Client
	cfg     aws.Config
}

func newClients(t *testing.T) clients {
	t.Helper()
	cfg := emulatortest.Config(t)
	return clients{sqs: sqs.NewFromConfig(cfg), ddb: dynamodb.NewFromConfig(cfg), streams: dynamodbstreams.NewFromConfig(cfg), cfg: cfg}
}
