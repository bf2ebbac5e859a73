package provider

import (
	"context"
	"time"

	"holdfast/shared/notify"
)

// Recorder keeps what the sandbox would have sent (notifystore implements it), exactly once
// per notification and channel, and returns the recorded delivery.
type Recorder interface {
	RecordSandbox(ctx context.Context, d notify.SandboxDelivery) (notify.SandboxDelivery, error)
}

// Sandbox is the local default provider: it records each delivery in the notify table, where
// GET /api/v1/notifications/{id} lists it, instead of sending anything.
type Sandbox struct {
	Recorder Recorder
	Now      func() time.Time
}

// Send implements Sender.
func (s *Sandbox) Send(ctx context.Context, m Message) notify.Outcome {
	d, err := s.Recorder.RecordSandbox(ctx, notify.SandboxDelivery{
		NotificationID: m.NotificationID, Tenant: m.Tenant, Channel: m.Channel, To: m.To,
		Subject: m.Subject, Title: m.Title, Body: m.Body, Data: m.Data,
		MessageID: "sandbox:" + m.NotificationID + ":" + string(m.Channel), DeliveredAt: s.Now(),
	})
	if err != nil {
		return notify.Outcome{Kind: notify.Transient, Reason: "sandbox: record failed"}
	}
	return notify.Outcome{Kind: notify.Delivered, MessageID: d.MessageID}
}
