package notify_test

import (
	"slices"
	"testing"

	"holdfast/shared/notify"
)

// TestIntakeRefusesWhatWouldFailAtDelivery: FCM's reserved data keys and addresses that no
// MX delivers to (a domain literal, a label starting with '-') or that read as another
// (fullwidth letters) are refused when the request is validated, naming the field — not when a
// provider refuses the message later.
func TestIntakeRefusesWhatWouldFailAtDelivery(t *testing.T) {
	push := notify.Request{NotificationType: notify.TypePush, FCMToken: "tok:1", Title: "t", Body: "b"}
	for _, c := range []struct {
		key   string
		field string
	}{
		{"from", "data.from"},
		{"message_type", "data.message_type"},
		{"collapse_key", "data.collapse_key"},
		{"notification", "data.notification"},
		{"google.c.a.e", "data.google.c.a.e"},
		{"google", "data.google"},
		{"googleAnalytics", "data.googleAnalytics"},
		{"gcm.notification.title", "data.gcm.notification.title"},
		{"gcm", "data.gcm"},
		{"gcmx", "data.gcmx"},
		{"From", "data.From"},
		{"GOOGLE.x", "data.GOOGLE.x"},
	} {
		r := push
		r.Data = map[string]string{c.key: "x", "orderId": "o-1"}
		_, err := r.Validate()
		if got := fieldsOf(err); !slices.Equal(got, []string{c.field}) {
			t.Errorf("data key %q: fields %v, want [%s]", c.key, got, c.field)
		}
	}
	for _, key := range []string{"orderId", "fromCity", "message", "collapse", "notifications", "my.google"} {
		r := push
		r.Data = map[string]string{key: "x"}
		if _, err := r.Validate(); err != nil {
			t.Errorf("data key %q refused: %v", key, err)
		}
	}

	email := notify.Request{NotificationType: notify.TypeEmail, Subject: "s", Body: "b"}
	for _, addr := range []string{
		"a@[127.0.0.1]", "a@[IPv6:::1]", "a@127.0.0.1", "ａ@example.com", "a@ｅxample.com", "ﬁ@example.com",
		"a@-example.com", "a@example-.com", "a@exa_mple.com", "a@example..com", "a@.example.com", "a@example",
		"a@example.com.", "a@example.c-",
	} {
		r := email
		r.Email = addr
		_, err := r.Validate()
		if got := fieldsOf(err); !slices.Equal(got, []string{"email"}) {
			t.Errorf("email %q: fields %v, want [email]", addr, got)
		}
		if notify.ValidEmail(addr) {
			t.Errorf("ValidEmail(%q) = true", addr)
		}
	}
	for _, addr := range []string{"a@example.com", "a.b+tag@mail.example.co.in", "user@münchen.de", "a@x-y.example", "a@1example.com"} {
		if !notify.ValidEmail(addr) {
			t.Errorf("ValidEmail(%q) = false", addr)
		}
	}
}

// fieldsOf is fields, nil for no error.
func fieldsOf(err error) []string {
	if err == nil {
		return nil
	}
	return fields(err)
}
