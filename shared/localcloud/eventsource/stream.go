package eventsource

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"holdfast/shared/localcloud/lambdaruntime"
	"holdfast/shared/platform/retry"
)

// Stream mapping defaults and limits.
const (
	defaultStreamBatchSize = 100
	maxStreamBatchSize     = 10000
	maxGetRecords          = 1000
	// DefaultStreamRetryCap stands in for MaximumRetryAttempts -1 (Lambda's default: retry until
	// the record expires, up to 24 h), which would stall a local shard for a day.
	DefaultStreamRetryCap  = 10
	maxStreamRetryAttempts = 10000
	defaultPollInterval    = 150 * time.Millisecond
	wakePollInterval       = 5 * time.Second
	defaultShardRefresh    = 2 * time.Second
	defaultRetryBackoff    = 200 * time.Millisecond
	maxRetryBackoff        = 5 * time.Second
)

// Starting positions of a stream mapping.
const (
	StartTrimHorizon = "TRIM_HORIZON"
	StartLatest      = "LATEST"
)

// StreamsAPI is the part of the DynamoDB Streams client a mapping needs; *dynamodbstreams.Client
// satisfies it.
type StreamsAPI interface {
	DescribeStream(ctx context.Context, in *dynamodbstreams.DescribeStreamInput, optFns ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error)
	GetShardIterator(ctx context.Context, in *dynamodbstreams.GetShardIteratorInput, optFns ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error)
	GetRecords(ctx context.Context, in *dynamodbstreams.GetRecordsInput, optFns ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error)
}

// DescribeTableAPI resolves a table's current stream; *dynamodb.Client satisfies it.
type DescribeTableAPI interface {
	DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
}

// LatestStreamARN is the ARN of table's current stream (what `!GetAtt Table.StreamArn` resolves
// to), or an error when the table has no stream.
func LatestStreamARN(ctx context.Context, api DescribeTableAPI, table string) (string, error) {
	out, err := api.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		return "", fmt.Errorf("describe table %s: %w", table, err)
	}
	arn := aws.ToString(out.Table.LatestStreamArn)
	if arn == "" {
		return "", fmt.Errorf("table %s has no stream", table)
	}
	return arn, nil
}

// StreamConfig is one DynamoDB stream event source of a function, as template.yaml declares it
// (Events.<name>.Type: DynamoDB).
type StreamConfig struct {
	Function  string // the function's logical ID, passed to the Invoker
	StreamARN string // Properties.Stream, resolved (see LatestStreamARN)
	// StartingPosition is Properties.StartingPosition: TRIM_HORIZON (the default here, right for
	// a table the local cloud just created) or LATEST.
	StartingPosition string
	// BatchSize is Properties.BatchSize: 1…10000; 0 means 100.
	BatchSize int
	// MaximumBatchingWindow is Properties.MaximumBatchingWindowInSeconds: 0…300 s.
	MaximumBatchingWindow time.Duration
	// MaximumRetryAttempts is Properties.MaximumRetryAttempts: nil or -1 (Lambda's default,
	// unlimited) retries DefaultStreamRetryCap times; 0 never retries.
	MaximumRetryAttempts *int
	// ReportBatchItemFailures is set when Properties.FunctionResponseTypes holds
	// ReportBatchItemFailures.
	ReportBatchItemFailures bool
	// PollInterval is the pause after an empty GetRecords; 0 means 150 ms, or 5 s with Wake.
	PollInterval time.Duration
	// Wake, when set, returns a channel that closes at the stream's next change (the embedded
	// engine's Signal). After an empty GetRecords the reader waits on it instead of sleeping;
	// it still reads through GetRecords. The channel is taken before each GetRecords, so a
	// change that lands meanwhile is never missed.
	Wake func(streamARN string) <-chan struct{}
	// ShardRefresh is how often the stream is described to find new shards; 0 means 2 s.
	ShardRefresh time.Duration
	// RetryBackoff is the first pause before retrying a failed batch; it doubles up to 5 s.
	// 0 means 200 ms.
	RetryBackoff time.Duration
}

