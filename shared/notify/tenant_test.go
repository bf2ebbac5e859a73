package notify_test

import (
	"reflect"
	"testing"
	"time"

	"holdfast/shared/notify"
	"holdfast/shared/platform/errs"
)

func TestSendingTenant(t *testing.T) {
	acme := notify.Tenant{ID: "acme", Name: "Acme", Providers: map[notify.Channel]string{notify.Email: notify.ProviderBrevo},
		SenderEmail: "no-reply@acme.test", HasBrevo: true, SecretVersion: "v1", CreatedAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
	platform := notify.Tenant{ID: notify.PlatformTenant, Name: "Holdfast", Providers: map[notify.Channel]string{notify.SMS: notify.ProviderTwoFactor},
		HasTwoFac: true, SecretVersion: "v7"}
	cases := []struct {
		name         string
		id           string
		registration notify.Tenant
		registered   bool
		want         notify.Tenant
		refused      bool
	}{
		{"registered tenant sends as registered", "acme", acme, true, acme, false},
		{"unregistered tenant is refused", "acme", notify.Tenant{}, false, notify.Tenant{}, true},
		{"unregistered tenant named like the platform", "platform-2", notify.Tenant{}, false, notify.Tenant{}, true},
		{"the platform's name in another case is another tenant", "Platform", notify.Tenant{}, false, notify.Tenant{}, true},
		{"no tenant at all", "", notify.Tenant{}, false, notify.Tenant{}, true},
		{"unregistered platform tenant uses the default providers", notify.PlatformTenant, notify.Tenant{}, false,
			notify.DefaultTenant(notify.PlatformTenant), false},
		{"registered platform tenant sends as registered", notify.PlatformTenant, platform, true, platform, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := notify.SendingTenant(c.id, c.registration, c.registered)
			if c.refused {
				e, ok := errs.As(err)
				if !ok || e.Kind != errs.KindForbidden || e.Code != notify.CodeTenantNotRegistered ||
					e.Detail != "Your tenant is not registered for notifications." {
					t.Fatalf("%q: %v, want 403 %s", c.id, err, notify.CodeTenantNotRegistered)
				}
				if !reflect.DeepEqual(got, notify.Tenant{}) {
					t.Fatalf("a refused tenant came back as %+v", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("%q: %v", c.id, err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("%q: %+v, want %+v", c.id, got, c.want)
			}
		})
	}
	// The platform's default configuration names no provider, so every channel takes the
	// deployment's default.
	def, _ := notify.SendingTenant(notify.PlatformTenant, notify.Tenant{}, false)
	for _, ch := range notify.AllChannels() {
		if p := def.ProviderFor(ch, "fallback"); p != "fallback" {
			t.Errorf("default platform tenant: %s uses %q", ch, p)
		}
	}
}
