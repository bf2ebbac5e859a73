package eventsource

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"holdfast/shared/localcloud/lambdaruntime"
	"holdfast/shared/platform/retry"
)

// SQS limits Lambda's poller works within.
const (
	maxReceive          = 10    // messages per ReceiveMessage
	maxSQSBatchSize     = 10000 // Lambda's BatchSize maximum for a standard queue
	maxFIFOBatchSize    = 10    // ... and for a FIFO queue
	maxBatchingWindow   = 300 * time.Second
	maxInvokePayload    = 6 * 1024 * 1024 // synchronous invocation payload
	maxSQSMessageBytes  = 256 * 1024
	defaultSQSBatchSize = 10
	defaultSQSWait      = 20 * time.Second
	maxSQSWait          = 20 * time.Second // ReceiveMessage's WaitTimeSeconds maximum
	defaultConcurrency  = 2
	ackTimeout          = 10 * time.Second
)

// SQSAPI is the part of the SQS client a mapping needs; *sqs.Client satisfies it.
type SQSAPI interface {
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error)
	GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error)
}

// SQSConfig is one SQS event source of a function, as template.yaml declares it
// (Events.<name>.Type: SQS).
type SQSConfig struct {
	Function string // the function's logical ID, passed to the Invoker
	QueueURL string // the queue, resolved from Properties.Queue
	// BatchSize is Properties.BatchSize: 1…10000 (FIFO 1…10); 0 means 10.
	BatchSize int
	// MaximumBatchingWindow is Properties.MaximumBatchingWindowInSeconds: 0…300 s. Above ten
	// messages Lambda requires a window of at least one second.
	MaximumBatchingWindow time.Duration
	// ReportBatchItemFailures is set when Properties.FunctionResponseTypes holds
	// ReportBatchItemFailures.
	ReportBatchItemFailures bool
	// MaxConcurrency bounds the batches in flight for a standard queue (Properties.ScalingConfig
	// .MaximumConcurrency, or the local cloud's own cap); 0 means 2. A FIFO queue always has one
	// batch in flight, which keeps every message group in order.
	MaxConcurrency int
	// WaitTime is the long-poll wait of each receive; 0 means 20 s as Lambda's pollers use. SQS
	// waits in whole seconds, so it is rounded up to one (a zero wait would be a short poll, and
	// the mapping would spin on an empty queue) and capped at 20 s, the SQS maximum. Stop, or the
	// end of Start's context, ends a poll in flight at once: its request's context is cancelled.
	WaitTime time.Duration
}

// SQSMapping polls one queue and invokes one function with its messages.
type SQSMapping struct {
	api     SQSAPI
	invoker lambdaruntime.Invoker
	cfg     SQSConfig
	log     *slog.Logger

	queueARN string
	region   string
	fifo     bool

	lifecycle
}

// NewSQSMapping checks cfg and builds a mapping; Start begins polling.
func NewSQSMapping(api SQSAPI, invoker lambdaruntime.Invoker, cfg SQSConfig, logger *slog.Logger) (*SQSMapping, error) {
	if api == nil || invoker == nil {
		return nil, errors.New("eventsource: NewSQSMapping: nil SQS client or invoker")
	}
	if cfg.Function == "" || cfg.QueueURL == "" {
		return nil, errors.New("eventsource: NewSQSMapping: Function and QueueURL are required")
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = defaultSQSBatchSize
	}
	if cfg.BatchSize < 1 || cfg.BatchSize > maxSQSBatchSize {
		return nil, fmt.Errorf("eventsource: %s: BatchSize %d is outside 1…%d", cfg.Function, cfg.BatchSize, maxSQSBatchSize)
	}
	if cfg.MaximumBatchingWindow < 0 || cfg.MaximumBatchingWindow > maxBatchingWindow {
		return nil, fmt.Errorf("eventsource: %s: MaximumBatchingWindow %v is outside 0…%v", cfg.Function, cfg.MaximumBatchingWindow, maxBatchingWindow)
	}
	if cfg.BatchSize > maxReceive && cfg.MaximumBatchingWindow < time.Second {
		return nil, fmt.Errorf("eventsource: %s: BatchSize %d needs MaximumBatchingWindowInSeconds of at least 1", cfg.Function, cfg.BatchSize)
	}
	if cfg.MaxConcurrency <= 0 {
		cfg.MaxConcurrency = defaultConcurrency
	}
	if cfg.WaitTime <= 0 {
		cfg.WaitTime = defaultSQSWait
	}
	cfg.WaitTime = min((cfg.WaitTime + time.Second - 1).Truncate(time.Second), maxSQSWait)
	if logger == nil {
		logger = slog.Default()
	}
	return &SQSMapping{api: api, invoker: invoker, cfg: cfg,
		log: logger.With("component", "sqs-mapping", "function", cfg.Function, "queue", cfg.QueueURL)}, nil
}

