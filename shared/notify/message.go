package notify

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Message is the body of a channel queue message: which channel of which notification to
// deliver. The content is read from the notification record, so a redrive needs only this.
type Message struct {
	NotificationID string  `json:"notificationId"`
	Tenant         string  `json:"tenantId"`
	Channel        Channel `json:"channel"`
	Redrive        int     `json:"redrive,omitempty"`
}

// DeduplicationID is the FIFO deduplication ID: notificationId:channel, suffixed with the
// redrive generation after a redrive (SQS would otherwise drop a resend within five minutes).
func (m Message) DeduplicationID() string {
	if m.Redrive > 0 {
		return fmt.Sprintf("%s:%s:r%d", m.NotificationID, m.Channel, m.Redrive)
	}
	return m.NotificationID + ":" + string(m.Channel)
}

// GroupID is the FIFO message group: one tenant's messages on a channel stay in order.
func (m Message) GroupID() string { return m.Tenant }

// ParseMessage reads and checks a queue message body.
func ParseMessage(body string) (Message, error) {
	var m Message
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		return Message{}, fmt.Errorf("message body: %w", err)
	}
	if !ValidNotificationID(m.NotificationID) {
		return Message{}, errors.New("message: bad notificationId")
	}
	if !ValidTenantID(m.Tenant) {
		return Message{}, errors.New("message: bad tenantId")
	}
	if _, err := ParseChannel(string(m.Channel)); err != nil {
		return Message{}, fmt.Errorf("message: %w", err)
	}
	if m.Redrive < 0 {
		return Message{}, errors.New("message: negative redrive")
	}
	return m, nil
}

// IntakeMessage is the body of an internal enqueue (lending, clinic): the request and the
// key that makes it idempotent, always under the platform tenant.
type IntakeMessage struct {
	IdempotencyKey string  `json:"idempotencyKey"`
	Request        Request `json:"request"`
}
