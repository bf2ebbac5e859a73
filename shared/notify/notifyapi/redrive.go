package notifyapi

import (
	"context"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"holdfast/shared/notify"
	"holdfast/shared/notify/notifyqueue"
	"holdfast/shared/notify/notifystore"
	"holdfast/shared/platform/correlation"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/httpapi"
)

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
	var v errs.Validator
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
