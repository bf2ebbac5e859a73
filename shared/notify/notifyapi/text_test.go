package notifyapi_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"holdfast/shared/notify/notifyapi"
	"holdfast/shared/notify/notifyqueue"
	"holdfast/shared/platform/lambdahttp"
	"holdfast/shared/platform/platformtest"
)

// TestTextThatCanSpoofIsRefusedNamingTheField: a subject, title, body or data value, a tenant
// name or a Brevo sender name holding NUL, a line break, U+2028 or a bidi control is 400
// naming that field, through the routes; a body may hold '\n'.
func TestTextThatCanSpoofIsRefusedNamingTheField(t *testing.T) {
	e := notifySetup(t)
	e.register(t, "acme")
	send := func(v map[string]any) string {
		b, _ := json.Marshal(v)
		return string(b)
	}
	email := func(subject, body string) map[string]any {
		return map[string]any{"notificationType": "EMAIL", "email": "a@example.com", "subject": subject, "body": body}
	}
	for i, c := range []struct {
		body  string
		field string
	}{
		{send(email("Your OTP\x00", "hello")), "subject"},
		{send(email("Your OTP\u2028Bcc: x", "hello")), "subject"},
		{send(email("Invoice \u202efdp.exe", "hello")), "subject"},
		{send(email("Hi", "pay \u202e0001 INR")), "body"},
		{send(email("Hi", "pay\u200b now")), "body"},
		{send(map[string]any{"notificationType": "PUSH", "fcmToken": "tok:1", "title": "a\u202eb", "body": "b"}), "title"},
		{send(map[string]any{"notificationType": "SMS", "phone": "+919876500001", "body": "b", "data": map[string]string{"k": "v\u202e"}}), "data.k"},
	} {
		r := e.notifyCall(t, service("svc-acme", "acme"), "text-"+string(rune('a'+i)), c.body)
		if code, _, fields := problemOf(t, r); r.StatusCode != 400 || code != "validation_failed" || !slices.Equal(fields, []string{c.field}) {
			t.Errorf("%s: %d %s, want 400 naming %s", c.body, r.StatusCode, r.Body, c.field)
		}
	}
	if r := e.notifyCall(t, service("svc-acme", "acme"), "text-ok", send(email("Hi", "line one\nline two"))); r.StatusCode != 202 {
		t.Errorf("a body with a newline: %d %s", r.StatusCode, r.Body)
	}

	env := notifyqueue.Env{Table: notifyTable, DefaultProvider: "sandbox"}
	create, err := lambdahttp.New(context.Background(), "POST /api/v1/tenants", e.d, notifyapi.CreateTenantWith(func() notifyqueue.Env { return env }))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"tenantId": "t-nul", "name": "Acme\x00"}, "name"},
		{map[string]any{"tenantId": "t-crlf", "name": "Acme\r\nAdmin"}, "name"},
		{map[string]any{"tenantId": "t-bidi", "name": "Acme \u202eevil"}, "name"},
		{map[string]any{"tenantId": "t-sender", "name": "Acme", "brevo": map[string]string{
			"apiKey": "xkeysib-12345678", "senderEmail": "no-reply@acme.example", "senderName": "Acme\u202e"}}, "brevo.senderName"},
		{map[string]any{"tenantId": "t-sender2", "name": "Acme", "brevo": map[string]string{
			"apiKey": "xkeysib-12345678", "senderEmail": "no-reply@acme.example", "senderName": "Acme\x00"}}, "brevo.senderName"},
	} {
		b, _ := json.Marshal(c.body)
		resp, err := create.Invoke(context.Background(), platformtest.Call{Method: "POST", Path: "/api/v1/tenants",
			RouteKey: "POST /api/v1/tenants", Body: string(b), Sub: "root", Roles: []string{"admin"}}.Event())
		if err != nil {
			t.Fatal(err)
		}
		if code, _, fields := problemOf(t, resp); resp.StatusCode != 400 || code != "validation_failed" || !slices.Equal(fields, []string{c.field}) {
			t.Errorf("%s: %d %s, want 400 naming %s", b, resp.StatusCode, resp.Body, c.field)
		}
	}
}
