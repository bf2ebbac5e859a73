package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"holdfast/shared/platform/text"
)

// SourcePrefix starts every Holdfast event source; the rest is the domain.
const SourcePrefix = "holdfast."

// MaxEntryBytes is EventBridge's limit on one PutEvents entry (and on one whole request).
const MaxEntryBytes = 256 * 1024

// Limits on the identifiers an envelope carries. The event ID becomes part of a DynamoDB key
// (the relay's dedup marker), whose hash key may not exceed 2048 bytes.
const (
	maxEventIDBytes       = 1024
	maxCorrelationIDBytes = 1024
	maxVersion            = 999
)

// ErrInvalidEnvelope is wrapped by every validation failure of an envelope or a received event.
var ErrInvalidEnvelope = errors.New("invalid event envelope")

var (
	domainPattern     = regexp.MustCompile(`^[a-z][a-z0-9-]{0,62}$`)
	typePattern       = regexp.MustCompile(`^[A-Z][A-Za-z0-9]{0,126}$`)
	detailTypePattern = regexp.MustCompile(`^([A-Z][A-Za-z0-9]{0,126})\.v([1-9][0-9]{0,2})$`)
)

// Meta is the part of every event that says what happened, when, and in which flow.
type Meta struct {
	// EventID is deterministic: derived from the item that changed (for example
	// `pk#sk#version`), so the same logical change always yields the same ID. Consumers key their
	// idempotency on it; EventBridge's own event id differs on every publish.
	EventID string `json:"eventId"`
	// CorrelationID ties the event to the request (or job) that caused the write.
	CorrelationID string `json:"correlationId"`
	// OccurredAt is when the change was committed, in UTC.
	OccurredAt time.Time `json:"occurredAt"`
	Domain     string    `json:"domain"`
	Type       string    `json:"type"`
	Version    int       `json:"version"`
	// Actor is who caused the change, when a person or client did.
	Actor *Actor `json:"actor,omitempty"`
}

// Actor identifies the principal behind a change.
type Actor struct {
	ID    string   `json:"id"`
	Roles []string `json:"roles,omitempty"`
}

// Envelope is one domain event: its meta and its type-specific data (a JSON object).
type Envelope struct {
	Meta Meta            `json:"meta"`
	Data json.RawMessage `json:"data"`
}

// New builds an envelope from meta and data (any value that marshals to a JSON object) and
// validates it. OccurredAt is normalised to UTC.
func New(meta Meta, data any) (Envelope, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return Envelope{}, fmt.Errorf("%w: marshal data of %s: %v", ErrInvalidEnvelope, meta.Type, err)
	}
	meta.OccurredAt = meta.OccurredAt.UTC()
	env := Envelope{Meta: meta, Data: raw}
	if err := env.Validate(); err != nil {
		return Envelope{}, err
	}
	return env, nil
}

// EventID joins the parts that identify one logical change into a deterministic event ID.
func EventID(parts ...string) string { return strings.Join(parts, "#") }

// Source is the EventBridge source of the event: `holdfast.<domain>`.
func (e Envelope) Source() string { return SourcePrefix + e.Meta.Domain }

// DetailType is the EventBridge detail-type of the event: `<Type>.v<Version>`.
func (e Envelope) DetailType() string { return e.Meta.Type + ".v" + strconv.Itoa(e.Meta.Version) }

// Decode unmarshals the event's data into v.
func (e Envelope) Decode(v any) error {
	if err := json.Unmarshal(e.Data, v); err != nil {
		return fmt.Errorf("decode data of %s %s: %w", e.DetailType(), e.Meta.EventID, err)
	}
	return nil
}

