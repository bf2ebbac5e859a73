package notify

import "time"

// Status is a channel's delivery state.
type Status string

// The channel statuses. ACCEPTED is the only non-terminal one.
const (
	Accepted     Status = "ACCEPTED"
	Sent         Status = "SENT"
	Failed       Status = "FAILED"
	DeadLettered Status = "DEAD_LETTERED"
)

// Terminal reports whether no worker may act on a channel in this status (a redrive moves
// DEAD_LETTERED back to ACCEPTED first).
func (s Status) Terminal() bool { return s == Sent || s == Failed || s == DeadLettered }

// ChannelState is one channel of one notification.
type ChannelState struct {
	Channel           Channel
	Status            Status
	Provider          string
	Attempts          int
	ProviderMessageID string
	LastError         string
	AcceptedAt        time.Time
	UpdatedAt         time.Time
	SentAt            *time.Time
	Redrives          int
}

// Notification is an accepted request with its channels.
type Notification struct {
	ID            string
	Tenant        string
	Request       Request
	RequestHash   string
	AcceptedAt    time.Time
	CorrelationID string
	Channels      []ChannelState
	Deliveries    []SandboxDelivery
}

// SandboxDelivery is what the sandbox provider recorded instead of sending.
type SandboxDelivery struct {
	NotificationID string
	Tenant         string
	Channel        Channel
	Sequence       int64 // per tenant and channel, in delivery order
	To             string
	Subject        string
	Title          string
	Body           string
	Data           map[string]string
	MessageID      string
	DeliveredAt    time.Time
}

// MaxLastError bounds the provider reason kept on a channel.
const MaxLastError = 500

// TrimReason keeps a provider's reason short enough to store and show.
func TrimReason(s string) string {
	if len(s) <= MaxLastError {
		return s
	}
	cut := MaxLastError
	for cut > 0 && s[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
		cut--
	}
	return s[:cut] + "…"
}
