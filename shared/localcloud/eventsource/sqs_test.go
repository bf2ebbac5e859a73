package eventsource_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"holdfast/shared/localcloud/eventsource"
)

func send(t *testing.T, ctx context.Context, c clients, url, body string, fifoGroup string) {
	t.Helper()
	in := &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(body),
		MessageAttributes: map[string]sqstypes.MessageAttributeValue{
			"correlationId": {DataType: aws.String("String"), StringValue: aws.String("corr-" + body)},
		}}
	if fifoGroup != "" {
		in.MessageGroupId = aws.String(fifoGroup)
		in.MessageDeduplicationId = aws.String("dedup-" + body)
	}
	_, err := c.sqs.SendMessage(ctx, in)
	must(t, err)
}

// queueDepth counts the messages on url, visible and in flight: 0 means drained, nothing left to
// deliver and nothing to come back. The emulator takes both counts at one instant (moto alone
// does not: a message whose visibility timeout ended between them was in neither).
func queueDepth(t *testing.T, ctx context.Context, c clients, url string) int {
	t.Helper()
	out, err := c.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages, sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
	must(t, err)
	v, _ := strconv.Atoi(out.Attributes["ApproximateNumberOfMessages"])
	nv, _ := strconv.Atoi(out.Attributes["ApproximateNumberOfMessagesNotVisible"])
	return v + nv
}

func decodeSQS(payload []byte) ([]lambdaevents.SQSMessage, error) {
	var ev lambdaevents.SQSEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, err
	}
	return ev.Records, nil
}

// deliveries is every message the function was invoked with, as body:receiveCount, sorted.
func deliveries(rec *recorder[lambdaevents.SQSMessage]) []string {
	var out []string
	for _, b := range rec.snapshot() {
		for _, msg := range b {
			out = append(out, msg.Body+":"+msg.Attributes["ApproximateReceiveCount"])
		}
	}
	slices.Sort(out)
	return out
}

func bodies(msgs []lambdaevents.SQSMessage) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.Body
	}
	return out
}

func TestSQSPartialBatchFailureRetriesOnlyTheFailureThenDeadLetters(t *testing.T) {
	ctx, c := testCtx(t), newClients(t)
	dlqURL, dlqARN := queue(t, ctx, c, "work-dlq", nil)
	url, arn := queue(t, ctx, c, "work", map[string]string{
		"VisibilityTimeout": "1",
		"RedrivePolicy":     fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":2}`, dlqARN),
	})
	for _, b := range []string{"ok-1", "bad", "ok-2"} {
		send(t, ctx, c, url, b, "")
	}
	var rec recorder[lambdaevents.SQSMessage]
	inv := funcInvoker{fn: func(_ context.Context, payload []byte) (any, error) {
		msgs, err := decodeSQS(payload)
		if err != nil {
			return nil, err
		}
		rec.add(msgs)
		resp := lambdaevents.SQSEventResponse{BatchItemFailures: []lambdaevents.SQSBatchItemFailure{}}
		for _, m := range msgs {
			if m.Body == "bad" {
				resp.BatchItemFailures = append(resp.BatchItemFailures, lambdaevents.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
			}
		}
		return resp, nil
	}}
	m, err := eventsource.NewSQSMapping(c.sqs, inv, eventsource.SQSConfig{
		Function: "Worker", QueueURL: url, ReportBatchItemFailures: true, WaitTime: time.Second,
	}, testLogger(t))
	must(t, err)
	must(t, m.Start(ctx))
	defer m.Stop()

	// The failed message comes back after its 1 s visibility timeout, twice in all; on the next
	// receive SQS (the emulator) moves it to the DLQ.
	eventually(t, 20*time.Second, "the failed message in the DLQ", func() bool { return queueDepth(t, ctx, c, dlqURL) == 1 })
	eventually(t, 5*time.Second, "the work queue to drain", func() bool {
		return len(deliveries(&rec)) >= 4 && queueDepth(t, ctx, c, url) == 0
	})
	m.Stop()
	noLeaks(t)

	batches := rec.snapshot()
	var seen []string
	for _, b := range batches {
		seen = append(seen, bodies(b)...)
	}
	slices.Sort(seen)
	if want := []string{"bad", "bad", "ok-1", "ok-2"}; !slices.Equal(seen, want) {
		t.Fatalf("function saw %v, want %v (each success once, the failure maxReceiveCount times)", seen, want)
	}
	first := batches[0]
	if len(first) != 3 {
		t.Fatalf("first batch %v, want all three messages", bodies(first))
	}
	for _, msg := range first {
		sum := md5.Sum([]byte(msg.Body))
		if msg.EventSource != "aws:sqs" || msg.EventSourceARN != arn || msg.AWSRegion != "us-east-1" ||
			msg.MessageId == "" || msg.ReceiptHandle == "" || msg.Md5OfBody != hex.EncodeToString(sum[:]) {
			t.Errorf("record shape %+v", msg)
		}
		if msg.Attributes["ApproximateReceiveCount"] != "1" || msg.Attributes["SentTimestamp"] == "" ||
			msg.Attributes["ApproximateFirstReceiveTimestamp"] == "" || msg.Attributes["SenderId"] == "" {
			t.Errorf("attributes %v", msg.Attributes)
		}
		a, ok := msg.MessageAttributes["correlationId"]
		if !ok || aws.ToString(a.StringValue) != "corr-"+msg.Body || a.DataType != "String" || a.StringListValues == nil {
			t.Errorf("message attributes %+v", msg.MessageAttributes)
		}
		if msg.Md5OfMessageAttributes == "" {
			t.Errorf("md5OfMessageAttributes missing")
		}
	}
	last := batches[len(batches)-1]
	if len(last) != 1 || last[0].Body != "bad" || last[0].Attributes["ApproximateReceiveCount"] != "2" {
		t.Fatalf("last batch %+v, want the failed message on its second receive", last)
	}
	dl, err := c.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(dlqURL)})
	must(t, err)
	if len(dl.Messages) != 1 || aws.ToString(dl.Messages[0].Body) != "bad" {
		t.Fatalf("DLQ holds %+v", dl.Messages)
	}
}

