package notifyapi

import (
	"context"
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

// tenantPos is where a page of tenants ends: the next page lists the IDs after After.
type tenantPos struct {
	After string `json:"after"`
}

// tenantCursor is the cursor codec of the tenant list (one list, selected by nothing).
var tenantCursor = page.For("tenants")

// ListTenants builds GET /api/v1/tenants?limit=&cursor= (admin): the tenants in ID order;
// limit 1..100, default 50, one Query per page.
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
			limit, err := page.Limit(q, 50, 100)
			if err != nil {
				return nil, err
			}
			var pos tenantPos
			if ok, err := tenantCursor.Parse(q, &pos); err != nil {
				return nil, err
			} else if ok && !notify.ValidTenantID(pos.After) {
				return nil, errs.InvalidCursor() // never issued: not a tenant ID
			}
			ts, next, err := st.ListTenants(r.Context(), int32(limit), pos.After)
			if err != nil {
				return nil, err
			}
			out := tenantPage{Items: []tenantView{}}
			for _, t := range ts {
				out.Items = append(out.Items, viewTenant(t, env))
			}
			if next != "" {
				if out.NextCursor, err = tenantCursor.Next(tenantPos{After: next}); err != nil {
					return nil, err
				}
			}
			return httpapi.JSON(http.StatusOK, out)
		}, nil
	}
}