// StreamMapping reads one DynamoDB stream and invokes one function with its records: one batch
// in flight per shard, in sequence order, retrying a failed batch from its first failed record.
//
// Checkpoints live in memory only: a restarted local cloud starts again from StartingPosition,
// so with TRIM_HORIZON it redelivers what the stream still holds. The relay and every consumer
// are idempotent for exactly such redeliveries.
type StreamMapping struct {
	api     StreamsAPI
	invoker lambdaruntime.Invoker
	cfg     StreamConfig
	retries int
	log     *slog.Logger

	lifecycle
	shards  map[string]*shardState // guarded by mu
	changed chan struct{}          // a shard finished: children may start
}

type shardStatus int

const (
	shardPending shardStatus = iota // known, waiting for its parent
	shardRunning
	shardDone // closed and fully processed (or skipped)
)

type shardState struct {
	parent string
	status shardStatus
}

// NewStreamMapping checks cfg and builds a mapping; Start begins reading.
func NewStreamMapping(api StreamsAPI, invoker lambdaruntime.Invoker, cfg StreamConfig, logger *slog.Logger) (*StreamMapping, error) {
	if api == nil || invoker == nil {
		return nil, errors.New("eventsource: NewStreamMapping: nil streams client or invoker")
	}
	if cfg.Function == "" || cfg.StreamARN == "" {
		return nil, errors.New("eventsource: NewStreamMapping: Function and StreamARN are required")
	}
	switch cfg.StartingPosition {
	case "":
		cfg.StartingPosition = StartTrimHorizon
	case StartTrimHorizon, StartLatest:
	default:
		return nil, fmt.Errorf("eventsource: %s: StartingPosition %q is not TRIM_HORIZON or LATEST", cfg.Function, cfg.StartingPosition)
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = defaultStreamBatchSize
	}
	if cfg.BatchSize < 1 || cfg.BatchSize > maxStreamBatchSize {
		return nil, fmt.Errorf("eventsource: %s: BatchSize %d is outside 1…%d", cfg.Function, cfg.BatchSize, maxStreamBatchSize)
	}
	if cfg.MaximumBatchingWindow < 0 || cfg.MaximumBatchingWindow > maxBatchingWindow {
		return nil, fmt.Errorf("eventsource: %s: MaximumBatchingWindow %v is outside 0…%v", cfg.Function, cfg.MaximumBatchingWindow, maxBatchingWindow)
	}
	retries := DefaultStreamRetryCap
	if cfg.MaximumRetryAttempts != nil && *cfg.MaximumRetryAttempts != -1 {
		retries = *cfg.MaximumRetryAttempts
		if retries < 0 || retries > maxStreamRetryAttempts {
			return nil, fmt.Errorf("eventsource: %s: MaximumRetryAttempts %d is outside -1…%d", cfg.Function, retries, maxStreamRetryAttempts)
		}
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = defaultPollInterval
		if cfg.Wake != nil {
			cfg.PollInterval = wakePollInterval
		}
	}
	if cfg.ShardRefresh <= 0 {
		cfg.ShardRefresh = defaultShardRefresh
	}
	if cfg.RetryBackoff <= 0 {
		cfg.RetryBackoff = defaultRetryBackoff
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &StreamMapping{api: api, invoker: invoker, cfg: cfg, retries: retries,
		log:     logger.With("component", "stream-mapping", "function", cfg.Function, "stream", cfg.StreamARN),
		shards:  make(map[string]*shardState),
		changed: make(chan struct{}, 1)}, nil
}

// Start describes the stream, positions an iterator on every shard it can read now (so that with
// LATEST no record written after Start returns is missed), and starts reading. Reading runs until
// Stop or until ctx ends.
func (m *StreamMapping) Start(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.started {
		return fmt.Errorf("eventsource: stream mapping %s already started", m.cfg.Function)
	}
	shards, err := m.describe(ctx)
	if err != nil {
		return err
	}
	for _, s := range shards {
		st := &shardState{parent: aws.ToString(s.ParentShardId)}
		closed := s.SequenceNumberRange != nil && s.SequenceNumberRange.EndingSequenceNumber != nil
		if m.cfg.StartingPosition == StartLatest && closed {
			st.status = shardDone // nothing after LATEST on a closed shard
		}
		m.shards[aws.ToString(s.ShardId)] = st
	}
	runCtx, cancel := context.WithCancel(ctx)
	// Iterators for the shards readable now are taken before Start returns.
	for _, id := range startable(shardOrder(shards), m.shards) {
		iter, err := m.iterator(ctx, id, m.cfg.StartingPosition, "")
		if err != nil {
			cancel()
			return err
		}
		m.launch(runCtx, id, iter, m.cfg.StartingPosition)
	}
	m.cancel = cancel
	m.started = true
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		m.watchShards(runCtx)
	}()
	m.log.Info("stream mapping started", "shards", len(shards), "startingPosition", m.cfg.StartingPosition,
		"batchSize", m.cfg.BatchSize, "maximumRetryAttempts", m.retries, "reportBatchItemFailures", m.cfg.ReportBatchItemFailures)
	if m.cfg.MaximumRetryAttempts == nil || *m.cfg.MaximumRetryAttempts == -1 {
		m.log.Info("unlimited MaximumRetryAttempts capped locally", "retries", DefaultStreamRetryCap)
	}
	return nil
}

