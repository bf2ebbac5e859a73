package notifyqueue

import (
	"context"
	"errors"
	"time"

	"holdfast/shared/notify"
	"holdfast/shared/notify/notifystore"
)

// ErrKeyReuse: the Idempotency-Key was used before for a different request.
var ErrKeyReuse = errors.New("idempotency key reused for a different request")

// Acceptor is the one path by which a notification is accepted.
type Acceptor struct {
	Store  *notifystore.Store
	Queues *Queues
	Env    Env
}

// Accepted is the result of Accept.
type Accepted struct {
	Notification notify.Notification
	Replayed     bool // the same request with the same key was accepted before
}

// Accept validates req, records it under the deterministic ID of (tenant, key) with one
// ACCEPTED item per channel, and enqueues one message per channel. A replay (same key, same
// request) records nothing new and re-sends the messages of channels still ACCEPTED (FIFO
// deduplication and the workers' claims make that harmless), which also heals a crash
// between the record and the sends. Validation errors come back as problem values.
func (a *Acceptor) Accept(ctx context.Context, tenant notify.Tenant, key string, req notify.Request, correlationID string, now time.Time) (Accepted, error) {
	channels, err := req.Validate()
	if err != nil {
		return Accepted{}, err
	}
	nt := notify.Notification{ID: notify.NotificationID(tenant.ID, key), Tenant: tenant.ID, Request: req,
		RequestHash: req.Hash(), AcceptedAt: now, CorrelationID: correlationID}
	for _, c := range channels {
		nt.Channels = append(nt.Channels, notify.ChannelState{Channel: c, Status: notify.Accepted,
			Provider: tenant.ProviderFor(c, a.Env.DefaultProviderFor(c)), AcceptedAt: now, UpdatedAt: now})
	}
	stored, err := a.Store.Accept(ctx, nt)
	replayed := false
	switch {
	case errors.Is(err, notifystore.ErrExists):
		if stored.Tenant != tenant.ID || stored.RequestHash != nt.RequestHash {
			return Accepted{}, ErrKeyReuse
		}
		replayed = true
	case err != nil:
		return Accepted{}, err
	}
	var msgs []notify.Message
	for _, c := range stored.Channels {
		if c.Status == notify.Accepted {
			msgs = append(msgs, notify.Message{NotificationID: stored.ID, Tenant: stored.Tenant, Channel: c.Channel, Redrive: c.Redrives})
		}
	}
	if err := a.Queues.Send(ctx, correlationID, msgs...); err != nil {
		return Accepted{}, err
	}
	return Accepted{Notification: stored, Replayed: replayed}, nil
}
