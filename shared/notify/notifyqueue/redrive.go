package notifyqueue

import (
	"context"
	"fmt"
	"time"

	"holdfast/shared/notify"
	"holdfast/shared/notify/notifystore"
)

// Redriver sends dead-lettered channels back to their queues.
type Redriver struct {
	Store  *notifystore.Store
	Queues *Queues
	Now    func() time.Time
}

// RedriveFilter narrows a redrive; the zero value re-drives up to Limit of everything.
type RedriveFilter struct {
	NotificationID string
	Tenant         string
	Channel        notify.Channel
	Limit          int // 1..500; 0 means 100
}

// Redriven is one channel sent back to its queue.
type Redriven struct {
	NotificationID string         `json:"notificationId"`
	Tenant         string         `json:"tenantId"`
	Channel        notify.Channel `json:"channel"`
	Redrive        int            `json:"redrive"`
}

// Redrive moves each matching dead-lettered channel back to ACCEPTED (conditionally, so two
// concurrent redrives revive it once) and enqueues it with a fresh deduplication ID. A
// channel whose send fails is dead-lettered again so a later redrive finds it.
func (r *Redriver) Redrive(ctx context.Context, f RedriveFilter, correlationID string) ([]Redriven, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	var dead []notifystore.DeadLetter
	var err error
	if f.NotificationID != "" {
		dead, err = r.Store.DeadLettersOf(ctx, f.NotificationID)
	} else {
		dead, err = r.Store.ListDeadLetters(ctx, int32(min(limit*4, 1000)))
	}
	if err != nil {
		return nil, err
	}
	out := []Redriven{}
	for _, d := range dead {
		if len(out) >= limit {
			break
		}
		if (f.Tenant != "" && d.Tenant != f.Tenant) || (f.Channel != "" && d.Channel != f.Channel) {
			continue
		}
		gen, ok, err := r.Store.Revive(ctx, d.NotificationID, d.Channel, r.Now())
		if err != nil {
			return out, err
		}
		if !ok {
			continue
		}
		msg := notify.Message{NotificationID: d.NotificationID, Tenant: d.Tenant, Channel: d.Channel, Redrive: gen}
		if err := r.Queues.Send(ctx, correlationID, msg); err != nil {
			if _, merr := r.Store.MarkDeadLettered(ctx, d.NotificationID, d.Channel, r.Now()); merr != nil {
				return out, fmt.Errorf("%w; and it could not be dead-lettered again: %v", err, merr)
			}
			return out, err
		}
		out = append(out, Redriven{NotificationID: d.NotificationID, Tenant: d.Tenant, Channel: d.Channel, Redrive: gen})
	}
	return out, nil
}
