package provider_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"holdfast/shared/notify"
	"holdfast/shared/notify/provider"
	"holdfast/shared/notify/provider/providertest"
)

const (
	brevoKey = "xkeysib-0123456789abcdef-SECRETBREVO"
	twoKey   = "2f-SECRET-0000-1111-2222"
)

var hc = provider.NewHTTPClient(2 * time.Second)

func emailMsg() provider.Message {
	return provider.Message{NotificationID: "ntf_abc", Tenant: "acme", Channel: notify.Email, To: "asha@example.com",
		Subject: "Your EMI", Body: "Due in 3 days", Data: map[string]string{"loan": "L1"}}
}

func noSecrets(t *testing.T, o notify.Outcome, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(o.Reason, s) || strings.Contains(o.MessageID, s) {
			t.Fatalf("outcome leaks %q: %+v", s, o)
		}
	}
}

func TestBrevoRequestShapeAndSuccess(t *testing.T) {
	f := providertest.Brevo(t, brevoKey)
	b := &provider.Brevo{BaseURL: f.URL, APIKey: brevoKey, SenderEmail: "no-reply@acme.test", SenderName: "Acme", HTTP: hc}
	o := b.Send(context.Background(), emailMsg())
	if o.Kind != notify.Delivered || o.MessageID != "<202501151000.1@smtp-relay.mailin.fr>" {
		t.Fatalf("%+v", o)
	}
	calls := f.Calls()
	if len(calls) != 1 {
		t.Fatal(len(calls), f.Rejected())
	}
	var body map[string]any
	if err := json.Unmarshal(calls[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	headers, _ := body["headers"].(map[string]any)
	if headers["idempotencyKey"] != "ntf_abc" || body["subject"] != "Your EMI" || body["textContent"] != "Due in 3 days" {
		t.Fatalf("the notification ID must go out as Brevo's idempotencyKey: %s", calls[0].Body)
	}
	if calls[0].Header.Get("api-key") != brevoKey {
		t.Fatal("api-key header missing")
	}
}

func TestBrevoClassifiesAnswers(t *testing.T) {
	f := providertest.Brevo(t, brevoKey)
	b := &provider.Brevo{BaseURL: f.URL, APIKey: brevoKey, SenderEmail: "no-reply@acme.test", HTTP: hc}
	cases := []struct {
		name  string
		reply providertest.Reply
		kind  notify.OutcomeKind
		after time.Duration
		in    string
	}{
		{"rate limited with reset hint", providertest.BrevoRateLimited(37), notify.Throttled, 37 * time.Second, "429"},
		{"server error", providertest.ServerError(503), notify.Transient, 0, "503"},
		{"bad gateway", providertest.ServerError(502), notify.Transient, 0, "502"},
		{"invalid address", providertest.BrevoInvalidEmail(), notify.Permanent, 0, "email is not valid"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.Always(c.reply)
			o := b.Send(context.Background(), emailMsg())
			if o.Kind != c.kind || o.RetryAfter != c.after || !strings.Contains(o.Reason, c.in) {
				t.Fatalf("%+v", o)
			}
			noSecrets(t, o, brevoKey, "asha@example.com")
		})
	}
	// Rejected credentials: the real API's 401.
	bad := &provider.Brevo{BaseURL: f.URL, APIKey: "xkeysib-wrong-key", SenderEmail: "no-reply@acme.test", HTTP: hc}
	if o := bad.Send(context.Background(), emailMsg()); o.Kind != notify.Permanent || !strings.Contains(o.Reason, "Key not found") {
		t.Fatalf("%+v", o)
	}
}

func TestTransportFailuresAreTransientAndQuoteNoURL(t *testing.T) {
	// A closed port: connection refused.
	dead := "http://127.0.0.1:1"
	s := &provider.TwoFactor{BaseURL: dead, APIKey: twoKey, HTTP: hc}
	o := s.Send(context.Background(), provider.Message{Channel: notify.SMS, To: "+919876543210", Body: "hi"})
	if o.Kind != notify.Transient {
		t.Fatalf("%+v", o)
	}
	noSecrets(t, o, twoKey, "919876543210", "127.0.0.1")
	// A slow provider: timeout.
	f := providertest.Brevo(t, brevoKey)
	b := &provider.Brevo{BaseURL: f.URL, APIKey: brevoKey, SenderEmail: "a@b.co", HTTP: provider.NewHTTPClient(time.Nanosecond)}
	if o := b.Send(context.Background(), emailMsg()); o.Kind != notify.Transient || !strings.Contains(o.Reason, "timed out") {
		t.Fatalf("%+v", o)
	}
}

func smsMsg() provider.Message {
	return provider.Message{NotificationID: "ntf_abc", Tenant: "acme", Channel: notify.SMS, To: "+919876543210", Body: "Your token is 7"}
}

func TestTwoFactorRequestShapeAndAnswers(t *testing.T) {
	f := providertest.TwoFactor(t, twoKey)
	s := &provider.TwoFactor{BaseURL: f.URL, APIKey: twoKey, SenderID: "HLDFST", HTTP: hc}
	o := s.Send(context.Background(), smsMsg())
	if o.Kind != notify.Delivered || o.MessageID != "5e0b7a1c-2f6c-4a7e-9a7e-0f6d1b2c3d4e" {
		t.Fatalf("%+v rejected=%d", o, f.Rejected())
	}
	c := f.Calls()[0]
	form, _ := url.ParseQuery(string(c.Body))
	if c.Path != "/"+twoKey+"/ADDON_SERVICES/SEND/TSMS" || form.Get("To") != "919876543210" || form.Get("From") != "HLDFST" || form.Get("Msg") != "Your token is 7" {
		t.Fatalf("%s %s", c.Path, c.Body)
	}
	cases := []struct {
		name  string
		reply providertest.Reply
		kind  notify.OutcomeKind
		in    string
	}{
		{"error inside a 200", providertest.TwoFactorError("Invalid Phone Number - Length Mismatch(Expected & Actual Length Mismatch)"), notify.Permanent, "Invalid Phone Number"},
		{"server error", providertest.ServerError(500), notify.Transient, "500"},
		{"throttled", providertest.Reply{Status: 429, Header: map[string]string{"Retry-After": "12"}, Body: `{"Status":"Error","Details":"Rate limit exceeded"}`}, notify.Throttled, "429"},
		{"unreadable 200", providertest.Reply{Status: 200, Body: "<html>maintenance</html>"}, notify.Transient, "unreadable"},
	}
	for _, cs := range cases {
		t.Run(cs.name, func(t *testing.T) {
			f.Always(cs.reply)
			o := s.Send(context.Background(), smsMsg())
			if o.Kind != cs.kind || !strings.Contains(o.Reason, cs.in) {
				t.Fatalf("%+v", o)
			}
			if cs.kind == notify.Throttled && o.RetryAfter != 12*time.Second {
				t.Fatalf("retry-after not honoured: %v", o.RetryAfter)
			}
			noSecrets(t, o, twoKey, "919876543210")
		})
	}
	// A wrong key: 2Factor answers 200 {"Status":"Error","Details":"Invalid API Key"}.
	wrong := &provider.TwoFactor{BaseURL: f.URL, APIKey: "2f-WRONG-KEY-999", HTTP: hc}
	if o := wrong.Send(context.Background(), smsMsg()); o.Kind != notify.Permanent || !strings.Contains(o.Reason, "Invalid API Key") {
		t.Fatalf("%+v", o)
	}
	// A provider echoing the key back never gets it into the reason.
	f.Always(providertest.TwoFactorError("key " + twoKey + " is blocked"))
	if o := s.Send(context.Background(), smsMsg()); strings.Contains(o.Reason, twoKey) || !strings.Contains(o.Reason, "[REDACTED]") {
		t.Fatalf("%+v", o)
	}
}

func pushMsg() provider.Message {
	return provider.Message{NotificationID: "ntf_abc", Tenant: "acme", Channel: notify.Push, To: "fcm-token-AAAA:bbb",
		Title: "You are next", Body: "Room 3", Data: map[string]string{"doctor": "d1"}}
}

func TestFCMOAuthAndSend(t *testing.T) {
	f := providertest.NewFCM(t)
	acct := providertest.NewAccount(t, "acme-push", "https://oauth2.googleapis.com/token")
	f.Trust(acct)
	clk := time.Now()
	f.Now = func() time.Time { return clk }
	c, err := provider.NewFCM(f.URL, f.TokenURL(), acct.JSON, hc, func() time.Time { return clk })
	if err != nil {
		t.Fatal(err)
	}
	f.Always(providertest.FCMSent("acme-push"))
	for range 3 {
		if o := c.Send(context.Background(), pushMsg()); o.Kind != notify.Delivered || !strings.HasPrefix(o.MessageID, "projects/acme-push/messages/") {
			t.Fatalf("%+v rejected=%d", o, f.Rejected())
		}
	}
	if f.Issued != 1 || c.TokenFetches != 1 {
		t.Fatalf("the access token must be reused: issued %d", f.Issued)
	}
	calls := f.Calls()
	last := calls[len(calls)-1]
	if last.Path != "/projects/acme-push/messages:send" || !strings.HasPrefix(last.Header.Get("Authorization"), "Bearer ya29.") {
		t.Fatalf("%+v", last)
	}
	var body struct {
		Message struct {
			Token        string            `json:"token"`
			Notification map[string]string `json:"notification"`
			Data         map[string]string `json:"data"`
		} `json:"message"`
	}
	_ = json.Unmarshal(last.Body, &body)
	if body.Message.Token != "fcm-token-AAAA:bbb" || body.Message.Notification["title"] != "You are next" || body.Message.Data["doctor"] != "d1" {
		t.Fatalf("%s", last.Body)
	}
	// Close to expiry the token is renewed.
	clk = clk.Add(59 * time.Minute)
	if o := c.Send(context.Background(), pushMsg()); o.Kind != notify.Delivered || f.Issued != 2 {
		t.Fatalf("%+v issued=%d", o, f.Issued)
	}
}

func TestFCMClassifiesErrors(t *testing.T) {
	f := providertest.NewFCM(t)
	acct := providertest.NewAccount(t, "acme-push", "https://oauth2.googleapis.com/token")
	f.Trust(acct)
	c, err := provider.NewFCM(f.URL, f.TokenURL(), acct.JSON, hc, nil)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		reply providertest.Reply
		kind  notify.OutcomeKind
		in    string
		after time.Duration
	}{
		{"unregistered token", providertest.FCMUnregistered(), notify.Permanent, "UNREGISTERED", 0},
		{"sender id mismatch", providertest.FCMSenderIDMismatch(), notify.Permanent, "SENDER_ID_MISMATCH", 0},
		{"invalid argument", providertest.FCMError(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", "bad token"), notify.Permanent, "INVALID_ARGUMENT", 0},
		{"apns auth", providertest.FCMError(401, "UNAUTHENTICATED", "THIRD_PARTY_AUTH_ERROR", "APNs cert"), notify.Permanent, "THIRD_PARTY_AUTH_ERROR", 0},
		{"quota exceeded waits at least a minute", providertest.FCMQuotaExceeded(), notify.Throttled, "QUOTA_EXCEEDED", time.Minute},
		{"quota exceeded with a longer hint", func() providertest.Reply {
			r := providertest.FCMQuotaExceeded()
			r.Header = map[string]string{"Retry-After": "90"}
			return r
		}(), notify.Throttled, "QUOTA_EXCEEDED", 90 * time.Second},
		{"unavailable", providertest.FCMError(503, "UNAVAILABLE", "UNAVAILABLE", "The service is currently unavailable."), notify.Transient, "UNAVAILABLE", 0},
		{"internal", providertest.FCMError(500, "INTERNAL", "INTERNAL", "Internal error"), notify.Transient, "INTERNAL", 0},
		{"bare 502", providertest.ServerError(502), notify.Transient, "502", 0},
	}
	for _, cs := range cases {
		t.Run(cs.name, func(t *testing.T) {
			f.Always(cs.reply)
			o := c.Send(context.Background(), pushMsg())
			if o.Kind != cs.kind || !strings.Contains(o.Reason, cs.in) || o.RetryAfter != cs.after {
				t.Fatalf("%+v", o)
			}
			noSecrets(t, o, "fcm-token-AAAA", "ya29.")
		})
	}
}

func TestFCMRejectedCredentialsArePermanent(t *testing.T) {
	f := providertest.NewFCM(t)
	acct := providertest.NewAccount(t, "acme-push", "https://oauth2.googleapis.com/token")
	// Not trusted: the token endpoint refuses the assertion (invalid_grant).
	c, err := provider.NewFCM(f.URL, f.TokenURL(), acct.JSON, hc, nil)
	if err != nil {
		t.Fatal(err)
	}
	o := c.Send(context.Background(), pushMsg())
	if o.Kind != notify.Permanent || !strings.Contains(o.Reason, "invalid_grant") {
		t.Fatalf("%+v", o)
	}
	if len(f.Calls()) != 0 {
		t.Fatal("a message was sent without a token")
	}
}

func TestFCMExpiredAccessTokenIsRetriedWithANewOne(t *testing.T) {
	f := providertest.NewFCM(t)
	acct := providertest.NewAccount(t, "acme-push", "https://oauth2.googleapis.com/token")
	f.Trust(acct)
	c, err := provider.NewFCM(f.URL, f.TokenURL(), acct.JSON, hc, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.Respond(func(n int) providertest.Reply {
		if n == 1 {
			return providertest.FCMError(401, "UNAUTHENTICATED", "", "Request had invalid authentication credentials.")
		}
		return providertest.FCMSent("acme-push")
	})
	if o := c.Send(context.Background(), pushMsg()); o.Kind != notify.Transient {
		t.Fatalf("%+v", o)
	}
	if o := c.Send(context.Background(), pushMsg()); o.Kind != notify.Delivered || f.Issued != 2 {
		t.Fatalf("%+v issued=%d", o, f.Issued)
	}
}

type memRecorder struct{ got []notify.SandboxDelivery }

func (m *memRecorder) RecordSandbox(_ context.Context, d notify.SandboxDelivery) (notify.SandboxDelivery, error) {
	d.Sequence = int64(len(m.got) + 1)
	m.got = append(m.got, d)
	return d, nil
}

func TestSandboxRecords(t *testing.T) {
	r := &memRecorder{}
	s := &provider.Sandbox{Recorder: r, Now: time.Now}
	o := s.Send(context.Background(), pushMsg())
	if o.Kind != notify.Delivered || o.MessageID != "sandbox:ntf_abc:PUSH" || len(r.got) != 1 || r.got[0].Title != "You are next" {
		t.Fatalf("%+v %+v", o, r.got)
	}
}
