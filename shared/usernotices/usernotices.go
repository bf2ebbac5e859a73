// Package usernotices hands the messages the platform owes its users to the notification platform:
// lending's disbursal notice, EMI reminders (3 days ahead), due and overdue notices, and the
// clinic's booking confirmation and "you are next". It consumes those domain events from the
// bus, looks up where the user asked to be reached (their profile's email, phone and push
// token: PATCH /api/v1/me) and enqueues one notification per channel through the internal
// intake path, under the platform tenant.
//
// Exactly once: the notification's idempotency key is the event's ID and the channel, so an
// event delivered twice — or published twice by the relay — names the same notification and
// is sent once. A user with no contact on file gets nothing (counted, not retried). It must
// never put a contact detail in a log line or on the bus, or decide anything a product's
// rules own: it only words what already happened.
package usernotices

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"holdfast/shared/clinic"
	"holdfast/shared/clinic/clinicrelay"
	"holdfast/shared/lending"
	"holdfast/shared/lending/lendingrelay"
	"holdfast/shared/notify"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/events"
	"holdfast/shared/platform/metrics"
)

// Contacts reads a user's contact; found is false when the user has no profile.
type Contacts interface {
	Contact(ctx context.Context, userID string) (c lending.Contact, found bool, err error)
}

// Doctors reads a doctor, for the name in clinic messages.
type Doctors interface {
	Doctor(ctx context.Context, id string) (clinic.Doctor, error)
}

// Enqueuer is the notification platform's internal intake (notifyqueue.Client).
type Enqueuer interface {
	Enqueue(ctx context.Context, key string, req notify.Request) (string, error)
}

// Handler is the notices function.
type Handler struct {
	Contacts Contacts
	Doctors  Doctors
	Notify   Enqueuer
	Log      *slog.Logger
	Metrics  *metrics.Emitter // optional
}

// Message is what one event says to its user, before it is addressed to a channel.
type Message struct {
	UserID  string
	Kind    string // e.g. "emi-reminder": the push data's "kind" and the metric's dimension
	Subject string // email subject and push title
	Body    string // plain text, GSM-7 friendly (no currency symbol) so an SMS stays one encoding
	Data    map[string]string
}

// Event types the handler words; anything else on its queue is ignored.
var (
	lendingTypes = map[string]bool{
		lendingrelay.TypeLoanDisbursed: true, lendingrelay.TypeInstallmentReminder: true,
		lendingrelay.TypeInstallmentDue: true, lendingrelay.TypeInstallmentOverdue: true,
	}
	clinicTypes = map[string]bool{clinicrelay.TypeBooked: true, clinicrelay.TypeUpNext: true}
)

// Handle processes a batch of delivered events; a message whose contact or doctor cannot be
// read, or that cannot be enqueued, fails alone and comes back.
func (h *Handler) Handle(ctx context.Context, ev lambdaevents.SQSEvent) (lambdaevents.SQSEventResponse, error) {
	return events.EachSQS(ctx, ev, h.Log, h.handle), nil
}

func (h *Handler) handle(ctx context.Context, rec events.Received) error {
	msg, ok, err := h.word(ctx, rec)
	if err != nil || !ok {
		return err
	}
	c, found, err := h.Contacts.Contact(ctx, msg.UserID)
	if err != nil {
		return fmt.Errorf("read contact: %w", err)
	}
	if !found || c.Empty() {
		h.Log.InfoContext(ctx, "notice not sent: no contact on file", "eventId", rec.Meta.EventID, "kind", msg.Kind, "userId", msg.UserID)
		h.count(ctx, "NoticesWithoutContact", msg.Kind)
		return nil
	}
	for _, req := range Requests(msg, c) {
		key := Key(rec.Meta.EventID, req.NotificationType)
		id, err := h.Notify.Enqueue(ctx, key, req)
		if err != nil {
			if p, ok := errs.As(err); ok && p.Kind == errs.KindInvalid {
				// A contact that no longer validates (rules tightened since it was saved): the
				// message can never be sent; retrying would only dead-letter it.
				h.Log.WarnContext(ctx, "notice not sent: rejected by the notification platform", "eventId", rec.Meta.EventID,
					"kind", msg.Kind, "channel", string(req.NotificationType), "error", p.Detail)
				continue
			}
			return err
		}
		h.Log.InfoContext(ctx, "notice enqueued", "eventId", rec.Meta.EventID, "kind", msg.Kind, "userId", msg.UserID,
			"channel", string(req.NotificationType), "notificationId", id)
		h.count(ctx, "NoticesEnqueued", msg.Kind)
	}
	return nil
}

