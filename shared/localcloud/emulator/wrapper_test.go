package emulator

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// connStats counts what a keep-alive client does: connections dialled, requests, transport
// errors (a failed round trip, retried or not) and the SDK's retries.
type connStats struct {
	dials, requests, transportErrors, retries atomic.Int64
}

func (s *connStats) String() string {
	return fmt.Sprintf("%d requests over %d connections, %d transport errors, %d retries",
		s.requests.Load(), s.dials.Load(), s.transportErrors.Load(), s.retries.Load())
}

type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

// countingRetryer is the SDK's standard retryer, counting the retries it decides on.
type countingRetryer struct {
	aws.RetryerV2
	stats *connStats
}

func (r countingRetryer) RetryDelay(attempt int, err error) (time.Duration, error) {
	r.stats.retries.Add(1)
	return r.RetryerV2.RetryDelay(attempt, err)
}

// keepAliveSQS is an SQS client for e over kept-alive connections (the SDK's default transport
// with keep-alive on and up to conns idle connections), counting into stats.
func keepAliveSQS(e *Emulator, conns int, stats *connStats) *sqs.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	transport := awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
		t.DisableKeepAlives = false
		t.MaxIdleConnsPerHost = conns
		t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			stats.dials.Add(1)
			return dialer.DialContext(ctx, network, addr)
		}
	})
	return sqs.New(sqs.Options{
		Region:       Region,
		BaseEndpoint: aws.String(e.Endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		HTTPClient: doerFunc(func(r *http.Request) (*http.Response, error) {
			stats.requests.Add(1)
			resp, err := transport.Do(r)
			if err != nil {
				stats.transportErrors.Add(1)
			}
			return resp, err
		}),
		Retryer: countingRetryer{RetryerV2: retry.NewStandard(), stats: stats},
	})
}

// The wrapper serves HTTP/1.1 keep-alive reliably: 16 writers × 60 SendMessage over kept-alive
// connections see no transport error and no retry, reuse their connections, and the queue holds
// each message exactly once (a response lost on a closed connection would have made the SDK
// send a message twice).
func TestWrapperKeepAliveUnderLoad(t *testing.T) {
	const writers, perWriter = 16, 60
	ctx := testContext(t)
	e := startWrapper(t)
	var stats connStats
	c := keepAliveSQS(e, writers, &stats)
	// A queue per writer: moto's SendMessage costs time in proportion to the queue's depth.
	queues := make([]*string, writers)
	for w := range queues {
		q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(fmt.Sprint("load-", w))})
		if err != nil {
			t.Fatal(err)
		}
		queues[w] = q.QueueUrl
	}
	var wg sync.WaitGroup
	errs := make(chan error, writers*perWriter)
	start := time.Now()
	for w, q := range queues {
		wg.Go(func() {
			for i := range perWriter {
				_, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q,
					MessageBody: aws.String(fmt.Sprintf("%d-%d", w, i))})
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	for err := range errs {
		t.Errorf("send: %v", err)
	}
	t.Logf("%d sends in %v: %v", writers*perWriter, elapsed.Round(time.Millisecond), &stats)
	if n := stats.transportErrors.Load() + stats.retries.Load(); n != 0 {
		t.Errorf("%v; want no transport error and no retry", &stats)
	}
	// Every request on a connection of its own would be writers*perWriter dials.
	if d := stats.dials.Load(); d > writers*perWriter/20 {
		t.Errorf("%v; want connections reused", &stats)
	}
	for _, q := range queues {
		a, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q,
			AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages}})
		if err != nil {
			t.Fatal(err)
		}
		if got := a.Attributes["ApproximateNumberOfMessages"]; got != strconv.Itoa(perWriter) {
			t.Errorf("%s holds %s messages, want %d", aws.ToString(q), got, perWriter)
		}
	}
}

// A body the server never reads (moto's dashboard ignores it) is drained, so the next request
// on the same connection is read from its first byte.
func TestWrapperKeepAliveDrainsAnUnreadBody(t *testing.T) {
	ctx := testContext(t)
	e := startWrapper(t)
	var dials atomic.Int64
	client := &http.Client{Transport: &http.Transport{
		MaxConnsPerHost: 1,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
	}}
	defer client.CloseIdleConnections()
	for i := range 5 {
		body := strings.Repeat("x", 1<<(10+2*i)) // 1 KiB … 256 KiB
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.Endpoint+"/moto-api/", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if resp.Close || resp.Header.Get(AtomicHeader) != "1" {
			t.Fatalf("request %d: Close %v, %s %q", i, resp.Close, AtomicHeader, resp.Header.Get(AtomicHeader))
		}
	}
	if d := dials.Load(); d != 1 {
		t.Fatalf("%d connections for 5 requests, want 1", d)
	}
}

