package notifyapi_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"holdfast/shared/notify"
	"holdfast/shared/notify/notifyapi"
	"holdfast/shared/notify/notifyqueue"
	"holdfast/shared/platform/authz"
	"holdfast/shared/platform/config"
	"holdfast/shared/platform/idempotency"
	"holdfast/shared/platform/lambdahttp"
	"holdfast/shared/platform/platformtest"
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

// TestSendRequiresAKeyAndThePolicySaysSo: the policy entry declares the key required and
// answered by the route, and the route refuses a missing or malformed key with 400 naming the
// header, before anything is read or recorded.
func TestSendRequiresAKeyAndThePolicySaysSo(t *testing.T) {
	p, ok := authz.Lookup(sendRoute)
	if !ok || p.Idempotency != authz.IdempotencyRequiredByRoute || !p.Idempotency.KeyRequired() || p.Idempotency.ChainKeepsRecords() {
		t.Fatalf("%s: policy Idempotency %s, want %s", sendRoute, p.Idempotency, authz.IdempotencyRequiredByRoute)
	}
	e := notifySetup(t)
	e.register(t, "acme")
	notifyBefore := e.items(t, notifyTable)
	for _, c := range []struct{ name, key, code string }{
		{"missing key", "", idempotency.CodeKeyRequired},
		{"overlong key", strings.Repeat("k", 256), idempotency.CodeKeyInvalid},
		{"key with a control character", "k\x01", idempotency.CodeKeyInvalid},
	} {
		for _, body := range []string{smsBody, `{"notificationType":`} {
			r := e.notifyCall(t, service("svc-acme", "acme"), c.key, body)
			code, _, fields := problemOf(t, r)
			if r.StatusCode != 400 || code != c.code || !slices.Equal(fields, []string{idempotency.HeaderKey}) {
				t.Errorf("%s, body %.20s: %d %s", c.name, body, r.StatusCode, r.Body)
			}
		}
	}
	if after := e.items(t, notifyTable); !slices.Equal(after, notifyBefore) {
		t.Errorf("a request without a usable key was recorded: %v", after)
	}
	if got := e.items(t, platformtest.IdempotencyTable); len(got) != 0 {
		t.Errorf("the chain kept idempotency records: %v", got)
	}
}

// TestSendIsItsOwnIdempotencyRecord: one mechanism answers for a key — the notification,
// named by tenant and key. A replay is answered from it (also for another client of the same
// tenant, which a per-caller record would not know), a reuse is 422, another tenant's same
// key is another notification, and the chain's idempotency table stays empty throughout.
func TestSendIsItsOwnIdempotencyRecord(t *testing.T) {
	e := notifySetup(t)
	e.register(t, "acme")
	e.register(t, "globex")
	id := notify.NotificationID("acme", "order-42")
	first := e.notifyCall(t, service("svc-acme-1", "acme"), "order-42", smsBody)
	if first.StatusCode != 202 || first.Headers[idempotency.HeaderReplayed] != "" ||
		first.Headers["Location"] != "/api/v1/notifications/"+id {
		t.Fatalf("first: %d %v %s", first.StatusCode, first.Headers, first.Body)
	}
	for _, who := range []string{"svc-acme-1", "svc-acme-2"} {
		r := e.notifyCall(t, service(who, "acme"), "order-42", smsBody)
		if r.StatusCode != 202 || r.Headers[idempotency.HeaderReplayed] != "true" || r.Body != first.Body {
			t.Errorf("replay by %s: %d %v %s", who, r.StatusCode, r.Headers, r.Body)
		}
	}
	other := strings.Replace(smsBody, "Token 7", "Token 8", 1)
	if r := e.notifyCall(t, service("svc-acme-1", "acme"), "order-42", other); r.StatusCode != 422 {
		t.Errorf("reuse: %d %s", r.StatusCode, r.Body)
	} else if code, _, _ := problemOf(t, r); code != idempotency.CodeKeyReuse {
		t.Errorf("reuse: %s", r.Body)
	}
	g := e.notifyCall(t, service("svc-globex", "globex"), "order-42", other)
	if g.StatusCode != 202 || g.Headers[idempotency.HeaderReplayed] != "" ||
		!strings.Contains(g.Body, notify.NotificationID("globex", "order-42")) {
		t.Errorf("another tenant's same key: %d %v %s", g.StatusCode, g.Headers, g.Body)
	}
	if got := e.items(t, platformtest.IdempotencyTable); len(got) != 0 {
		t.Errorf("the chain kept idempotency records beside the notification: %v", got)
	}
}

// TestSendStartsWithoutTheIdempotencyTable: the route's function is granted no idempotency
// table in template.yaml, so under its real policy the chain must not need one.
func TestSendStartsWithoutTheIdempotencyTable(t *testing.T) {
	cfg, err := config.FromEnv(func(k string) string {
		return map[string]string{"HOLDFAST_VERSION": "test", "AWS_LAMBDA_FUNCTION_NAME": "holdfast-test",
			"AUDIT_TABLE": platformtest.AuditTable}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	d := platformtest.Deps(t, platformtest.Options{Config: cfg, NoTables: true})
	env := notifyqueue.Env{Table: notifyTable, DefaultProvider: notify.ProviderSandbox,
		QueueURLs: map[notify.Channel]string{notify.Email: "e", notify.SMS: "s", notify.Push: "p"}}
	if _, err := lambdahttp.New(context.Background(), sendRoute, d, notifyapi.SendWith(func() notifyqueue.Env { return env })); err != nil {
		t.Fatal(err)
	}
}