// Stop ends reading and waits for every shard reader. A batch being invoked is abandoned and not
// checkpointed.
func (m *StreamMapping) Stop() { m.stop() }

// launch starts a reader for shard id; the caller holds m.mu.
func (m *StreamMapping) launch(ctx context.Context, id string, iter *string, startType string) {
	m.shards[id].status = shardRunning
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		closed := m.readShard(ctx, id, iter, startType)
		if !closed {
			return
		}
		m.mu.Lock()
		m.shards[id].status = shardDone
		m.mu.Unlock()
		select {
		case m.changed <- struct{}{}:
		default:
		}
	}()
}

// watchShards finds shards created after Start (splits, rotations) and starts each once its
// parent is done, so a key's records keep their order across a split.
func (m *StreamMapping) watchShards(ctx context.Context) {
	ticker := time.NewTicker(m.cfg.ShardRefresh)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		case <-m.changed:
		}
		shards, err := m.describe(ctx)
		if err != nil {
			if ctx.Err() == nil {
				m.log.Error("describe stream failed", "error", err)
			}
			continue
		}
		m.mu.Lock()
		for _, s := range shards {
			id := aws.ToString(s.ShardId)
			if _, known := m.shards[id]; !known {
				m.shards[id] = &shardState{parent: aws.ToString(s.ParentShardId)}
				m.log.Info("new shard", "shard", id, "parent", aws.ToString(s.ParentShardId))
			}
		}
		ready := startable(shardOrder(shards), m.shards)
		m.mu.Unlock()
		for _, id := range ready {
			// A shard found after Start is read from its beginning: none of it was seen before.
			iter, err := m.iterator(ctx, id, StartTrimHorizon, "")
			if err != nil {
				if ctx.Err() == nil {
					m.log.Error("cannot read new shard; will try again", "shard", id, "error", err)
				}
				continue
			}
			m.mu.Lock()
			if m.shards[id].status == shardPending {
				m.launch(ctx, id, iter, StartTrimHorizon)
			}
			m.mu.Unlock()
		}
	}
}

func shardOrder(shards []streamtypes.Shard) []string {
	ids := make([]string, len(shards))
	for i, s := range shards {
		ids[i] = aws.ToString(s.ShardId)
	}
	return ids
}

// startable lists, in order, the pending shards whose parent is done or no longer known (trimmed
// from the stream or never seen).
func startable(order []string, shards map[string]*shardState) []string {
	var ready []string
	for _, id := range order {
		st := shards[id]
		if st == nil || st.status != shardPending {
			continue
		}
		parent, known := shards[st.parent]
		if st.parent == "" || !known || parent.status == shardDone {
			ready = append(ready, id)
		}
	}
	return ready
}

func (m *StreamMapping) describe(ctx context.Context) ([]streamtypes.Shard, error) {
	var shards []streamtypes.Shard
	var start *string
	for {
		out, err := m.api.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(m.cfg.StreamARN), ExclusiveStartShardId: start})
		if err != nil {
			return nil, fmt.Errorf("eventsource: describe stream %s: %w", m.cfg.StreamARN, err)
		}
		if out.StreamDescription == nil {
			return nil, fmt.Errorf("eventsource: describe stream %s: no description", m.cfg.StreamARN)
		}
		shards = append(shards, out.StreamDescription.Shards...)
		start = out.StreamDescription.LastEvaluatedShardId
		if start == nil {
			return shards, nil
		}
	}
}

