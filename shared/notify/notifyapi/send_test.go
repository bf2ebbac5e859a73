package notifyapi_test

import (
	"slices"
	"strings"
	"testing"

	"holdfast/shared/notify"
)

// TestSendTenantMustBeRegistered: a service bound to a tenant that never registered is 403
// tenant_not_registered and nothing is recorded; a registered tenant and the unregistered
// platform tenant are accepted.
func TestSendTenantMustBeRegistered(t *testing.T) {
	e := notifySetup(t)
	e.register(t, "acme")
	before := e.items(t, notifyTable)
	r := e.notifyCall(t, service("svc-ghost", "never-registered"), "k1", smsBody)
	if code, detail, _ := problemOf(t, r); r.StatusCode != 403 || code != notify.CodeTenantNotRegistered ||
		detail != "Your tenant is not registered for notifications." {
		t.Fatalf("unregistered tenant: %d %s", r.StatusCode, r.Body)
	}
	if after := e.items(t, notifyTable); !slices.Equal(after, before) {
		t.Fatalf("a refused tenant's request was recorded: %v", after)
	}
	for _, tenant := range []string{"acme", notify.PlatformTenant} {
		r := e.notifyCall(t, service("svc-"+tenant, tenant), "k1", smsBody)
		if r.StatusCode != 202 || !strings.Contains(r.Body, `"notificationId":"`+notify.NotificationID(tenant, "k1")+`"`) {
			t.Errorf("%s: %d %s", tenant, r.StatusCode, r.Body)
		}
	}
}
