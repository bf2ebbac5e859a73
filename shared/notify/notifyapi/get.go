package notifyapi

import (
	"context"
	"net/http"
	"time"

	"holdfast/shared/notify"
	"holdfast/shared/platform/authz"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/httpapi"
)

type channelView struct {
	Status            notify.Status `json:"status"`
	Provider          string        `json:"provider,omitempty"`
	Attempts          int           `json:"attempts"`
	ProviderMessageID string        `json:"providerMessageId,omitempty"`
	LastError         string        `json:"lastError,omitempty"`
	UpdatedAt         time.Time     `json:"updatedAt"`
	SentAt            *time.Time    `json:"sentAt,omitempty"`
	Redrives          int           `json:"redrives"`
}

type deliveryView struct {
	Channel     notify.Channel    `json:"channel"`
	Sequence    int64             `json:"sequence"`
	To          string            `json:"to"`
	Subject     string            `json:"subject,omitempty"`
	Title       string            `json:"title,omitempty"`
	Body        string            `json:"body"`
	Data        map[string]string `json:"data,omitempty"`
	MessageID   string            `json:"messageId"`
	DeliveredAt time.Time         `json:"deliveredAt"`
}

type notificationView struct {
	NotificationID   string                         `json:"notificationId"`
	TenantID         string                         `json:"tenantId"`
	NotificationType notify.Type                    `json:"notificationType"`
	AcceptedAt       time.Time                      `json:"acceptedAt"`
	Channels         map[notify.Channel]channelView `json:"channels"`
	Deliveries       []deliveryView                 `json:"deliveries"`
}

// Get builds GET /api/v1/notifications/{id}.
func Get(ctx context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
	return GetWith(configEnv(d))(ctx, d)
}

// GetWith builds GET /api/v1/notifications/{id} with an explicit environment.
func GetWith(envOf EnvSource) func(context.Context, *httpapi.Deps) (httpapi.Handler, error) {
	return func(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
		st, err := store(d, envOf())
		if err != nil {
			return nil, err
		}
		return func(r *http.Request) (*httpapi.Response, error) {
			ctx := r.Context()
			if _, err := httpapi.Query(r); err != nil {
				return nil, err
			}
			id := r.PathValue("id")
			if !notify.ValidNotificationID(id) {
				return nil, errs.Validation(errs.Field("id", "is not a notification ID"))
			}
			nt, ok, err := st.Get(ctx, id)
			if err != nil {
				return nil, err
			}
			// Another tenant's notification is indistinguishable from a missing one.
			if !ok || authz.RequireTenant(ctx, nt.Tenant) != nil {
				return nil, errs.NotFound("No such notification.")
			}
			v := notificationView{NotificationID: nt.ID, TenantID: nt.Tenant, NotificationType: nt.Request.NotificationType,
				AcceptedAt: nt.AcceptedAt, Channels: map[notify.Channel]channelView{}, Deliveries: []deliveryView{}}
			for _, c := range nt.Channels {
				v.Channels[c.Channel] = channelView{Status: c.Status, Provider: c.Provider, Attempts: c.Attempts,
					ProviderMessageID: c.ProviderMessageID, LastError: c.LastError, UpdatedAt: c.UpdatedAt, SentAt: c.SentAt, Redrives: c.Redrives}
			}
			for _, dl := range nt.Deliveries {
				v.Deliveries = append(v.Deliveries, deliveryView{Channel: dl.Channel, Sequence: dl.Sequence, To: dl.To, Subject: dl.Subject,
					Title: dl.Title, Body: dl.Body, Data: dl.Data, MessageID: dl.MessageID, DeliveredAt: dl.DeliveredAt})
			}
			return httpapi.JSON(http.StatusOK, v)
		}, nil
	}
}
