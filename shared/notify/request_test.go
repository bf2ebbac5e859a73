package notify_test

import (
	"strings"
	"testing"

	"holdfast/shared/notify"
	"holdfast/shared/platform/errs"
)

func fields(err error) []string {
	p, _ := errs.As(err)
	var out []string
	for _, f := range p.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestValidateEveryType(t *testing.T) {
	ok := notify.Request{NotificationType: notify.TypeAll, Email: "a@example.com", Phone: "+919876543210", FCMToken: "tok:1",
		Subject: "s", Title: "t", Body: "b"}
	if ch, err := ok.Validate(); err != nil || len(ch) != 3 {
		t.Fatal(ch, err)
	}
	cases := []struct {
		mut   func(*notify.Request)
		field string
	}{
		{func(r *notify.Request) { r.Email = "" }, "email"},
		{func(r *notify.Request) { r.Email = "a@b" }, "email"},
		{func(r *notify.Request) { r.Email = "Asha <a@example.com>" }, "email"},
		{func(r *notify.Request) { r.Subject = "" }, "subject"},
		{func(r *notify.Request) { r.Subject = "a\r\nBcc: x@y.z" }, "subject"},
		{func(r *notify.Request) { r.Phone = "9876543210" }, "phone"},
		{func(r *notify.Request) { r.Phone = "+0123456789" }, "phone"},
		{func(r *notify.Request) { r.Body = strings.Repeat("é", 1601) }, "body"},
		{func(r *notify.Request) { r.FCMToken = "" }, "fcmToken"},
		{func(r *notify.Request) { r.FCMToken = "bad token" }, "fcmToken"},
		{func(r *notify.Request) { r.Title = "" }, "title"},
		{func(r *notify.Request) { r.Body = "  " }, "body"},
		{func(r *notify.Request) { r.NotificationType = "FAX" }, "notificationType"},
		{func(r *notify.Request) { r.NotificationType = "" }, "notificationType"},
		{func(r *notify.Request) { r.Data = map[string]string{"1bad": "x"} }, "data.1bad"},
	}
	for _, c := range cases {
		r := ok
		c.mut(&r)
		_, err := r.Validate()
		if got := fields(err); len(got) == 0 || !contains(got, c.field) {
			t.Errorf("want %s named, got %v", c.field, got)
		}
	}
	// 1,600 characters is the SMS limit, inclusive.
	sms := notify.Request{NotificationType: notify.TypeSMS, Phone: "+919876543210", Body: strings.Repeat("é", 1600)}
	if _, err := sms.Validate(); err != nil {
		t.Fatal(err)
	}
	// A field for another channel is refused, not silently dropped.
	sms.Email = "a@example.com"
	if got := fields(func() error { _, err := sms.Validate(); return err }()); !contains(got, "email") {
		t.Fatal(got)
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func TestNotificationIDIsDeterministicPerTenantAndKey(t *testing.T) {
	a, b := notify.NotificationID("acme", "k1"), notify.NotificationID("acme", "k1")
	if a != b || !notify.ValidNotificationID(a) {
		t.Fatal(a, b)
	}
	if notify.NotificationID("beta", "k1") == a || notify.NotificationID("acme", "k2") == a {
		t.Fatal("IDs collide across tenants or keys")
	}
	if notify.ValidNotificationID("ntf_../../etc") || notify.ValidNotificationID("") {
		t.Fatal("bad ID accepted")
	}
}

func TestMessageDeduplicationAndParse(t *testing.T) {
	m := notify.Message{NotificationID: notify.NotificationID("acme", "k"), Tenant: "acme", Channel: notify.SMS}
	if m.DeduplicationID() != m.NotificationID+":SMS" || m.GroupID() != "acme" {
		t.Fatal(m.DeduplicationID())
	}
	m.Redrive = 2
	if m.DeduplicationID() != m.NotificationID+":SMS:r2" {
		t.Fatal(m.DeduplicationID())
	}
	for _, body := range []string{`{}`, `not json`, `{"notificationId":"x","tenantId":"acme","channel":"SMS"}`,
		`{"notificationId":"` + m.NotificationID + `","tenantId":"ACME!","channel":"SMS"}`,
		`{"notificationId":"` + m.NotificationID + `","tenantId":"acme","channel":"FAX"}`} {
		if _, err := notify.ParseMessage(body); err == nil {
			t.Errorf("accepted %s", body)
		}
	}
}

func FuzzRequestValidate(f *testing.F) {
	f.Add("ALL", "a@example.com", "+919876543210", "tok", "s", "t", "b")
	f.Add("SMS", "", "+1", "", "", "", strings.Repeat("x", 1601))
	f.Fuzz(func(t *testing.T, typ, email, phone, tok, subj, title, body string) {
		r := notify.Request{NotificationType: notify.Type(typ), Email: email, Phone: phone, FCMToken: tok, Subject: subj, Title: title, Body: body}
		ch, err := r.Validate()
		if err == nil && len(ch) == 0 {
			t.Fatal("valid request with no channel")
		}
		if err != nil && errs.KindOf(err) != errs.KindInvalid {
			t.Fatal(err)
		}
	})
}

// Found by fuzzing: net/mail takes any non-ASCII rune as text, so addresses hiding a line break,
// a non-breaking space, a control or a direction override passed.
func TestValidEmailRefusesHiddenCharacters(t *testing.T) {
	for _, s := range []string{"asha\u0085rao@example.com", "asha@exa\u2028mple.com", "asha\u00a0rao@example.com",
		"asha\u202erao@example.com", "asha\u200brao@example.com", "asha\u0000@example.com"} {
		if notify.ValidEmail(s) {
			t.Errorf("%q accepted", s)
		}
	}
	for _, s := range []string{"asha@example.com", "andré@example.fr", "user@münchen.de", "o'brien@example.ie"} {
		if !notify.ValidEmail(s) {
			t.Errorf("%q refused", s)
		}
	}
}