func TestSQSFunctionErrorDeletesNothing(t *testing.T) {
	for _, report := range []bool{false, true} {
		t.Run(fmt.Sprintf("ReportBatchItemFailures=%v", report), func(t *testing.T) {
			ctx, c := testCtx(t), newClients(t)
			url, _ := queue(t, ctx, c, "work", map[string]string{"VisibilityTimeout": "1"})
			send(t, ctx, c, url, "a", "")
			send(t, ctx, c, url, "b", "")
			var rec recorder[lambdaevents.SQSMessage]
			inv := funcInvoker{fn: func(_ context.Context, payload []byte) (any, error) {
				msgs, err := decodeSQS(payload)
				if err != nil {
					return nil, err
				}
				if rec.add(msgs) == 1 {
					return nil, errors.New("boom")
				}
				return nil, nil
			}}
			m, err := eventsource.NewSQSMapping(c.sqs, inv, eventsource.SQSConfig{Function: "Worker", QueueURL: url,
				ReportBatchItemFailures: report, WaitTime: time.Second}, testLogger(t))
			must(t, err)
			must(t, m.Start(ctx))
			defer m.Stop()
			// Drained is both: the second deliveries seen, and nothing left on the queue.
			eventually(t, 10*time.Second, "both messages delivered again and the queue drained", func() bool {
				return len(deliveries(&rec)) >= 4 && queueDepth(t, ctx, c, url) == 0
			})
			m.Stop()
			if counts, want := deliveries(&rec), []string{"a:1", "a:2", "b:1", "b:2"}; !slices.Equal(counts, want) {
				t.Fatalf("deliveries %v, want %v", counts, want)
			}
		})
	}
}

func TestSQSWithoutReportBatchItemFailuresAPartialResponseIsIgnored(t *testing.T) {
	ctx, c := testCtx(t), newClients(t)
	url, _ := queue(t, ctx, c, "work", map[string]string{"VisibilityTimeout": "1"})
	send(t, ctx, c, url, "a", "")
	var rec recorder[lambdaevents.SQSMessage]
	inv := funcInvoker{fn: func(_ context.Context, payload []byte) (any, error) {
		msgs, err := decodeSQS(payload)
		if err != nil {
			return nil, err
		}
		rec.add(msgs)
		return lambdaevents.SQSEventResponse{BatchItemFailures: []lambdaevents.SQSBatchItemFailure{{ItemIdentifier: msgs[0].MessageId}}}, nil
	}}
	m, err := eventsource.NewSQSMapping(c.sqs, inv, eventsource.SQSConfig{Function: "Worker", QueueURL: url, WaitTime: time.Second}, testLogger(t))
	must(t, err)
	must(t, m.Start(ctx))
	defer m.Stop()
	// An empty queue (nothing visible, nothing in flight) means the message was deleted: it
	// cannot come back, so there is nothing to wait for after this.
	eventually(t, 10*time.Second, "the queue to drain", func() bool {
		return len(rec.snapshot()) >= 1 && queueDepth(t, ctx, c, url) == 0
	})
	m.Stop()
	if got := len(rec.snapshot()); got != 1 {
		t.Fatalf("%d invocations, want 1", got)
	}
}