func (m *StreamMapping) iterator(ctx context.Context, shard, typ, afterSeq string) (*string, error) {
	in := &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(m.cfg.StreamARN), ShardId: aws.String(shard),
		ShardIteratorType: streamtypes.ShardIteratorType(typ)}
	if afterSeq != "" {
		in.ShardIteratorType = streamtypes.ShardIteratorTypeAfterSequenceNumber
		in.SequenceNumber = aws.String(afterSeq)
	}
	out, err := m.api.GetShardIterator(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("eventsource: shard iterator %s %s: %w", shard, in.ShardIteratorType, err)
	}
	return out.ShardIterator, nil
}

// shardReader is the state of one shard's read loop.
type shardReader struct {
	m         *StreamMapping
	shard     string
	iter      *string // nil once the shard is closed and read to its end
	startType string  // the iterator type the reader started with
	lastSeq   string  // last sequence number fetched, to reposition an expired iterator
	buffer    []lambdaevents.DynamoDBEventRecord
	firstAt   time.Time // when the oldest buffered record was fetched (batching window)
	attempts  int       // failed invocations of the batch at the head of the buffer
	log       *slog.Logger
}

// readShard reads a shard until ctx ends (false) or the shard is closed and fully processed
// (true).
func (m *StreamMapping) readShard(ctx context.Context, shard string, iter *string, startType string) bool {
	r := &shardReader{m: m, shard: shard, iter: iter, startType: startType, log: m.log.With("shard", shard)}
	for ctx.Err() == nil {
		var changed <-chan struct{}
		if m.cfg.Wake != nil {
			changed = m.cfg.Wake(m.cfg.StreamARN)
		}
		fetched, err := r.fetch(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return false
			}
			r.log.Error("get records failed", "error", err)
			if retry.Sleep(ctx, m.cfg.RetryBackoff) != nil {
				return false
			}
			continue
		}
		if len(r.buffer) == 0 {
			if r.iter == nil {
				r.log.Info("shard closed and fully processed")
				return true
			}
			if waitChange(ctx, changed, m.cfg.PollInterval) != nil {
				return false
			}
			continue
		}
		if r.waitForMore() {
			if fetched == 0 {
				left := m.cfg.MaximumBatchingWindow - time.Since(r.firstAt)
				if waitChange(ctx, changed, max(min(m.cfg.PollInterval, left), time.Millisecond)) != nil {
					return false
				}
			}
			continue
		}
		if !r.deliver(ctx) {
			return false
		}
	}
	return false
}

// waitChange waits until changed closes (nil: never), d passes, or ctx ends.
func waitChange(ctx context.Context, changed <-chan struct{}, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-changed:
		return nil
	case <-t.C:
		return nil
	}
}

// waitForMore says whether the batching window asks to keep filling the batch.
func (r *shardReader) waitForMore() bool {
	cfg := r.m.cfg
	if cfg.MaximumBatchingWindow == 0 || r.iter == nil || len(r.buffer) >= cfg.BatchSize || r.attempts > 0 {
		return false
	}
	return time.Since(r.firstAt) < cfg.MaximumBatchingWindow
}

// fetch tops the buffer up to one batch with GetRecords and returns how many records it added.
func (r *shardReader) fetch(ctx context.Context) (int, error) {
	want := min(maxGetRecords, r.m.cfg.BatchSize-len(r.buffer))
	if r.iter == nil || want <= 0 {
		return 0, nil
	}
	out, err := r.m.api.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: r.iter, Limit: aws.Int32(int32(want))})
	if err != nil {
		var expired *streamtypes.ExpiredIteratorException
		var trimmed *streamtypes.TrimmedDataAccessException
		switch {
		case errors.As(err, &expired):
			r.log.Info("shard iterator expired; repositioning", "after", r.lastSeq)
			return 0, r.reposition(ctx, r.startType, r.lastSeq)
		case errors.As(err, &trimmed):
			r.log.Warn("records trimmed before they were read; continuing from the oldest kept", "after", r.lastSeq)
			return 0, r.reposition(ctx, StartTrimHorizon, "")
		}
		return 0, err
	}
	r.iter = out.NextShardIterator
	added := 0
	for _, rec := range out.Records {
		ev, err := DynamoDBRecord(rec, r.m.cfg.StreamARN)
		if rec.Dynamodb != nil {
			r.lastSeq = aws.ToString(rec.Dynamodb.SequenceNumber)
		}
		if err != nil {
			r.log.Error("stream record cannot be represented as a Lambda event; skipped", "error", err)
			continue
		}
		if len(r.buffer) == 0 {
			r.firstAt = time.Now()
		}
		r.buffer = append(r.buffer, ev)
		added++
	}
	return added, nil
}