func (h *Handler) count(ctx context.Context, name, kind string) {
	if h.Metrics != nil {
		_ = h.Metrics.Count(ctx, name, map[string]string{"kind": kind})
	}
}

// Key is the idempotency key of an event's notification on one channel: readable when it fits,
// otherwise a digest of the same parts.
func Key(eventID string, t notify.Type) string {
	k := "notice:" + eventID + ":" + string(t)
	if len(k) <= notify.MaxIdempotency {
		return k
	}
	sum := sha256.Sum256([]byte(eventID))
	return "notice:sha256:" + hex.EncodeToString(sum[:]) + ":" + string(t)
}

// Requests addresses msg to every channel c has, one request per channel.
func Requests(msg Message, c lending.Contact) []notify.Request {
	var out []notify.Request
	if c.Email != "" {
		out = append(out, notify.Request{NotificationType: notify.TypeEmail, Email: c.Email, Subject: msg.Subject, Body: msg.Body, Data: msg.Data})
	}
	if c.Phone != "" {
		out = append(out, notify.Request{NotificationType: notify.TypeSMS, Phone: c.Phone, Body: msg.Subject + ": " + msg.Body, Data: msg.Data})
	}
	if c.FCMToken != "" {
		out = append(out, notify.Request{NotificationType: notify.TypePush, FCMToken: c.FCMToken, Title: msg.Subject, Body: msg.Body, Data: msg.Data})
	}
	return out
}

// word turns an event into its message; ok is false for an event the handler does not word.
func (h *Handler) word(ctx context.Context, rec events.Received) (Message, bool, error) {
	typ := rec.Meta.Type
	switch {
	case rec.Source() == events.SourcePrefix+lendingrelay.Domain && lendingTypes[typ]:
		if typ == lendingrelay.TypeLoanDisbursed {
			var l lendingrelay.LoanChanged
			if err := rec.Decode(&l); err != nil {
				return Message{}, false, err
			}
			return Disbursed(l), true, nil
		}
		var n lendingrelay.Notice
		if err := rec.Decode(&n); err != nil {
			return Message{}, false, err
		}
		return Installment(typ, n), true, nil
	case rec.Source() == events.SourcePrefix+clinicrelay.Domain && clinicTypes[typ]:
		if typ == clinicrelay.TypeUpNext {
			var u clinicrelay.UpNext
			if err := rec.Decode(&u); err != nil {
				return Message{}, false, err
			}
			doc, err := h.doctor(ctx, u.DoctorID)
			if err != nil {
				return Message{}, false, err
			}
			return UpNext(u, doc), true, nil
		}
		var a clinicrelay.AppointmentChanged
		if err := rec.Decode(&a); err != nil {
			return Message{}, false, err
		}
		doc, err := h.doctor(ctx, a.DoctorID)
		if err != nil {
			return Message{}, false, err
		}
		return Booked(a, doc), true, nil
	}
	return Message{}, false, nil
}

func (h *Handler) doctor(ctx context.Context, id string) (clinic.Doctor, error) {
	doc, err := h.Doctors.Doctor(ctx, id)
	if errs.KindOf(err) == errs.KindNotFound && err != nil {
		return clinic.Doctor{ID: id, Name: "your doctor"}, nil // a retry would not find it either
	}
	if err != nil {
		return clinic.Doctor{}, fmt.Errorf("read doctor %s: %w", id, err)
	}
	return doc, nil
}