func TestSQSInvalidPartialResponseFailsTheWholeBatch(t *testing.T) {
	ctx, c := testCtx(t), newClients(t)
	url, _ := queue(t, ctx, c, "work", map[string]string{"VisibilityTimeout": "1"})
	send(t, ctx, c, url, "a", "")
	send(t, ctx, c, url, "b", "")
	var rec recorder[lambdaevents.SQSMessage]
	inv := funcInvoker{fn: func(_ context.Context, payload []byte) (any, error) {
		msgs, err := decodeSQS(payload)
		if err != nil {
			return nil, err
		}
		if rec.add(msgs) == 1 {
			return map[string]any{"batchItemFailures": []map[string]string{{"itemIdentifier": "not-in-batch"}}}, nil
		}
		return map[string]any{"batchItemFailures": []any{}}, nil
	}}
	m, err := eventsource.NewSQSMapping(c.sqs, inv, eventsource.SQSConfig{Function: "Worker", QueueURL: url,
		ReportBatchItemFailures: true, WaitTime: time.Second}, testLogger(t))
	must(t, err)
	must(t, m.Start(ctx))
	defer m.Stop()
	eventually(t, 10*time.Second, "both messages delivered again and the queue drained", func() bool {
		return len(deliveries(&rec)) >= 4 && queueDepth(t, ctx, c, url) == 0
	})
	m.Stop()
	if got, want := deliveries(&rec), []string{"a:1", "a:2", "b:1", "b:2"}; !slices.Equal(got, want) {
		t.Fatalf("deliveries %v, want %v (both messages again after the invalid response)", got, want)
	}
}

func TestSQSFIFOStopsAGroupAtItsFirstFailure(t *testing.T) {
	ctx, c := testCtx(t), newClients(t)
	url, _ := queue(t, ctx, c, "work.fifo", map[string]string{"FifoQueue": "true", "VisibilityTimeout": "1"})
	for _, b := range []string{"g1-1", "g1-2", "g1-3"} {
		send(t, ctx, c, url, b, "g1")
	}
	send(t, ctx, c, url, "g2-1", "g2")
	var rec recorder[lambdaevents.SQSMessage]
	inv := funcInvoker{fn: func(_ context.Context, payload []byte) (any, error) {
		msgs, err := decodeSQS(payload)
		if err != nil {
			return nil, err
		}
		first := rec.add(msgs) == 1
		resp := lambdaevents.SQSEventResponse{}
		for _, msg := range msgs {
			// The function itself only reports g1-2; the mapping must hold g1-3 back too.
			if first && msg.Body == "g1-2" {
				resp.BatchItemFailures = append(resp.BatchItemFailures, lambdaevents.SQSBatchItemFailure{ItemIdentifier: msg.MessageId})
			}
		}
		return resp, nil
	}}
	m, err := eventsource.NewSQSMapping(c.sqs, inv, eventsource.SQSConfig{Function: "Worker", QueueURL: url,
		ReportBatchItemFailures: true, WaitTime: time.Second, MaxConcurrency: 4}, testLogger(t))
	must(t, err)
	must(t, m.Start(ctx))
	defer m.Stop()
	// Drained is both: the two held-back messages delivered again, and nothing left on the
	// queue. The queue alone is not enough evidence: the two are in flight, invisible, until
	// their visibility timeout ends, and this test, when it waited on
	// the queue alone, once read it as empty at that very instant (moto took its two counts at
	// two instants, and the timeouts ended between them) and went on with nothing redelivered.
	eventually(t, 10*time.Second, "g1-2 and g1-3 delivered again and the queue drained", func() bool {
		return len(deliveries(&rec)) >= 6 && queueDepth(t, ctx, c, url) == 0
	})
	m.Stop()
	noLeaks(t)

	batches := rec.snapshot()
	if got := bodies(batches[0]); !slices.Equal(got, []string{"g1-1", "g1-2", "g1-3", "g2-1"}) {
		t.Fatalf("first batch %v", got)
	}
	g := batches[0][0].Attributes
	if g["MessageGroupId"] != "g1" || g["MessageDeduplicationId"] != "dedup-g1-1" || g["SequenceNumber"] == "" {
		t.Errorf("FIFO attributes %v", g)
	}
	// g1-3 succeeded in the function but was held back behind g1-2: both come back (receive
	// count 2), and nothing else does. The order they come back in is the queue's: moto 5.2 hands
	// g1-3 back before g1-2 (its group lock releases with the last in-flight message), which SQS
	// would not; consumers enforce order with conditional writes, not by trusting the queue.
	var rest []string
	for _, b := range batches[1:] {
		for _, msg := range b {
			rest = append(rest, msg.Body+":"+msg.Attributes["ApproximateReceiveCount"])
		}
	}
	slices.Sort(rest)
	if !slices.Equal(rest, []string{"g1-2:2", "g1-3:2"}) {
		t.Fatalf("redelivered %v, want g1-2 and g1-3 once more each", rest)
	}
}

