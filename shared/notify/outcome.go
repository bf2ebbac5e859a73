package notify

import (
	"fmt"
	"time"
)

// OutcomeKind classifies a provider's answer; it decides what the worker does next.
type OutcomeKind int

const (
	// Delivered: the provider took the message.
	Delivered OutcomeKind = iota
	// Transient: a timeout, a 5xx, a connection failure: retry (SQS redelivers after the
	// visibility timeout, then dead-letters).
	Transient
	// Throttled: the provider asked to wait; retry after RetryAfter.
	Throttled
	// Permanent: the provider will never take this message (bad address, unregistered token,
	// rejected credentials): FAILED at once.
	Permanent
)

func (k OutcomeKind) String() string {
	switch k {
	case Delivered:
		return "delivered"
	case Transient:
		return "transient"
	case Throttled:
		return "throttled"
	case Permanent:
		return "permanent"
	}
	return fmt.Sprintf("outcome(%d)", int(k))
}

// Outcome is a provider's answer to one send.
type Outcome struct {
	Kind       OutcomeKind
	MessageID  string        // the provider's message ID (Delivered)
	RetryAfter time.Duration // Throttled: the provider's hint
	Reason     string        // why not Delivered, in the provider's words (never a key)
}

// Throttle bounds: the least wait honoured and the longest SQS allows (12 h visibility).
const (
	MinThrottleDelay = time.Second
	MaxThrottleDelay = 12 * time.Hour
	// FCMQuotaDelay is the least wait after FCM's QUOTA_EXCEEDED (SPEC §3: at least a minute).
	FCMQuotaDelay = time.Minute
)

// ThrottleDelay clamps a provider's hint to what SQS can do.
func ThrottleDelay(hint time.Duration) time.Duration {
	return min(max(hint, MinThrottleDelay), MaxThrottleDelay)
}