// Validate reports every problem with the envelope, wrapped in ErrInvalidEnvelope.
func (e Envelope) Validate() error {
	var problems []string
	m := e.Meta
	if m.EventID == "" {
		problems = append(problems, "meta.eventId is empty")
	} else if err := checkIdentifier(m.EventID, maxEventIDBytes); err != "" {
		problems = append(problems, "meta.eventId "+err)
	}
	if m.CorrelationID == "" {
		problems = append(problems, "meta.correlationId is empty")
	} else if err := checkIdentifier(m.CorrelationID, maxCorrelationIDBytes); err != "" {
		problems = append(problems, "meta.correlationId "+err)
	}
	if m.OccurredAt.IsZero() {
		problems = append(problems, "meta.occurredAt is missing")
	}
	if !domainPattern.MatchString(m.Domain) {
		problems = append(problems, fmt.Sprintf("meta.domain %q must be lower-case letters, digits and '-', starting with a letter", m.Domain))
	}
	if !typePattern.MatchString(m.Type) {
		problems = append(problems, fmt.Sprintf("meta.type %q must be PascalCase letters and digits", m.Type))
	}
	if m.Version < 1 || m.Version > maxVersion {
		problems = append(problems, fmt.Sprintf("meta.version %d must be between 1 and %d", m.Version, maxVersion))
	}
	if m.Actor != nil && m.Actor.ID == "" {
		problems = append(problems, "meta.actor.id is empty")
	}
	if !isJSONObject(e.Data) {
		problems = append(problems, "data must be a JSON object")
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalidEnvelope, strings.Join(problems, "; "))
	}
	return nil
}

// Detail is the EventBridge detail of the event: `{"meta": ..., "data": ...}`.
func (e Envelope) Detail() ([]byte, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	meta := e.Meta
	meta.OccurredAt = meta.OccurredAt.UTC()
	var data bytes.Buffer
	if err := json.Compact(&data, e.Data); err != nil {
		return nil, fmt.Errorf("%w: data: %v", ErrInvalidEnvelope, err)
	}
	b, err := json.Marshal(struct {
		Meta Meta            `json:"meta"`
		Data json.RawMessage `json:"data"`
	}{meta, data.Bytes()})
	if err != nil {
		return nil, fmt.Errorf("marshal detail of %s: %w", e.Meta.EventID, err)
	}
	return b, nil
}

// Entry is the PutEvents entry that puts the event on busName. The entry's time is the event's
// OccurredAt, so archives and replays see when the change happened, not when it was relayed.
func (e Envelope) Entry(busName string) (ebtypes.PutEventsRequestEntry, error) {
	detail, err := e.Detail()
	if err != nil {
		return ebtypes.PutEventsRequestEntry{}, err
	}
	entry := ebtypes.PutEventsRequestEntry{
		EventBusName: aws.String(busName),
		Source:       aws.String(e.Source()),
		DetailType:   aws.String(e.DetailType()),
		Detail:       aws.String(string(detail)),
		Time:         aws.Time(e.Meta.OccurredAt.UTC()),
	}
	if size := entrySize(entry); size > MaxEntryBytes {
		return ebtypes.PutEventsRequestEntry{}, fmt.Errorf("%w: event %s is %d bytes, over EventBridge's %d",
			ErrInvalidEnvelope, e.Meta.EventID, size, MaxEntryBytes)
	}
	return entry, nil
}

// entrySize is how EventBridge sizes an entry: source, detail-type, detail and resources in
// UTF-8 bytes, plus 14 bytes for a time.
func entrySize(entry ebtypes.PutEventsRequestEntry) int {
	size := len(aws.ToString(entry.Source)) + len(aws.ToString(entry.DetailType)) + len(aws.ToString(entry.Detail))
	for _, r := range entry.Resources {
		size += len(r)
	}
	if entry.Time != nil {
		size += 14
	}
	return size
}

func checkIdentifier(s string, maxBytes int) string {
	return text.Rule{MaxBytes: maxBytes}.Check(s)
}

func isJSONObject(raw json.RawMessage) bool {
	trimmed := bytes.TrimLeft(raw, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return false
	}
	return json.Valid(raw)
}
