package notify

import "fmt"

// Channel is one delivery path; each has its own FIFO queue, worker and provider.
type Channel string

// The channels.
const (
	Email Channel = "EMAIL"
	SMS   Channel = "SMS"
	Push  Channel = "PUSH"
)

// AllChannels lists the channels in their fixed order.
func AllChannels() []Channel { return []Channel{Email, SMS, Push} }

// ParseChannel accepts EMAIL, SMS or PUSH.
func ParseChannel(s string) (Channel, error) {
	switch c := Channel(s); c {
	case Email, SMS, Push:
		return c, nil
	}
	return "", fmt.Errorf("unknown channel %q", s)
}

// Type is what a caller asks for: one channel or ALL three.
type Type string

// The notification types.
const (
	TypeEmail Type = "EMAIL"
	TypeSMS   Type = "SMS"
	TypePush  Type = "PUSH"
	TypeAll   Type = "ALL"
)

// Channels is the set of channels a type fans out to, in the fixed channel order; nil for an
// unknown type.
func (t Type) Channels() []Channel {
	switch t {
	case TypeEmail:
		return []Channel{Email}
	case TypeSMS:
		return []Channel{SMS}
	case TypePush:
		return []Channel{Push}
	case TypeAll:
		return AllChannels()
	}
	return nil
}
