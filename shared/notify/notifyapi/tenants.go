package notifyapi

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"holdfast/shared/notify"
	"holdfast/shared/notify/notifyqueue"
	"holdfast/shared/notify/notifystore"
	"holdfast/shared/platform/audit"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/httpapi"
	"holdfast/shared/platform/page"
)

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
				return nil, errs.Conflict(notify.CodeTenantExists, "A tenant with this ID is registered already.")
			}
			if sec.HasSecret() {
				if t.SecretVersion, err = secrets.Put(ctx, t.ID, sec); err != nil {
					return nil, err
				}
			}
			if err := st.PutTenant(ctx, t); errors.Is(err, notifystore.ErrTenantExists) {
				return nil, errs.Conflict(notify.CodeTenantExists, "A tenant with this ID is registered already.")
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
			var v errs.Validator
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