func TestSQSBatchingWindowFillsTheBatch(t *testing.T) {
	ctx, c := testCtx(t), newClients(t)
	url, _ := queue(t, ctx, c, "work", nil)
	var rec recorder[lambdaevents.SQSMessage]
	inv := funcInvoker{fn: func(_ context.Context, payload []byte) (any, error) {
		msgs, err := decodeSQS(payload)
		if err != nil {
			return nil, err
		}
		rec.add(msgs)
		return nil, nil
	}}
	// The window is long so that it never closes here on its own: the batch is invoked when it
	// holds 5 messages, and a mapping without a window would invoke the first message alone.
	spy := newPollSpy(c)
	m, err := eventsource.NewSQSMapping(spy, inv, eventsource.SQSConfig{Function: "Worker", QueueURL: url,
		BatchSize: 5, MaximumBatchingWindow: 60 * time.Second, WaitTime: time.Second, MaxConcurrency: 1}, testLogger(t))
	must(t, err)
	must(t, m.Start(ctx))
	defer m.Stop()
	// The first message is received on its own, and only then are the other four sent: they
	// reach the batch through the window, not through the first receive.
	send(t, ctx, c, url, "0", "")
	receiveOf(t, spy.firstMessages, "the first message received")
	for i := 1; i < 5; i++ {
		send(t, ctx, c, url, fmt.Sprint(i), "")
	}
	eventually(t, 10*time.Second, "one invocation", func() bool { return len(rec.snapshot()) > 0 })
	m.Stop()
	batches := rec.snapshot()
	if len(batches) != 1 || len(batches[0]) != 5 {
		var got [][]string
		for _, b := range batches {
			got = append(got, bodies(b))
		}
		t.Fatalf("batches %v, want one batch of 5 (filled within the window)", got)
	}
}

func TestSQSStopEndsALongPollPromptly(t *testing.T) {
	ctx, c := testCtx(t), newClients(t)
	url, _ := queue(t, ctx, c, "idle", nil)
	inv := funcInvoker{fn: func(context.Context, []byte) (any, error) { return nil, nil }}
	spy := newPollSpy(c)
	m, err := eventsource.NewSQSMapping(spy, inv, eventsource.SQSConfig{Function: "Worker", QueueURL: url}, testLogger(t))
	must(t, err)
	must(t, m.Start(ctx))
	// Both pollers (the default concurrency) have a 20 s long poll on the wire; Stop cancels
	// them: a poll left to run out would end without an error, 20 s later.
	for range 2 {
		receiveOf(t, spy.onWire, "a long poll sent")
	}
	m.Stop()
	for range 2 {
		if err := receiveOf(t, spy.results, "the end of a long poll"); !errors.Is(err, context.Canceled) {
			t.Fatalf("a long poll ended with %v, want context.Canceled", err)
		}
	}
	noLeaks(t)
	if err := m.Start(ctx); err == nil {
		t.Fatal("a stopped mapping started again")
	}
}

// pollSpy is an SQS client that reports each ReceiveMessage: the wait it asked for, when its
// request went out to the emulator, and how it ended.
type pollSpy struct {
	*sqs.Client
	asked         chan int32 // WaitTimeSeconds of each receive
	onWire        chan struct{}
	results       chan error
	firstMessages chan struct{} // closed when a receive first returns messages
	once          sync.Once
}

type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