// QueueARN is the queue's ARN, known after Start.
func (m *SQSMapping) QueueARN() string { return m.queueARN }

// Start reads the queue's attributes and starts the pollers. They run until Stop or until ctx
// ends.
func (m *SQSMapping) Start(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.started {
		return fmt.Errorf("eventsource: mapping %s ← %s already started", m.cfg.Function, m.cfg.QueueURL)
	}
	out, err := m.api.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl:       aws.String(m.cfg.QueueURL),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn, sqstypes.QueueAttributeNameFifoQueue},
	})
	if err != nil {
		return fmt.Errorf("eventsource: queue %s: %w", m.cfg.QueueURL, err)
	}
	m.queueARN = out.Attributes[string(sqstypes.QueueAttributeNameQueueArn)]
	m.fifo = out.Attributes[string(sqstypes.QueueAttributeNameFifoQueue)] == "true" || strings.HasSuffix(m.cfg.QueueURL, ".fifo")
	if parts := strings.Split(m.queueARN, ":"); len(parts) >= 4 {
		m.region = parts[3]
	}
	pollers := m.cfg.MaxConcurrency
	if m.fifo {
		if m.cfg.BatchSize > maxFIFOBatchSize {
			return fmt.Errorf("eventsource: %s: BatchSize %d is over %d for FIFO queue %s", m.cfg.Function, m.cfg.BatchSize, maxFIFOBatchSize, m.cfg.QueueURL)
		}
		pollers = 1
	}
	runCtx, cancel := context.WithCancel(ctx)
	m.cancel = cancel
	m.started = true
	for range pollers {
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			m.poll(runCtx)
		}()
	}
	m.log.Info("sqs mapping started", "queueArn", m.queueARN, "fifo", m.fifo, "batchSize", m.cfg.BatchSize,
		"batchingWindow", m.cfg.MaximumBatchingWindow, "reportBatchItemFailures", m.cfg.ReportBatchItemFailures, "pollers", pollers)
	return nil
}

// Stop ends polling and waits for the pollers. A batch being invoked is abandoned: its messages
// stay on the queue and come back when their visibility timeout ends.
func (m *SQSMapping) Stop() { m.stop() }

func (m *SQSMapping) poll(ctx context.Context) {
	// After failed receives the poller waits 200 ms, doubling to at most 5 s: the whole ceiling,
	// not a jittered part of it, so that the local cloud's retries are predictable.
	pause := retry.Backoff{Base: 200 * time.Millisecond, Max: 5 * time.Second}
	failures := 0
	for ctx.Err() == nil {
		msgs, err := m.collect(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			failures++
			backoff := pause.Cap(failures)
			m.log.Error("receive failed", "error", err, "retryIn", backoff)
			if retry.Sleep(ctx, backoff) != nil {
				return
			}
			continue
		}
		failures = 0
		if len(msgs) > 0 {
			m.process(ctx, msgs)
		}
	}
}

// collect gathers one batch: a long poll for the first messages, then, within the batching
// window, more until the batch size or the invocation payload limit is reached.
func (m *SQSMapping) collect(ctx context.Context) ([]sqstypes.Message, error) {
	var msgs []sqstypes.Message
	var size int
	var deadline time.Time
	for {
		room := min(maxReceive, m.cfg.BatchSize-len(msgs), (maxInvokePayload-size)/(2*maxSQSMessageBytes))
		if room <= 0 {
			return msgs, nil
		}
		wait := m.cfg.WaitTime
		if len(msgs) > 0 {
			remaining := time.Until(deadline)
			if remaining <= 0 {
				return msgs, nil
			}
			wait = min(wait, remaining)
		}
		out, err := m.api.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl:                    aws.String(m.cfg.QueueURL),
			MaxNumberOfMessages:         int32(room),
			WaitTimeSeconds:             int32(wait / time.Second),
			MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll},
			MessageAttributeNames:       []string{"All"},
		})
		if err != nil {
			if len(msgs) > 0 && ctx.Err() == nil {
				// Invoke with what we have; the next poll reports the error if it persists.
				m.log.Warn("receive failed while filling a batch", "error", err)
				return msgs, nil
			}
			return msgs, fmt.Errorf("receive from %s: %w", m.cfg.QueueURL, err)
		}
		for _, msg := range out.Messages {
			size += messageSize(msg)
		}
		msgs = append(msgs, out.Messages...)
		if len(msgs) == 0 {
			return nil, nil
		}
		if m.cfg.MaximumBatchingWindow == 0 {
			return msgs, nil
		}
		if deadline.IsZero() {
			deadline = time.Now().Add(m.cfg.MaximumBatchingWindow)
		}
		if len(out.Messages) == 0 && wait < time.Second {
			// Sub-second remainder: SQS long polls in whole seconds, so pause briefly instead.
			if err := retry.Sleep(ctx, min(time.Until(deadline), 100*time.Millisecond)); err != nil {
				return msgs, nil
			}
		}
	}
}

