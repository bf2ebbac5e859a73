package notifyapi

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"holdfast/shared/notify"
	"holdfast/shared/notify/notifyqueue"
	"holdfast/shared/notify/notifystore"
	"holdfast/shared/platform/audit"
	"holdfast/shared/platform/authz"
	"holdfast/shared/platform/correlation"
	"holdfast/shared/platform/httpapi"
	"holdfast/shared/platform/idempotency"
	"holdfast/shared/platform/page"
	"holdfast/shared/platform/problem"
)

// Problem codes of the notification routes.
const (
	CodeTenantNotRegistered = "tenant_not_registered"
	CodeTenantExists        = "tenant_exists"
)

// EnvSource yields the notification environment; production derives it from the function's
// configuration (configEnv).
type EnvSource func() notifyqueue.Env

func configEnv(d *httpapi.Deps) EnvSource {
	return func() notifyqueue.Env { return notifyqueue.EnvOf(d.Config) }
}

func store(d *httpapi.Deps, env notifyqueue.Env) (*notifystore.Store, error) {
	if err := env.Require(true, false); err != nil {
		return nil, err
	}
	return notifystore.New(d.DynamoDB, env.Table), nil
}

// ---------------------------------------------------------------- POST /api/v1/notify

type acceptedView struct {
	NotificationID string                    `json:"notificationId"`
	Channels       map[notify.Channel]string `json:"channels"`
}

// Send builds POST /api/v1/notify.
func Send(ctx context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
	return SendWith(configEnv(d))(ctx, d)
}

// SendWith builds POST /api/v1/notify with an explicit environment (tests).
func SendWith(envOf EnvSource) func(context.Context, *httpapi.Deps) (httpapi.Handler, error) {
	return func(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
		env := envOf()
		if err := env.Require(true, true); err != nil {
			return nil, err
		}
		st := notifystore.New(d.DynamoDB, env.Table)
		acc := &notifyqueue.Acceptor{Store: st, Queues: &notifyqueue.Queues{SQS: sqs.NewFromConfig(d.AWS), URLs: env.QueueURLs}, Env: env}
		return func(r *http.Request) (*httpapi.Response, error) {
			ctx := r.Context()
			tenantID, err := authz.CallerTenant(ctx)
			if err != nil {
				return nil, err
			}
			key := httpapi.Header(r, idempotency.HeaderKey)
			if key == "" {
				return nil, problem.BadRequest(idempotency.CodeKeyRequired, "This route needs an Idempotency-Key header.",
					problem.Field(idempotency.HeaderKey, "is required"))
			}
			if !idempotency.ValidKey(key) {
				return nil, problem.BadRequest(idempotency.CodeKeyInvalid, "The Idempotency-Key header is not valid.",
					problem.Field(idempotency.HeaderKey, "must be 1..255 printable ASCII characters"))
			}
			var req notify.Request
			if err := httpapi.Decode(r, &req); err != nil {
				return nil, err
			}
			if _, err := req.Validate(); err != nil {
				return nil, err
			}
			tenant, ok, err := st.GetTenant(ctx, tenantID)
			if err != nil {
				return nil, err
			}
			if !ok {
				if tenantID != notify.PlatformTenant {
					return nil, problem.New(http.StatusForbidden, CodeTenantNotRegistered, "Your tenant is not registered for notifications.")
				}
				tenant = notify.DefaultTenant(tenantID)
			}
			res, err := acc.Accept(ctx, tenant, key, req, correlation.FromContext(ctx), d.Clock.Now(ctx))
			if errors.Is(err, notifyqueue.ErrKeyReuse) {
				return nil, problem.Unprocessable(idempotency.CodeKeyReuse, "This Idempotency-Key was used for a different request.")
			}
			if err != nil {
				return nil, err
			}
			audit.SetEntity(ctx, "notification", res.Notification.ID)
			view := acceptedView{NotificationID: res.Notification.ID, Channels: map[notify.Channel]string{}}
			for _, c := range res.Notification.Channels {
				view.Channels[c.Channel] = string(notify.Accepted)
			}
			resp, err := httpapi.JSON(http.StatusAccepted, view)
			if err != nil {
				return nil, err
			}
			resp.Header.Set("Location", "/api/v1/notifications/"+res.Notification.ID)
			if res.Replayed {
				resp.Header.Set(idempotency.HeaderReplayed, "true")
			}
			return resp, nil
		}, nil
	}
}