func newPollSpy(c clients) *pollSpy {
	s := &pollSpy{asked: make(chan int32, 64), onWire: make(chan struct{}, 64), results: make(chan error, 64),
		firstMessages: make(chan struct{})}
	s.Client = sqs.NewFromConfig(c.cfg, func(o *sqs.Options) {
		next := o.HTTPClient
		o.HTTPClient = doerFunc(func(r *http.Request) (*http.Response, error) {
			if r.Header.Get("X-Amz-Target") == "AmazonSQS.ReceiveMessage" {
				s.onWire <- struct{}{}
			}
			return next.Do(r)
		})
	})
	return s
}

func (s *pollSpy) ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	s.asked <- in.WaitTimeSeconds
	out, err := s.Client.ReceiveMessage(ctx, in, optFns...)
	s.results <- err
	if err == nil && len(out.Messages) > 0 {
		s.once.Do(func() { close(s.firstMessages) })
	}
	return out, err
}

// receiveOf takes the next value from ch; the 10 s bound only turns a hang into a failure.
func receiveOf[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("no %s within 10s", what)
		panic("unreachable")
	}
}

// A mapping long-polls for the full 20 s SQS allows, and neither Stop nor the end of its context
// waits for such a poll: the request in flight is cancelled at once. The 3 s bound is a liveness
// check (a poll left to run would take 20 s), not a speed figure.
func TestSQSStopAndCancelInterruptA20sLongPoll(t *testing.T) {
	for _, how := range []string{"Stop", "context cancelled"} {
		t.Run(how, func(t *testing.T) {
			ctx, c := testCtx(t), newClients(t)
			url, _ := queue(t, ctx, c, "idle", nil)
			spy := newPollSpy(c)
			inv := funcInvoker{fn: func(context.Context, []byte) (any, error) { return nil, nil }}
			m, err := eventsource.NewSQSMapping(spy, inv, eventsource.SQSConfig{Function: "Worker", QueueURL: url,
				WaitTime: 20 * time.Second, MaxConcurrency: 1}, testLogger(t))
			must(t, err)
			runCtx, cancel := context.WithCancel(ctx)
			defer cancel()
			must(t, m.Start(runCtx))
			defer m.Stop()
			if wait := receiveOf(t, spy.asked, "receive"); wait != 20 {
				t.Fatalf("WaitTimeSeconds %d, want 20", wait)
			}
			receiveOf(t, spy.onWire, "receive request sent")

			start := time.Now()
			if how == "Stop" {
				m.Stop()
			} else {
				cancel()
			}
			err = receiveOf(t, spy.results, "end of the long poll")
			if d := time.Since(start); d > 3*time.Second {
				t.Fatalf("the long poll ended %v after %s, want at once", d, how)
			}
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("the long poll ended with %v, want context.Canceled", err)
			}
			m.Stop()
			if d := time.Since(start); d > 3*time.Second {
				t.Fatalf("Stop returned %v after %s", d, how)
			}
			noLeaks(t)
		})
	}
}

func TestNewSQSMappingValidatesTheTemplateValues(t *testing.T) {
	inv := funcInvoker{fn: func(context.Context, []byte) (any, error) { return nil, nil }}
	c := sqs.New(sqs.Options{Region: "us-east-1"})
	bad := []eventsource.SQSConfig{
		{QueueURL: "q"},
		{Function: "f"},
		{Function: "f", QueueURL: "q", BatchSize: 10001, MaximumBatchingWindow: time.Second},
		{Function: "f", QueueURL: "q", BatchSize: 11},
		{Function: "f", QueueURL: "q", MaximumBatchingWindow: 301 * time.Second},
		{Function: "f", QueueURL: "q", BatchSize: -1},
	}
	for _, cfg := range bad {
		if _, err := eventsource.NewSQSMapping(c, inv, cfg, nil); err == nil {
			t.Errorf("config %+v accepted", cfg)
		}
	}
	if _, err := eventsource.NewSQSMapping(c, inv, eventsource.SQSConfig{Function: "f", QueueURL: "q", BatchSize: 100, MaximumBatchingWindow: time.Second}, nil); err != nil {
		t.Errorf("valid config rejected: %v", err)
	}
}

func TestSQSStartFailsForAMissingQueue(t *testing.T) {
	ctx, c := testCtx(t), newClients(t)
	inv := funcInvoker{fn: func(context.Context, []byte) (any, error) { return nil, nil }}
	m, err := eventsource.NewSQSMapping(c.sqs, inv, eventsource.SQSConfig{Function: "f",
		QueueURL: "http://127.0.0.1:1/123456789012/missing"}, testLogger(t))
	must(t, err)
	if err := m.Start(ctx); err == nil {
		t.Fatal("Start succeeded for a missing queue")
	}
}
