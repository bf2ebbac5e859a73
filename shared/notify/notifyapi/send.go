package notifyapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"holdfast/shared/notify"
	"holdfast/shared/notify/notifyqueue"
	"holdfast/shared/notify/notifystore"
	"holdfast/shared/platform/audit"
	"holdfast/shared/platform/authz"
	"holdfast/shared/platform/correlation"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/httpapi"
	"holdfast/shared/platform/idempotency"
)

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
			key, err := idempotency.RequireKey(r)
			if err != nil {
				return nil, err
			}
			var req notify.Request
			if err := httpapi.Decode(r, &req); err != nil {
				return nil, err
			}
			if _, err := req.Validate(); err != nil {
				return nil, err
			}
			registration, registered, err := st.GetTenant(ctx, tenantID)
			if err != nil {
				return nil, err
			}
			tenant, err := notify.SendingTenant(tenantID, registration, registered)
			if err != nil {
				return nil, err
			}
			res, err := acc.Accept(ctx, tenant, key, req, correlation.FromContext(ctx), d.Clock.Now(ctx))
			if errors.Is(err, notifyqueue.ErrKeyReuse) {
				return nil, errs.Unprocessable(idempotency.CodeKeyReuse, "This Idempotency-Key was used for a different request.")
			}
			if err != nil {
				return nil, err
			}
			audit.SetEntity(ctx, "notification", res.Notification.ID)
			view := acceptedView{NotificationID: res.Notification.ID, Channels: map[notify.Channel]string{}}
			for _, c := range res.Notification.Channels {
				view.Channels[c.Channel] = string(notify.Accepted)
			}
			resp, err := httpapi.JSONAt(http.StatusAccepted, "/api/v1/notifications/"+res.Notification.ID, view)
			if err != nil {
				return nil, err
			}
			if res.Replayed {
				resp.Header.Set(idempotency.HeaderReplayed, "true")
			}
			return resp, nil
		}, nil
	}
}
