package events

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"holdfast/shared/platform/retry"
)

// MaxEntriesPerPut is EventBridge's limit on entries in one PutEvents call.
const MaxEntriesPerPut = 10

// PutEventsAPI is the part of the EventBridge client a BusPublisher needs; *eventbridge.Client
// satisfies it.
type PutEventsAPI interface {
	PutEvents(ctx context.Context, in *eventbridge.PutEventsInput, optFns ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

// Publisher puts envelopes on the event bus. Publish returns nil when every envelope was
// accepted; otherwise a *PublishError says which were not (every envelope it does not name was
// accepted), possibly wrapping the call error that stopped it.
type Publisher interface {
	Publish(ctx context.Context, envelopes []Envelope) error
}

// FailedEntry is one envelope the bus did not accept.
type FailedEntry struct {
	Index   int // position in the slice given to Publish
	EventID string
	Code    string // EventBridge's ErrorCode; "InvalidEntry"; or "NotAttempted" after an earlier failure
	Message string
}

// PublishError lists the envelopes that were not put on the bus.
type PublishError struct {
	Failed []FailedEntry
	// Err is the call or validation error that stopped publishing, if one did.
	Err error
}

func (e *PublishError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "publish events: %d not accepted", len(e.Failed))
	if len(e.Failed) > 0 {
		f := e.Failed[0]
		fmt.Fprintf(&b, " (first: %s %s: %s)", f.EventID, f.Code, f.Message)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *PublishError) Unwrap() error { return e.Err }

// codeNotAttempted marks envelopes after a chunk that could not be published: they are left for
// the caller's retry so that events keep their order as far as possible.
const codeNotAttempted = "NotAttempted"

// codeInvalidEntry marks an envelope that could not be turned into a PutEvents entry.
const codeInvalidEntry = "InvalidEntry"

// BusPublisherOptions tune a BusPublisher; zero values take the defaults.
type BusPublisherOptions struct {
	// MaxAttempts bounds the PutEvents calls made for one chunk, counting the first (default 3).
	// Only entries EventBridge rejected are sent again.
	MaxAttempts int
	// BaseBackoff bounds the first pause before resending rejected entries (default 50ms); the
	// bound doubles per attempt up to 32×, and each pause is full jitter below it (retry.Backoff).
	BaseBackoff time.Duration
}

// BusPublisher is the Publisher for one EventBridge bus.
type BusPublisher struct {
	api     PutEventsAPI
	bus     string
	maxTry  int
	backoff retry.Backoff
}

// NewBusPublisher publishes to busName (a name or ARN) through api.
func NewBusPublisher(api PutEventsAPI, busName string, opts BusPublisherOptions) (*BusPublisher, error) {
	if api == nil {
		return nil, errors.New("events: NewBusPublisher: nil EventBridge client")
	}
	if busName == "" {
		return nil, errors.New("events: NewBusPublisher: empty bus name")
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 3
	}
	if opts.BaseBackoff <= 0 {
		opts.BaseBackoff = 50 * time.Millisecond
	}
	return &BusPublisher{api: api, bus: busName, maxTry: opts.MaxAttempts,
		backoff: retry.Backoff{Base: opts.BaseBackoff, Max: 32 * opts.BaseBackoff}}, nil
}

// Publish puts envelopes on the bus in order, in chunks of at most ten entries and 256 KiB.
// Entries the bus rejects are resent, alone, up to MaxAttempts calls per chunk. When a chunk still
// has rejected entries, or its call fails, the chunks after it are not attempted.
//
// An envelope that cannot become an entry (invalid, or over 256 KiB) fails with code
// InvalidEntry; the envelopes before it are published and those after it are not attempted.
func (p *BusPublisher) Publish(ctx context.Context, envelopes []Envelope) error {
	entries := make([]ebtypes.PutEventsRequestEntry, 0, len(envelopes))
	var invalid *PublishError
	for i, env := range envelopes {
		entry, err := env.Entry(p.bus)
		if err != nil {
			invalid = &PublishError{Err: err, Failed: append(
				[]FailedEntry{{Index: i, EventID: env.Meta.EventID, Code: codeInvalidEntry, Message: err.Error()}},
				notAttempted(envelopes, i+1, len(envelopes))...)}
			break
		}
		entries = append(entries, entry)
	}
	for start := 0; start < len(entries); {
		end := chunkEnd(entries, start)
		failed, err := p.putChunk(ctx, envelopes, entries, start, end)
		if len(failed) > 0 || err != nil {
			return &PublishError{Failed: append(failed, notAttempted(envelopes, end, len(envelopes))...), Err: err}
		}
		start = end
	}
	if invalid != nil {
		return invalid
	}
	return nil
}

// chunkEnd is the end of the chunk that starts at start: at most ten entries and 256 KiB.
func chunkEnd(entries []ebtypes.PutEventsRequestEntry, start int) int {
	size, end := 0, start
	for end < len(entries) && end-start < MaxEntriesPerPut {
		s := entrySize(entries[end])
		if end > start && size+s > MaxEntryBytes {
			break
		}
		size += s
		end++
	}
	return end
}

// putChunk publishes entries[start:end], resending rejected entries, and returns those still
// rejected after the last attempt.
func (p *BusPublisher) putChunk(ctx context.Context, envs []Envelope, entries []ebtypes.PutEventsRequestEntry, start, end int) ([]FailedEntry, error) {
	pending := make([]int, 0, end-start)
	for i := start; i < end; i++ {
		pending = append(pending, i)
	}
	var rejected []FailedEntry
	for attempt := 1; ; attempt++ {
		batch := make([]ebtypes.PutEventsRequestEntry, len(pending))
		for j, idx := range pending {
			batch[j] = entries[idx]
		}
		out, err := p.api.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: batch})
		if err != nil {
			return notAttemptedIdx(envs, pending, "CallFailed", err.Error()), fmt.Errorf("put events on %s: %w", p.bus, err)
		}
		if len(out.Entries) != len(batch) {
			return notAttemptedIdx(envs, pending, "InvalidResponse", "result count differs from entry count"),
				fmt.Errorf("put events on %s: %d results for %d entries", p.bus, len(out.Entries), len(batch))
		}
		rejected = rejected[:0]
		var retry []int
		for j, res := range out.Entries {
			if res.ErrorCode == nil && res.EventId != nil {
				continue
			}
			idx := pending[j]
			retry = append(retry, idx)
			rejected = append(rejected, FailedEntry{Index: idx, EventID: envs[idx].Meta.EventID,
				Code: aws.ToString(res.ErrorCode), Message: aws.ToString(res.ErrorMessage)})
		}
		if len(retry) == 0 {
			return nil, nil
		}
		if attempt >= p.maxTry {
			return rejected, nil
		}
		if err := p.backoff.Wait(ctx, attempt); err != nil {
			return rejected, err
		}
		pending = retry
	}
}

func notAttempted(envs []Envelope, from, to int) []FailedEntry {
	out := make([]FailedEntry, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, FailedEntry{Index: i, EventID: envs[i].Meta.EventID, Code: codeNotAttempted,
			Message: "not attempted after an earlier failure"})
	}
	return out
}

func notAttemptedIdx(envs []Envelope, idx []int, code, msg string) []FailedEntry {
	out := make([]FailedEntry, 0, len(idx))
	for _, i := range idx {
		out = append(out, FailedEntry{Index: i, EventID: envs[i].Meta.EventID, Code: code, Message: msg})
	}
	return out
}
