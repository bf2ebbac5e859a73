package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"holdfast/shared/localcloud/emulator"
	"holdfast/shared/notify"
	"holdfast/shared/notify/notifyqueue"
	"holdfast/shared/notify/provider/providertest"
	"holdfast/shared/platform/jwtauth"
)

func serviceToken(t testing.TB, tenant string) string {
	t.Helper()
	tok, err := cloud.Issuer.Mint(jwtauth.TokenSpec{Subject: "svc-" + tenant, Roles: []string{"service"}, Tenant: tenant})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// registerTenant registers a tenant (admin) and returns a service token bound to it.
func registerTenant(t testing.TB, body map[string]any) string {
	t.Helper()
	resp := call(t, "POST", "/api/v1/tenants", token(t, "ops", "admin"), body)
	if resp.Status != 201 {
		t.Fatalf("register tenant: %d %s", resp.Status, resp.Body)
	}
	return serviceToken(t, body["tenantId"].(string))
}

func sandboxTenant(t testing.TB) (string, string) {
	t.Helper()
	id := strings.ToLower(uniq("t"))
	return id, registerTenant(t, map[string]any{"tenantId": id, "name": "Tenant " + id})
}

func notifyCall(t testing.TB, tok, key string, body any) response {
	t.Helper()
	return call(t, "POST", "/api/v1/notify", tok, body, "Idempotency-Key", key)
}

type channelStatus struct {
	Status            string `json:"status"`
	Attempts          int    `json:"attempts"`
	ProviderMessageID string `json:"providerMessageId"`
	LastError         string `json:"lastError"`
	Redrives          int    `json:"redrives"`
	SentAt            string `json:"sentAt"`
}

type notificationView struct {
	NotificationID string                   `json:"notificationId"`
	AcceptedAt     time.Time                `json:"acceptedAt"`
	Channels       map[string]channelStatus `json:"channels"`
	Deliveries     []struct {
		Channel  string `json:"channel"`
		Sequence int64  `json:"sequence"`
		To       string `json:"to"`
	} `json:"deliveries"`
}

func getNotification(t testing.TB, tok, id string) (int, notificationView) {
	t.Helper()
	resp := call(t, "GET", "/api/v1/notifications/"+id, tok, nil)
	var v notificationView
	if resp.Status == 200 {
		if err := jsonUnmarshal(resp.Body, &v); err != nil {
			t.Fatal(err)
		}
	}
	return resp.Status, v
}

func allIn(v notificationView, status string, channels ...string) bool {
	for _, c := range channels {
		if v.Channels[c].Status != status {
			return false
		}
	}
	return true
}

func validAll(suffix string) map[string]any {
	return map[string]any{"notificationType": "ALL", "email": "asha" + suffix + "@example.com", "phone": "+9198765" + suffix,
		"fcmToken": "fcm-token-" + suffix, "subject": "Booking confirmed", "title": "Booking", "body": "Token 7 with Dr Rao at 10:30"}
}

func TestNotifyAllThreeChannelsSentThroughTheSandboxAndKeyIsIdempotent(t *testing.T) {
	_, tok := sandboxTenant(t)
	key := uniq("k")
	body := validAll("43210")
	r1 := notifyCall(t, tok, key, body)
	if r1.Status != 202 {
		t.Fatalf("%d %s", r1.Status, r1.Body)
	}
	acc := r1.JSON(t)
	id := acc["notificationId"].(string)
	if ch := acc["channels"].(map[string]any); len(ch) != 3 || ch["EMAIL"] != "ACCEPTED" || ch["SMS"] != "ACCEPTED" || ch["PUSH"] != "ACCEPTED" {
		t.Fatalf("%s", r1.Body)
	}
	r2 := notifyCall(t, tok, key, body)
	if r2.Status != 202 || r2.Header.Get("Idempotent-Replayed") != "true" || r2.JSON(t)["notificationId"] != id {
		t.Fatalf("replay: %d %v %s", r2.Status, r2.Header, r2.Body)
	}
	var v notificationView
	eventually(t, 20*time.Second, "all three channels SENT", func() bool {
		_, v = getNotification(t, tok, id)
		return allIn(v, "SENT", "EMAIL", "SMS", "PUSH")
	})
	// A third replay after delivery, then give the queues time: still one delivery per channel.
	if r3 := notifyCall(t, tok, key, body); r3.Status != 202 || r3.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("%d %s", r3.Status, r3.Body)
	}
	consistently(t, 2*time.Second, "exactly one sandbox delivery per channel", func() bool {
		_, v = getNotification(t, tok, id)
		if len(v.Deliveries) != 3 {
			t.Logf("deliveries %+v", v.Deliveries)
			return false
		}
		return true
	})
	for _, c := range []string{"EMAIL", "SMS", "PUSH"} {
		if v.Channels[c].Attempts != 1 || !strings.HasPrefix(v.Channels[c].ProviderMessageID, "sandbox:"+id) {
			t.Errorf("%s: %+v", c, v.Channels[c])
		}
	}
	// The same key with another body is refused.
	other := validAll("43210")
	other["body"] = "something else"
	if r := notifyCall(t, tok, key, other); r.Status != 422 || r.JSON(t)["code"] != "idempotency_key_reuse" {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
}

func TestNotifyValidationNamesTheFieldAndEnqueuesNothing(t *testing.T) {
	tenant, tok := sandboxTenant(t)
	long := strings.Repeat("x", 1601)
	cases := []struct {
		name  string
		body  any
		field string
	}{
		{"missing email", map[string]any{"notificationType": "EMAIL", "subject": "s", "body": "b"}, "email"},
		{"invalid email", map[string]any{"notificationType": "EMAIL", "email": "not-an-address", "subject": "s", "body": "b"}, "email"},
		{"email without subject", map[string]any{"notificationType": "EMAIL", "email": "a@example.com", "body": "b"}, "subject"},
		{"phone not E.164", map[string]any{"notificationType": "SMS", "phone": "09876543210", "body": "b"}, "phone"},
		{"1601-character SMS", map[string]any{"notificationType": "SMS", "phone": "+919876543210", "body": long}, "body"},
		{"push without token", map[string]any{"notificationType": "PUSH", "title": "t", "body": "b"}, "fcmToken"},
		{"push without title", map[string]any{"notificationType": "PUSH", "fcmToken": "tok", "body": "b"}, "title"},
		{"ALL missing the phone", map[string]any{"notificationType": "ALL", "email": "a@example.com", "subject": "s", "fcmToken": "tok", "title": "t", "body": "b"}, "phone"},
		{"ALL missing the push token", map[string]any{"notificationType": "ALL", "email": "a@example.com", "subject": "s", "phone": "+919876543210", "title": "t", "body": "b"}, "fcmToken"},
		{"unknown type", map[string]any{"notificationType": "FAX", "body": "b"}, "notificationType"},
		{"tenantId in the body", map[string]any{"notificationType": "SMS", "phone": "+919876543210", "body": "b", "tenantId": "someone-else"}, "tenantId"},
		{"wrong type", map[string]any{"notificationType": "SMS", "phone": 919876543210, "body": "b"}, "phone"},
		{"hostile data key", map[string]any{"notificationType": "SMS", "phone": "+919876543210", "body": "b", "data": map[string]string{"<script>": "x"}}, "data.<script>"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			key := fmt.Sprintf("bad-%d-%s", i, uniq("k"))
			r := notifyCall(t, tok, key, c.body)
			if r.Status != 400 {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			found := false
			for _, e := range r.JSON(t)["errors"].([]any) {
				found = found || e.(map[string]any)["field"] == c.field
			}
			if !found {
				t.Fatalf("400 does not name %s: %s", c.field, r.Body)
			}
			if s, _ := getNotification(t, token(t, "ops", "admin"), notify.NotificationID(tenant, key)); s != 404 {
				t.Fatalf("a refused request was recorded: %d", s)
			}
		})
	}
	// Malformed, missing, oversize, unauthorised, hostile.
	if r := call(t, "POST", "/api/v1/notify", tok, `{"notificationType":`, "Idempotency-Key", "k1"); r.Status != 400 {
		t.Fatalf("malformed: %d", r.Status)
	}
	if r := call(t, "POST", "/api/v1/notify", tok, validAll("11111")); r.Status != 400 || !strings.Contains(string(r.Body), "Idempotency-Key") {
		t.Fatalf("no key: %d %s", r.Status, r.Body)
	}
	if r := notifyCall(t, tok, "k2", strings.Repeat(" ", 70<<10)+"{}"); r.Status != 400 || r.JSON(t)["code"] != "body_too_large" {
		t.Fatalf("oversize: %d %s", r.Status, r.Body)
	}
	if r := notifyCall(t, "", "k3", validAll("11111")); r.Status != 401 {
		t.Fatalf("anonymous: %d", r.Status)
	}
	if r := notifyCall(t, token(t, "alice", "customer"), "k4", validAll("11111")); r.Status != 403 {
		t.Fatalf("customer: %d", r.Status)
	}
	if r := notifyCall(t, token(t, "bob", "service"), "k5", validAll("11111")); r.Status != 403 {
		t.Fatalf("service without a tenant: %d", r.Status)
	}
	if r := notifyCall(t, serviceToken(t, "never-registered"), "k6", validAll("11111")); r.Status != 403 || r.JSON(t)["code"] != "tenant_not_registered" {
		t.Fatalf("unregistered tenant: %d %s", r.Status, r.Body)
	}
	if r := notifyCall(t, tok, strings.Repeat("k", 256), validAll("11111")); r.Status != 400 {
		t.Fatalf("hostile key: %d", r.Status)
	}
}

func TestNotifyTenantCannotReadAnotherTenantsNotification(t *testing.T) {
	_, tokA := sandboxTenant(t)
	_, tokB := sandboxTenant(t)
	r := notifyCall(t, tokA, uniq("k"), map[string]any{"notificationType": "SMS", "phone": "+919876500001", "body": "hello"})
	if r.Status != 202 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	id := r.JSON(t)["notificationId"].(string)
	if s, _ := getNotification(t, tokB, id); s != 404 {
		t.Fatalf("tenant B read tenant A's notification: %d", s)
	}
	if s, _ := getNotification(t, tokA, id); s != 200 {
		t.Fatalf("owner: %d", s)
	}
	if s, _ := getNotification(t, token(t, "ops", "admin"), id); s != 200 {
		t.Fatalf("admin: %d", s)
	}
	if s, _ := getNotification(t, token(t, "c", "customer"), id); s != 403 {
		t.Fatalf("customer: %d", s)
	}
	if s, _ := getNotification(t, tokA, "not-an-id"); s != 400 {
		t.Fatalf("bad id: %d", s)
	}
	if s, _ := getNotification(t, tokA, notify.NotificationID("x", "y")); s != 404 {
		t.Fatalf("unknown id: %d", s)
	}
}

func TestNotifyOneTenantsChannelIsDeliveredInAcceptanceOrder(t *testing.T) {
	_, tok := sandboxTenant(t)
	var ids []string
	for i := range 15 {
		r := notifyCall(t, tok, uniq(fmt.Sprintf("o%02d", i)), map[string]any{"notificationType": "SMS", "phone": "+919876500002", "body": fmt.Sprintf("message %d", i)})
		if r.Status != 202 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		ids = append(ids, r.JSON(t)["notificationId"].(string))
	}
	seqs := make([]int64, len(ids))
	eventually(t, 30*time.Second, "all 15 delivered", func() bool {
		for i, id := range ids {
			_, v := getNotification(t, tok, id)
			if len(v.Deliveries) != 1 {
				return false
			}
			seqs[i] = v.Deliveries[0].Sequence
		}
		return true
	})
	if !sort.SliceIsSorted(seqs, func(i, j int) bool { return seqs[i] < seqs[j] }) {
		t.Fatalf("delivery order %v is not the acceptance order", seqs)
	}
}

func TestNotifyEmailProviderDownDoesNotDelaySMSAndPushThenDeadLettersAndRedrives(t *testing.T) {
	// EMAIL goes to Brevo at its real base URL, which this machine cannot reach: every attempt
	// fails transiently. SMS and PUSH use the sandbox.
	id := strings.ToLower(uniq("down"))
	tok := registerTenant(t, map[string]any{"tenantId": id, "name": "Email down", "providers": map[string]string{"EMAIL": "brevo"},
		"brevo": map[string]string{"apiKey": "xkeysib-e2e-SECRET-KEY-000", "senderEmail": "no-reply@down.test"}})
	r := notifyCall(t, tok, uniq("k"), validAll("00003"))
	if r.Status != 202 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	nid := r.JSON(t)["notificationId"].(string)
	var v notificationView
	eventually(t, 15*time.Second, "SMS and PUSH sent", func() bool {
		_, v = getNotification(t, tok, nid)
		return allIn(v, "SENT", "SMS", "PUSH")
	})
	if v.Channels["EMAIL"].Status == "SENT" || v.Channels["SMS"].Attempts != 1 || v.Channels["PUSH"].Attempts != 1 {
		t.Fatalf("%+v", v.Channels)
	}
	eventually(t, 60*time.Second, "EMAIL dead-lettered after 3 attempts", func() bool {
		_, v = getNotification(t, tok, nid)
		return v.Channels["EMAIL"].Status == "DEAD_LETTERED"
	})
	if e := v.Channels["EMAIL"]; e.Attempts != 3 || !strings.Contains(e.LastError, "brevo") {
		t.Fatalf("%+v", e)
	}
	// Redrive: hostile and unauthorised first, then the admin.
	if rr := call(t, "POST", "/api/v1/notifications/dead-letters/redrive", tok, map[string]any{"notificationId": nid}); rr.Status != 403 {
		t.Fatalf("service redrive: %d", rr.Status)
	}
	if rr := call(t, "POST", "/api/v1/notifications/dead-letters/redrive", token(t, "ops", "admin"), map[string]any{"channel": "FAX"}); rr.Status != 400 {
		t.Fatalf("bad channel: %d", rr.Status)
	}
	rr := call(t, "POST", "/api/v1/notifications/dead-letters/redrive", token(t, "ops", "admin"), map[string]any{"notificationId": nid})
	if rr.Status != 200 || rr.JSON(t)["count"] != float64(1) {
		t.Fatalf("%d %s", rr.Status, rr.Body)
	}
	eventually(t, 60*time.Second, "EMAIL dead-lettered again after the redrive", func() bool {
		_, v = getNotification(t, tok, nid)
		return v.Channels["EMAIL"].Status == "DEAD_LETTERED" && v.Channels["EMAIL"].Redrives == 1
	})
	if v.Channels["SMS"].Status != "SENT" || len(v.Deliveries) != 2 {
		t.Fatalf("the redrive touched other channels: %+v", v)
	}
	// The command line does the same against the emulator's endpoint.
	cmd := exec.Command("go", "run", "./cmd/holdfast", "dlq", "redrive", "--stage", "local", "--notification", nid)
	cmd.Dir = repoDir
	cmd.Env = append(os.Environ(), "AWS_REGION="+emulator.Region, "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test")
	for k, v := range cloud.Emulator.Env() {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"count": 1`) {
		t.Fatalf("holdfast dlq redrive: %v\n%s", err, out)
	}
	eventually(t, 60*time.Second, "EMAIL dead-lettered again after the CLI redrive", func() bool {
		_, v = getNotification(t, tok, nid)
		return v.Channels["EMAIL"].Status == "DEAD_LETTERED" && v.Channels["EMAIL"].Redrives == 2
	})
}

func TestNotifyLogsHoldNoContactDetailsOrProviderKeys(t *testing.T) {
	id := strings.ToLower(uniq("logs"))
	acct := providertest.NewAccount(t, "logs-project", "https://oauth2.googleapis.com/token")
	secrets := []string{"xkeysib-LOGTEST-SECRET-1234", "2f-LOGTEST-SECRET-5678", "BEGIN PRIVATE KEY"}
	tok := registerTenant(t, map[string]any{"tenantId": id, "name": "Logs", "providers": map[string]string{"SMS": "twofactor"},
		"brevo":     map[string]string{"apiKey": secrets[0], "senderEmail": "no-reply@logs.test"},
		"twoFactor": map[string]string{"apiKey": secrets[1], "senderId": "HLDFST"},
		"firebase":  map[string]string{"serviceAccountJson": string(acct.JSON)}})
	body := map[string]any{"notificationType": "ALL", "email": "meera.logcheck@example.com", "phone": "+919812398123",
		"fcmToken": "fcm-LOGCHECK-token-zzz", "subject": "s", "title": "t", "body": "b"}
	r := notifyCall(t, tok, uniq("k"), body)
	if r.Status != 202 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	nid := r.JSON(t)["notificationId"].(string)
	eventually(t, 60*time.Second, "email and push sent, SMS (2Factor unreachable) retried", func() bool {
		_, v := getNotification(t, tok, nid)
		return allIn(v, "SENT", "EMAIL", "PUSH") && v.Channels["SMS"].Attempts >= 2
	})
	if tenants := call(t, "GET", "/api/v1/tenants?limit=100", token(t, "ops", "admin"), nil); tenants.Status != 200 ||
		strings.Contains(string(tenants.Body), secrets[0]) || strings.Contains(string(tenants.Body), "PRIVATE KEY") {
		t.Fatalf("tenant list: %d (must never return credentials)", tenants.Status)
	}
	logs := fnLogs.String()
	if !strings.Contains(logs, nid) {
		t.Fatal("the notification left no log lines at all; the check would prove nothing")
	}
	for _, s := range append(secrets, "meera.logcheck@example.com", "919812398123", "fcm-LOGCHECK-token-zzz", acct.Email) {
		if strings.Contains(logs, s) {
			t.Errorf("function logs contain %q", s)
		}
	}
}

func TestNotifyTenantsRoutes(t *testing.T) {
	admin := token(t, "ops", "admin")
	id := strings.ToLower(uniq("ten"))
	if r := call(t, "POST", "/api/v1/tenants", admin, map[string]any{"tenantId": id, "name": "A"}); r.Status != 201 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	if r := call(t, "POST", "/api/v1/tenants", admin, map[string]any{"tenantId": id, "name": "A"}); r.Status != 409 {
		t.Fatalf("duplicate: %d", r.Status)
	}
	cases := []struct {
		body  any
		field string
	}{
		{map[string]any{"tenantId": "Bad ID!", "name": "x"}, "tenantId"},
		{map[string]any{"tenantId": "ok-id-1", "name": ""}, "name"},
		{map[string]any{"tenantId": "ok-id-2", "name": "x", "providers": map[string]string{"EMAIL": "brevo"}}, "brevo"},
		{map[string]any{"tenantId": "ok-id-3", "name": "x", "providers": map[string]string{"FAX": "sandbox"}}, "providers.FAX"},
		{map[string]any{"tenantId": "ok-id-4", "name": "x", "firebase": map[string]string{"serviceAccountJson": "{}"}}, "firebase.serviceAccountJson"},
		{map[string]any{"tenantId": "ok-id-5", "name": "x", "secret": "y"}, "secret"},
	}
	for _, c := range cases {
		r := call(t, "POST", "/api/v1/tenants", admin, c.body)
		if r.Status != 400 || !strings.Contains(string(r.Body), `"field":"`+c.field+`"`) {
			t.Errorf("%v: %d %s", c.body, r.Status, r.Body)
		}
	}
	if r := call(t, "POST", "/api/v1/tenants", serviceToken(t, id), map[string]any{"tenantId": "x1", "name": "x"}); r.Status != 403 {
		t.Fatalf("service registering a tenant: %d", r.Status)
	}
	page := call(t, "GET", "/api/v1/tenants?limit=1", admin, nil)
	if page.Status != 200 || page.JSON(t)["nextCursor"] == nil {
		t.Fatalf("%d %s", page.Status, page.Body)
	}
	if r := call(t, "GET", "/api/v1/tenants?cursor=!!!", admin, nil); r.Status != 400 {
		t.Fatalf("bad cursor: %d", r.Status)
	}
}

func TestNotifyInternalEnqueueForLendingAndClinic(t *testing.T) {
	url := queueURL(t, "NotifyIntakeQueue")
	c := notifyqueue.NewClient(sqs.NewFromConfig(awsCfg), url)
	key := uniq("emi-reminder:L1:3:2026-05-02")
	id, err := c.Enqueue(context.Background(), key, notify.Request{NotificationType: notify.TypeSMS, Phone: "+919876500009", Body: "Your EMI of 8884.88 is due on 5 May."})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Enqueue(context.Background(), key+"x", notify.Request{NotificationType: notify.TypeSMS, Phone: "12345", Body: "x"}); err == nil {
		t.Fatal("an invalid internal request was enqueued")
	}
	admin := token(t, "ops", "admin")
	eventually(t, 20*time.Second, "the platform notification is sent", func() bool {
		s, v := getNotification(t, admin, id)
		return s == 200 && allIn(v, "SENT", "SMS")
	})
}

// TestNotifyFigures prints POST /api/v1/notify latency and throughput at 16 concurrent clients
// through the local cloud, and the time from accepted to SENT through the sandbox.
func TestNotifyFigures(t *testing.T) {
	_, tok := sandboxTenant(t)
	const clients, perClient = 16, 10
	var mu sync.Mutex
	var lat []time.Duration
	var ids []string
	start := time.Now()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perClient {
				t0 := time.Now()
				r := notifyCall(t, tok, fmt.Sprintf("fig-%d-%d-%d", start.UnixNano(), c, i),
					map[string]any{"notificationType": "SMS", "phone": "+919876500010", "body": "figure"})
				d := time.Since(t0)
				if r.Status != 202 {
					t.Errorf("%d %s", r.Status, r.Body)
					return
				}
				mu.Lock()
				lat = append(lat, d)
				ids = append(ids, r.JSON(t)["notificationId"].(string))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	var sent []time.Duration
	eventually(t, 90*time.Second, "every figure notification SENT", func() bool {
		sent = sent[:0]
		for _, id := range ids {
			_, v := getNotification(t, tok, id)
			c := v.Channels["SMS"]
			if c.Status != "SENT" {
				return false
			}
			at, _ := time.Parse(time.RFC3339Nano, c.SentAt)
			sent = append(sent, at.Sub(v.AcceptedAt))
		}
		return true
	})
	t.Logf("FIGURE POST /api/v1/notify at %d concurrent clients: %d requests, p50 %v, p95 %v, throughput %.1f req/s",
		clients, len(lat), pct(lat, 50), pct(lat, 95), float64(len(lat))/elapsed.Seconds())
	t.Logf("FIGURE accepted → SENT (sandbox, SMS) for that burst, one tenant = one FIFO group delivered in order: p50 %v, p95 %v over %d notifications",
		pct(sent, 50), pct(sent, 95), len(sent))
	// Unloaded: one notification at a time.
	var single []time.Duration
	for i := range 20 {
		r := notifyCall(t, tok, fmt.Sprintf("fig1-%d-%d", start.UnixNano(), i), map[string]any{"notificationType": "SMS", "phone": "+919876500011", "body": "figure"})
		id := r.JSON(t)["notificationId"].(string)
		var v notificationView
		eventually(t, 30*time.Second, "sent", func() bool { _, v = getNotification(t, tok, id); return v.Channels["SMS"].Status == "SENT" })
		at, _ := time.Parse(time.RFC3339Nano, v.Channels["SMS"].SentAt)
		single = append(single, at.Sub(v.AcceptedAt))
	}
	t.Logf("FIGURE accepted → SENT (sandbox, SMS), one at a time: p50 %v, p95 %v over %d notifications", pct(single, 50), pct(single, 95), len(single))
}

func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, (len(s)*p+99)/100-1)].Round(time.Millisecond)
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