// processCPU is the CPU time (user and system) process pid has used.
func processCPU(t *testing.T, pid int) time.Duration {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatalf("read the emulator's CPU time: %v", err)
	}
	// Fields after "(comm)": state is the first, utime and stime the 12th and 13th, in ticks
	// of 1/100 s (USER_HZ on Linux).
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("parse /proc/%d/stat: %q", pid, b)
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// A long poll on a FIFO queue whose only group is blocked (a message of it in flight) sleeps
// instead of spinning (plain moto burns a core for the whole poll), and sees the group freed
// mid-poll (plain moto does not until the poll times out, 20 s later).
func TestWrapperFIFOLongPollSleepsAndSeesAFreedGroup(t *testing.T) {
	ctx := testContext(t)
	e := startWrapper(t)
	var stats connStats
	c := keepAliveSQS(e, 4, &stats)
	q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("work.fifo"),
		Attributes: map[string]string{"FifoQueue": "true", "VisibilityTimeout": "60"}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String(fmt.Sprint("m", i)),
			MessageGroupId: aws.String("g"), MessageDeduplicationId: aws.String(fmt.Sprint("d", i))}); err != nil {
			t.Fatal(err)
		}
	}
	first, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl})
	if err != nil || len(first.Messages) != 1 {
		t.Fatalf("first receive: %v, %d messages", err, len(first.Messages))
	}

	cpu := processCPU(t, e.cmd.Process.Pid)
	blocked, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 3})
	if err != nil || len(blocked.Messages) != 0 {
		t.Fatalf("receive while the group is blocked: %v, %d messages", err, len(blocked.Messages))
	}
	used := processCPU(t, e.cmd.Process.Pid) - cpu
	t.Logf("a blocked 3 s FIFO poll cost the emulator %v of CPU", used)
	if used > time.Second { // spinning costs the whole 3 s
		t.Errorf("a blocked 3 s FIFO poll cost the emulator %v of CPU: it spins", used)
	}

	type result struct {
		out *sqs.ReceiveMessageOutput
		err error
		at  time.Time
	}
	polled := make(chan result, 1)
	go func() {
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 20})
		polled <- result{out, err, time.Now()}
	}()
	time.Sleep(500 * time.Millisecond) // the poll is waiting in the emulator
	if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: q.QueueUrl, ReceiptHandle: first.Messages[0].ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	freed := time.Now()
	r := <-polled
	if r.err != nil {
		t.Fatal(r.err)
	}
	var got []string
	for _, m := range r.out.Messages {
		got = append(got, aws.ToString(m.Body))
	}
	t.Logf("the poll returned %v %v after the delete", got, r.at.Sub(freed).Round(time.Millisecond))
	if strings.Join(got, ",") != "m1,m2" || r.at.Sub(freed) > 10*time.Second {
		t.Fatalf("the poll returned %v %v after the group was freed; want m1,m2 at once", got, r.at.Sub(freed))
	}
}

// GetQueueAttributes counts a queue's messages at one instant: visible plus in flight is every
// message, also while visibility timeouts end. moto counts each attribute against the clock
// afresh, so a message whose timeout ends between the two counts is in neither, and a queue of
// messages in flight reads 0 visible and 0 in flight: a test waiting for "drained" then goes on
// while the messages are about to come back. 20 messages become visible again at 20 instants;
// every reading through them must add up to 20.
func TestWrapperCountsAQueueAtOneInstant(t *testing.T) {
	const messages = 20
	ctx := testContext(t)
	e := startWrapper(t)
	var stats connStats
	c := keepAliveSQS(e, 2, &stats)
	q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("counted"),
		Attributes: map[string]string{"VisibilityTimeout": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range messages {
		if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String(fmt.Sprint("m", i))}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range messages { // one at a time: their timeouts end at different instants
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 1})
		if err != nil || len(out.Messages) != 1 {
			t.Fatalf("receive %d: %v, %d messages", i, err, len(out.Messages))
		}
	}
	readings := 0
	for visible := 0; visible < messages; readings++ {
		a, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl,
			AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages,
				sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
		if err != nil {
			t.Fatal(err)
		}
		var err1, err2 error
		var inFlight int
		visible, err1 = strconv.Atoi(a.Attributes["ApproximateNumberOfMessages"])
		inFlight, err2 = strconv.Atoi(a.Attributes["ApproximateNumberOfMessagesNotVisible"])
		if err1 != nil || err2 != nil {
			t.Fatalf("attributes %v", a.Attributes)
		}
		if visible+inFlight != messages {
			t.Fatalf("reading %d: %d visible + %d in flight, want %d in all", readings, visible, inFlight, messages)
		}
	}
	t.Logf("%d readings while the messages came back, each adding up to %d", readings, messages)
}