// messageSize approximates a message's share of the invocation payload: its body and attributes
// twice over, for the JSON around them.
func messageSize(msg sqstypes.Message) int {
	n := len(aws.ToString(msg.Body)) + 512
	for k, v := range msg.MessageAttributes {
		n += len(k) + len(aws.ToString(v.StringValue)) + len(v.BinaryValue)
	}
	return n
}

// process invokes the function with one batch and deletes what the outcome says is done.
func (m *SQSMapping) process(ctx context.Context, msgs []sqstypes.Message) {
	started := time.Now()
	ev := lambdaevents.SQSEvent{Records: make([]lambdaevents.SQSMessage, len(msgs))}
	for i, msg := range msgs {
		ev.Records[i] = SQSRecord(msg, m.queueARN, m.region)
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		m.log.Error("cannot encode the SQS event; messages return after their visibility timeout", "error", err)
		return
	}
	res, err := m.invoker.Invoke(ctx, m.cfg.Function, payload, lambdaruntime.InvokeOptions{})
	log := m.log.With("messages", len(msgs), "durationMs", time.Since(started).Milliseconds())
	switch {
	case err != nil:
		if ctx.Err() == nil {
			log.Error("invoke failed; messages return after their visibility timeout", "error", err)
		}
		return
	case res.Err != nil:
		log.Warn("function error; messages return after their visibility timeout", "requestId", res.RequestID,
			"errorType", res.Err.ErrorType, "errorMessage", res.Err.ErrorMessage)
		return
	}

	done := msgs
	if m.cfg.ReportBatchItemFailures {
		inBatch := make(map[string]bool, len(msgs))
		for _, msg := range msgs {
			inBatch[aws.ToString(msg.MessageId)] = true
		}
		failed, err := batchFailures(res.Payload, func(id string) bool { return inBatch[id] })
		if err != nil {
			log.Warn("invalid partial batch response: the whole batch failed", "requestId", res.RequestID, "error", err)
			return
		}
		done = m.succeeded(msgs, failed)
		if len(failed) > 0 {
			log.Info("partial batch failure", "requestId", res.RequestID, "failed", len(failed), "retried", len(msgs)-len(done))
		}
	}
	m.delete(ctx, done)
	log.Debug("batch done", "requestId", res.RequestID, "deleted", len(done))
}

// succeeded is the messages of a batch that are done given the reported failures. On a FIFO
// queue a message group stops at its first failure, as Lambda does: later messages of that group
// are retried too, so the group keeps its order.
func (m *SQSMapping) succeeded(msgs []sqstypes.Message, failed []string) []sqstypes.Message {
	if len(failed) == 0 {
		return msgs
	}
	isFailed := make(map[string]bool, len(failed))
	for _, id := range failed {
		isFailed[id] = true
	}
	stopped := make(map[string]bool) // FIFO groups that hit a failure
	var done []sqstypes.Message
	for _, msg := range msgs {
		group := msg.Attributes[string(sqstypes.MessageSystemAttributeNameMessageGroupId)]
		if isFailed[aws.ToString(msg.MessageId)] {
			if m.fifo {
				stopped[group] = true
			}
			continue
		}
		if m.fifo && stopped[group] {
			continue
		}
		done = append(done, msg)
	}
	return done
}

// delete removes finished messages. It outlives a Stop (bounded by ackTimeout) so that work the
// function finished is not redelivered because the local cloud was shutting down.
func (m *SQSMapping) delete(ctx context.Context, msgs []sqstypes.Message) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ackTimeout)
	defer cancel()
	for start := 0; start < len(msgs); start += maxReceive {
		end := min(start+maxReceive, len(msgs))
		entries := make([]sqstypes.DeleteMessageBatchRequestEntry, 0, end-start)
		for i, msg := range msgs[start:end] {
			entries = append(entries, sqstypes.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: msg.ReceiptHandle})
		}
		out, err := m.api.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(m.cfg.QueueURL), Entries: entries})
		if err != nil {
			m.log.Error("delete failed; processed messages will be delivered again", "error", err, "messages", len(entries))
			continue
		}
		for _, f := range out.Failed {
			m.log.Error("delete failed; a processed message will be delivered again",
				"code", aws.ToString(f.Code), "message", aws.ToString(f.Message))
		}
	}
}