// ---------------------------------------------------------------- GET /api/v1/notifications/{id}

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
			id := httpapi.PathParams(ctx)["id"]
			if !notify.ValidNotificationID(id) {
				return nil, problem.Validation(problem.Field("id", "is not a notification ID"))
			}
			nt, ok, err := st.Get(ctx, id)
			if err != nil {
				return nil, err
			}
			// Another tenant's notification is indistinguishable from a missing one.
			if !ok || authz.RequireTenant(ctx, nt.Tenant) != nil {
				return nil, problem.NotFound("No such notification.")
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

// ---------------------------------------------------------------- tenants

type tenantView struct {
	TenantID  string                    `json:"tenantId"`
	Name      string                    `json:"name"`
	Providers map[notify.Channel]string `json:"providers"`
	Brevo     *brevoView                `json:"brevo,omitempty"`
	TwoFactor *twoFactorView            `json:"twoFactor,omitempty"`
	Firebase  *firebaseView             `json:"firebase,omitempty"`
	CreatedAt time.Time                 `json:"createdAt"`
}

type brevoView struct {
	SenderEmail string `json:"senderEmail"`
	SenderName  string `json:"senderName,omitempty"`
	APIKeySet   bool   `json:"apiKeySet"`
}

type twoFactorView struct {
	SenderID  string `json:"senderId,omitempty"`
	APIKeySet bool   `json:"apiKeySet"`
}

type firebaseView struct {
	ProjectID         string `json:"projectId"`
	ClientEmail       string `json:"clientEmail"`
	ServiceAccountSet bool   `json:"serviceAccountSet"`
}

func viewTenant(t notify.Tenant, env notifyqueue.Env) tenantView {
	v := tenantView{TenantID: t.ID, Name: t.Name, Providers: map[notify.Channel]string{}, CreatedAt: t.CreatedAt}
	for _, c := range notify.AllChannels() {
		v.Providers[c] = t.ProviderFor(c, env.DefaultProviderFor(c))
	}
	if t.HasBrevo {
		v.Brevo = &brevoView{SenderEmail: t.SenderEmail, SenderName: t.SenderName, APIKeySet: true}
	}
	if t.HasTwoFac {
		v.TwoFactor = &twoFactorView{SenderID: t.SMSSender, APIKeySet: true}
	}
	if t.HasFirebase {
		v.Firebase = &firebaseView{ProjectID: t.FCMProject, ClientEmail: t.FCMAccount, ServiceAccountSet: true}
	}
	return v
}

// CreateTenant builds POST /api/v1/tenants.
func CreateTenant(ctx context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
	return CreateTenantWith(configEnv(d))(ctx, d)
}

// CreateTenantWith builds POST /api/v1/tenants with an explicit environment.
func CreateTenantWith(envOf EnvSource) func(context.Context, *httpapi.Deps) (httpapi.Handler, error) {
	return func(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
		env := envOf()
		st, err := store(d, env)
		if err != nil {
			return nil, err
		}
		secrets := notifystore.NewSecrets(secretsmanager.NewFromConfig(d.AWS), env.SecretPrefix)
		return func(r *http.Request) (*httpapi.Response, error) {
			ctx := r.Context()
			var req notify.TenantRequest
			if err := httpapi.Decode(r, &req); err != nil {
				return nil, err
			}
			t, sec, err := req.Validate(d.Clock.Now(ctx))
			if err != nil {
				return nil, err
			}
			audit.SetEntity(ctx, "tenant", t.ID)
			// Never touch an existing tenant's secret: refuse first, then store the secret, then
			// the tenant (a worker never sees a tenant whose credentials are not stored yet).
			if _, exists, err := st.GetTenant(ctx, t.ID); err != nil {
				return nil, err
			} else if exists {
				return nil, problem.Conflict(CodeTenantExists, "A tenant with this ID is registered already.")
			}
			if sec.HasSecret() {
				if t.SecretVersion, err = secrets.Put(ctx, t.ID, sec); err != nil {
					return nil, err
				}
			}
			if err := st.PutTenant(ctx, t); errors.Is(err, notifystore.ErrTenantExists) {
				return nil, problem.Conflict(CodeTenantExists, "A tenant with this ID is registered already.")
			} else if err != nil {
				return nil, err
			}
			resp, err := httpapi.JSON(http.StatusCreated, viewTenant(t, env))
			if err != nil {
				return nil, err
			}
			return resp, nil
		}, nil
	}
}

type tenantPage struct {
	Items      []tenantView `json:"items"`
	NextCursor *string      `json:"nextCursor"`
}

// ListTenants builds GET /api/v1/tenants?limit=&cursor=.
func ListTenants(ctx context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
	return ListTenantsWith(configEnv(d))(ctx, d)
}

// ListTenantsWith builds GET /api/v1/tenants with an explicit environment.
func ListTenantsWith(envOf EnvSource) func(context.Context, *httpapi.Deps) (httpapi.Handler, error) {
	return func(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
		env := envOf()
		st, err := store(d, env)
		if err != nil {
			return nil, err
		}
		return func(r *http.Request) (*httpapi.Response, error) {
			q, err := httpapi.Query(r, "limit", "cursor")
			if err != nil {
				return nil, err
			}
			var v problem.Validator
			limit, err := page.Limit(q, 50, 100)
			if err := v.Merge(err); err != nil {
				return nil, err
			}
			after := ""
			if c, ok := q["cursor"]; ok {
				b, err := base64.RawURLEncoding.DecodeString(c)
				if v.Check(err == nil && notify.ValidTenantID(string(b)), "cursor", "is not a cursor this route issued") {
					after = string(b)
				}
			}
			if err := v.Err(); err != nil {
				return nil, err
			}
			ts, next, err := st.ListTenants(r.Context(), int32(limit), after)
			if err != nil {
				return nil, err
			}
			page := tenantPage{Items: []tenantView{}}
			for _, t := range ts {
				page.Items = append(page.Items, viewTenant(t, env))
			}
			if next != "" {
				c := base64.RawURLEncoding.EncodeToString([]byte(next))
				page.NextCursor = &c
			}
			return httpapi.JSON(http.StatusOK, page)
		}, nil
	}
}

// ---------------------------------------------------------------- redrive

type redriveRequest struct {
	NotificationID string `json:"notificationId,omitempty"`
	TenantID       string `json:"tenantId,omitempty"`
	Channel        string `json:"channel,omitempty"`
	Limit          *int   `json:"limit,omitempty"`
}

type redriveView struct {
	Count    int                    `json:"count"`
	Redriven []notifyqueue.Redriven `json:"redriven"`
}

// Redrive builds POST /api/v1/notifications/dead-letters/redrive.
func Redrive(ctx context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
	return RedriveWith(configEnv(d))(ctx, d)
}

// RedriveWith builds the redrive route with an explicit environment.
func RedriveWith(envOf EnvSource) func(context.Context, *httpapi.Deps) (httpapi.Handler, error) {
	return func(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
		env := envOf()
		if err := env.Require(true, true); err != nil {
			return nil, err
		}
		rd := &notifyqueue.Redriver{Store: notifystore.New(d.DynamoDB, env.Table),
			Queues: &notifyqueue.Queues{SQS: sqs.NewFromConfig(d.AWS), URLs: env.QueueURLs}}
		return func(r *http.Request) (*httpapi.Response, error) {
			ctx := r.Context()
			var req redriveRequest
			if _, err := httpapi.DecodeOptional(r, &req); err != nil {
				return nil, err
			}
			f, err := req.filter()
			if err != nil {
				return nil, err
			}
			rdc := *rd
			rdc.Now = func() time.Time { return d.Clock.Now(ctx) }
			out, err := rdc.Redrive(ctx, f, correlation.FromContext(ctx))
			if err != nil {
				return nil, err
			}
			return httpapi.JSON(http.StatusOK, redriveView{Count: len(out), Redriven: out})
		}, nil
	}
}

func (r redriveRequest) filter() (notifyqueue.RedriveFilter, error) {
	var v problem.Validator
	f := notifyqueue.RedriveFilter{NotificationID: r.NotificationID, Tenant: r.TenantID}
	if r.NotificationID != "" {
		v.Check(notify.ValidNotificationID(r.NotificationID), "notificationId", "is not a notification ID")
	}
	if r.TenantID != "" {
		v.Check(notify.ValidTenantID(r.TenantID), "tenantId", "is not a tenant ID")
	}
	if r.Channel != "" {
		c, err := notify.ParseChannel(r.Channel)
		if v.Check(err == nil, "channel", "must be EMAIL, SMS or PUSH") {
			f.Channel = c
		}
	}
	if r.Limit != nil {
		if v.Check(*r.Limit >= 1 && *r.Limit <= 500, "limit", "must be from 1 to 500") {
			f.Limit = *r.Limit
		}
	}
	return f, v.Err()
}