// reposition takes a new iterator after afterSeq, or at typ when nothing was read yet.
func (r *shardReader) reposition(ctx context.Context, typ, afterSeq string) error {
	iter, err := r.m.iterator(ctx, r.shard, typ, afterSeq)
	if err != nil {
		return err
	}
	r.iter = iter
	return nil
}

// deliver invokes the function with the batch at the head of the buffer and moves the buffer
// past whatever is done. It returns false when ctx ended.
func (r *shardReader) deliver(ctx context.Context) bool {
	cfg := r.m.cfg
	batch := r.buffer[:min(cfg.BatchSize, len(r.buffer))]
	failedAt, err := r.m.invoke(ctx, batch)
	if ctx.Err() != nil {
		return false
	}
	if err == nil {
		r.buffer = r.buffer[len(batch):]
		r.attempts = 0
		r.firstAt = time.Now()
		return true
	}
	r.attempts++
	log := r.log.With("attempt", r.attempts, "firstFailed", batch[failedAt].Change.SequenceNumber,
		"batchFrom", batch[0].Change.SequenceNumber, "batchTo", batch[len(batch)-1].Change.SequenceNumber, "error", err)
	if r.attempts > r.m.retries {
		// Retries are exhausted: Lambda discards the batch (and tells an OnFailure destination,
		// which the local cloud does not have) and the shard moves on.
		log.Error("retries exhausted; records skipped", "skipped", len(batch)-failedAt)
		r.buffer = r.buffer[len(batch):]
		r.attempts = 0
		r.firstAt = time.Now()
		return true
	}
	log.Warn("batch failed; retrying from the first failed record")
	// Records before the first failure are done: the retry starts at the failed one.
	r.buffer = r.buffer[failedAt:]
	// The whole ceiling, not jittered: the local cloud's retries are predictable.
	backoff := retry.Backoff{Base: cfg.RetryBackoff, Max: maxRetryBackoff}.Cap(r.attempts)
	return retry.Sleep(ctx, backoff) == nil
}

// invoke runs the function on batch. On failure it returns the index of the first record to
// retry (0 unless the function reported partial failures) and why.
func (m *StreamMapping) invoke(ctx context.Context, batch []lambdaevents.DynamoDBEventRecord) (int, error) {
	payload, err := json.Marshal(lambdaevents.DynamoDBEvent{Records: batch})
	if err != nil {
		return 0, fmt.Errorf("encode DynamoDB event: %w", err)
	}
	started := time.Now()
	res, err := m.invoker.Invoke(ctx, m.cfg.Function, payload, lambdaruntime.InvokeOptions{})
	if err != nil {
		return 0, fmt.Errorf("invoke: %w", err)
	}
	if res.Err != nil {
		return 0, fmt.Errorf("function error (request %s): %w", res.RequestID, res.Err)
	}
	m.log.Debug("batch delivered", "records", len(batch), "requestId", res.RequestID, "durationMs", time.Since(started).Milliseconds())
	if !m.cfg.ReportBatchItemFailures {
		return len(batch), nil
	}
	index := make(map[string]int, len(batch))
	for i, rec := range batch {
		index[rec.Change.SequenceNumber] = i
	}
	failed, err := batchFailures(res.Payload, func(id string) bool { _, ok := index[id]; return ok })
	if err != nil {
		return 0, fmt.Errorf("invalid partial batch response (request %s): %w", res.RequestID, err)
	}
	if len(failed) == 0 {
		return len(batch), nil
	}
	first := len(batch)
	for _, seq := range failed {
		first = min(first, index[seq])
	}
	return first, fmt.Errorf("function reported %d failed record(s): %s", len(failed), strings.Join(failed, ", "))
}
