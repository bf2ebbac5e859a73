package events

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
)

// Received is one event as a consumer gets it from the bus, directly or through an SQS queue.
type Received struct {
	Envelope
	// BusEventID is EventBridge's id for this publication. It changes when the relay publishes the
	// same change twice; idempotency keys on Meta.EventID instead.
	BusEventID string
	// Time is EventBridge's event time (the entry's time, which the relay sets to OccurredAt).
	Time    time.Time
	Account string
	Region  string
}

// busEvent is the JSON EventBridge delivers to a target (an SQS message body, for example).
type busEvent struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Time       time.Time       `json:"time"`
	Region     string          `json:"region"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
}

// Parse reads an EventBridge event as a rule target receives it (for an SQS target, the message
// body) and validates that it is a well-formed Holdfast event.
func Parse(body []byte) (Received, error) {
	var ev busEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		return Received{}, fmt.Errorf("%w: not an EventBridge event: %v", ErrInvalidEnvelope, err)
	}
	env, err := ParseDetail(ev.Source, ev.DetailType, ev.Detail)
	if err != nil {
		return Received{}, err
	}
	return Received{Envelope: env, BusEventID: ev.ID, Time: ev.Time, Account: ev.Account, Region: ev.Region}, nil
}

// Delivered is env as an EventBridge rule delivers it to a target — the body of the SQS
// message — with busEventID as EventBridge's id; Parse reads it back. Tests and tools use it to
// hand a consumer exactly what the bus would.
func Delivered(env Envelope, busEventID, account, region string) ([]byte, error) {
	detail, err := env.Detail()
	if err != nil {
		return nil, err
	}
	return json.Marshal(busEvent{Version: "0", ID: busEventID, DetailType: env.DetailType(), Source: env.Source(),
		Account: account, Time: env.Meta.OccurredAt.UTC(), Region: region, Resources: []string{}, Detail: detail})
}

// ParseSQS reads an event delivered by an EventBridge rule to an SQS queue.
func ParseSQS(msg lambdaevents.SQSMessage) (Received, error) {
	rec, err := Parse([]byte(msg.Body))
	if err != nil {
		return Received{}, fmt.Errorf("sqs message %s: %w", msg.MessageId, err)
	}
	return rec, nil
}

// FromCloudWatchEvent reads an event delivered by an EventBridge rule straight to a function.
func FromCloudWatchEvent(ev lambdaevents.CloudWatchEvent) (Received, error) {
	env, err := ParseDetail(ev.Source, ev.DetailType, ev.Detail)
	if err != nil {
		return Received{}, err
	}
	return Received{Envelope: env, BusEventID: ev.ID, Time: ev.Time, Account: ev.AccountID, Region: ev.Region}, nil
}

// ParseDetail validates an event's source and detail-type against the envelope in its detail.
// Unknown fields are tolerated so that producers can add fields within a version.
func ParseDetail(source, detailType string, detail []byte) (Envelope, error) {
	if !strings.HasPrefix(source, SourcePrefix) {
		return Envelope{}, fmt.Errorf("%w: source %q is not a Holdfast source", ErrInvalidEnvelope, source)
	}
	m := detailTypePattern.FindStringSubmatch(detailType)
	if m == nil {
		return Envelope{}, fmt.Errorf("%w: detail-type %q is not <Type>.v<version>", ErrInvalidEnvelope, detailType)
	}
	version, err := strconv.Atoi(m[2])
	if err != nil {
		return Envelope{}, fmt.Errorf("%w: detail-type %q: %v", ErrInvalidEnvelope, detailType, err)
	}
	if !isJSONObject(detail) {
		return Envelope{}, fmt.Errorf("%w: detail of %s is not a JSON object", ErrInvalidEnvelope, detailType)
	}
	var env Envelope
	if err := json.Unmarshal(detail, &env); err != nil {
		return Envelope{}, fmt.Errorf("%w: detail of %s: %v", ErrInvalidEnvelope, detailType, err)
	}
	if err := env.Validate(); err != nil {
		return Envelope{}, fmt.Errorf("%s: %w", detailType, err)
	}
	if got := env.Source(); got != source {
		return Envelope{}, fmt.Errorf("%w: source %q does not match meta.domain %q", ErrInvalidEnvelope, source, env.Meta.Domain)
	}
	if env.Meta.Type != m[1] || env.Meta.Version != version {
		return Envelope{}, fmt.Errorf("%w: detail-type %q does not match meta %s.v%d",
			ErrInvalidEnvelope, detailType, env.Meta.Type, env.Meta.Version)
	}
	return env, nil
}
