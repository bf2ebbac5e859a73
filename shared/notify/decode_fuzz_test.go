package notify_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"holdfast/shared/notify"
	"holdfast/shared/platform/errs"
)

// The notification service's decoders of untrusted input beyond the notify request: tenant
// registration (which carries provider credentials) and channel queue messages. The seeds run
// in every `go test`; `go test -fuzz FuzzX ./shared/notify` explores further.

func serviceAccountJSON(tb testing.TB) string {
	tb.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	b, err := json.Marshal(map[string]string{
		"type": "service_account", "project_id": "holdfast-demo", "private_key_id": "k1",
		"private_key":  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email": "fcm@holdfast-demo.iam.gserviceaccount.com", "token_uri": "https://oauth2.googleapis.com/token",
	})
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

var (
	tenantFieldName = regexp.MustCompile(`^(tenantId|name|providers\.[\x20-\x7e]{0,64}|brevo|brevo\.(apiKey|senderEmail|senderName)|twoFactor|twoFactor\.(apiKey|senderId)|firebase|firebase\.serviceAccountJson)$`)
	printableKey    = regexp.MustCompile(`^[\x21-\x7e]{8,256}$`)
	smsSender       = regexp.MustCompile(`^[A-Z0-9]{3,11}$`)
)

// bareAddress is the shape an accepted email must have: one token with no whitespace or
// control characters (no line break of any kind), one '@', a dotted domain.
func bareAddress(s string) bool {
	if !utf8.ValidString(s) || len(s) > notify.MaxEmail || strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return false
	}
	local, domain, ok := strings.Cut(s, "@")
	return ok && local != "" && !strings.Contains(domain, "@") && strings.Contains(domain, ".") &&
		!strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".") && !strings.ContainsAny(s, "<>\",;")
}

func problemText(err error) string {
	p, _ := errs.As(err)
	if p == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString(p.Detail)
	for _, f := range p.Fields {
		b.WriteString("\x00" + f.Field + "\x00" + f.Message)
	}
	return b.String()
}

func FuzzTenantRequestValidate(f *testing.F) {
	sa := serviceAccountJSON(f)
	full, err := json.Marshal(map[string]any{
		"tenantId": "acme-clinic", "name": "  Acme Clinic  ",
		"providers": map[string]string{"EMAIL": "brevo", "SMS": "twofactor", "PUSH": "fcm"},
		"brevo":     map[string]string{"apiKey": "xkeysib-0123456789abcdef", "senderEmail": "no-reply@acme.example", "senderName": "Acme"},
		"twoFactor": map[string]string{"apiKey": "2f-0123456789", "senderId": "ACMECL"},
		"firebase":  map[string]string{"serviceAccountJson": sa},
	})
	if err != nil {
		f.Fatal(err)
	}
	var r notify.TenantRequest
	if err := json.Unmarshal(full, &r); err != nil {
		f.Fatal(err)
	}
	if _, _, err := r.Validate(time.Now()); err != nil {
		f.Fatalf("the full registration must be accepted: %v", err) // else the seeds prove nothing
	}
	f.Add(string(full))
	for _, s := range []string{
		`{"tenantId":"ab","name":"x"}`,
		`{"tenantId":"ab","name":"x","providers":{"EMAIL":"sandbox","SMS":"sandbox","PUSH":"sandbox"}}`,
		`{"tenantId":"-ab","name":"","providers":{"email":"brevo","FAX":"x","SMS":"brevo"}}`,
		`{"tenantId":"a","name":"` + strings.Repeat("n", 101) + `","providers":{"EMAIL":"brevo","SMS":"twofactor","PUSH":"fcm"}}`,
		`{"tenantId":"Acme","name":"<script>alert(1)</script>","providers":{"\u0000\r\nX-Injected: 1":"sandbox"}}`,
		`{"tenantId":"` + strings.Repeat("a", 64) + `","name":"x","brevo":{"apiKey":"short","senderEmail":"Acme <a@b.co>","senderName":"a\r\nBcc: x@evil.example"}}`,
		`{"tenantId":"../../etc","name":"x","twoFactor":{"apiKey":"key/../../?x=1#%zz","senderId":"acme"}}`,
		`{"tenantId":"ab","name":"x","firebase":{"serviceAccountJson":"{\"type\":\"service_account\",\"private_key\":\"-----BEGIN PRIVATE KEY-----\\nAAAA\\n-----END PRIVATE KEY-----\\n\"}"}}`,
		`{"tenantId":"ab","name":"x","firebase":{"serviceAccountJson":"not json"}}`,
		`{"tenantId":"ab","name":"١٢٣","brevo":{"apiKey":"` + strings.Repeat("k", 257) + `","senderEmail":"a@b.c"}}`,
		`{}`, `null`,
	} {
		f.Add(s)
	}
	now := time.Date(2025, 1, 15, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body string) {
		var r notify.TenantRequest
		if json.Unmarshal([]byte(body), &r) != nil {
			return
		}
		tenant, sec, err := r.Validate(now)
		if err != nil {
			p, _ := errs.As(err)
			if p.Kind != errs.KindInvalid || p.Code != errs.CodeValidation || len(p.Fields) == 0 {
				t.Fatalf("rejected without naming a field: %v", err)
			}
			for _, fe := range p.Fields {
				if !tenantFieldName.MatchString(fe.Field) || fe.Message == "" {
					t.Fatalf("rejected naming %q: %q", fe.Field, fe.Message)
				}
			}
			// A credential never appears in the problem (it is shown to the client and logged):
			// anything of it there must be fixed text, there just as well without the credential.
			stripped := r
			if r.Brevo != nil {
				b := *r.Brevo
				b.APIKey = ""
				stripped.Brevo = &b
			}
			if r.TwoFactor != nil {
				s := *r.TwoFactor
				s.APIKey = ""
				stripped.TwoFactor = &s
			}
			if r.Firebase != nil {
				fb := *r.Firebase
				fb.ServiceAccountJSON = ""
				stripped.Firebase = &fb
			}
			_, _, err2 := stripped.Validate(now)
			text, without := problemText(err), problemText(err2)
			for _, secret := range []string{brevoKey(r), twoFactorKey(r), firebaseJSON(r)} {
				if len(secret) >= 4 && strings.Contains(text, secret) && !strings.Contains(without, secret) {
					t.Fatalf("the problem quotes a credential: %q", text)
				}
			}
			for _, fe := range p.Fields {
				if strings.HasPrefix(fe.Field, "firebase") && strings.Contains(fe.Message, "PRIVATE KEY") {
					t.Fatalf("the problem quotes the service account: %q", fe.Message)
				}
			}
			return
		}
		// Accepted: the table's tenant carries exactly the request's non-secret settings and the
		// secret exactly its credentials, each of a valid shape.
		if tenant.ID != r.TenantID || !notify.ValidTenantID(tenant.ID) || strings.HasPrefix(tenant.ID, "-") {
			t.Fatalf("tenant ID %q accepted", r.TenantID)
		}
		if tenant.Name != strings.TrimSpace(r.Name) || tenant.Name == "" || utf8.RuneCountInString(tenant.Name) > 100 {
			t.Fatalf("name %q accepted as %q", r.Name, tenant.Name)
		}
		if !tenant.CreatedAt.Equal(now) || tenant.SecretVersion != "" {
			t.Fatalf("%+v", tenant)
		}
		if len(tenant.Providers) != len(r.Providers) {
			t.Fatalf("providers %v became %v", r.Providers, tenant.Providers)
		}
		for k, v := range r.Providers {
			c, err := notify.ParseChannel(k)
			if err != nil || tenant.Providers[c] != v || (v != notify.ProviderSandbox && v != notify.LiveProvider(c)) {
				t.Fatalf("provider %q=%q accepted as %v", k, v, tenant.Providers)
			}
		}
		live := tenant.ProviderFor
		if (live(notify.Email, "") == notify.ProviderBrevo && !tenant.HasBrevo) ||
			(live(notify.SMS, "") == notify.ProviderTwoFactor && !tenant.HasTwoFac) ||
			(live(notify.Push, "") == notify.ProviderFCM && !tenant.HasFirebase) {
			t.Fatalf("a live provider without its credentials: %+v", tenant)
		}
		if tenant.HasBrevo != (r.Brevo != nil) || tenant.HasTwoFac != (r.TwoFactor != nil) || tenant.HasFirebase != (r.Firebase != nil) ||
			sec.HasSecret() != (r.Brevo != nil || r.TwoFactor != nil || r.Firebase != nil) {
			t.Fatalf("credentials %+v recorded as %+v", r, tenant)
		}
		if b := r.Brevo; b != nil {
			if sec.BrevoAPIKey != b.APIKey || !printableKey.MatchString(b.APIKey) || tenant.SenderEmail != b.SenderEmail ||
				!bareAddress(b.SenderEmail) || tenant.SenderName != b.SenderName || utf8.RuneCountInString(b.SenderName) > 70 ||
				strings.ContainsAny(b.SenderName, "\r\n") {
				t.Fatalf("brevo %+v accepted as %+v / %+v", *b, tenant, sec)
			}
		}
		if s := r.TwoFactor; s != nil {
			if sec.TwoFactorAPIKey != s.APIKey || !printableKey.MatchString(s.APIKey) || strings.ContainsAny(s.APIKey, "/?#%") ||
				tenant.SMSSender != s.SenderID || (s.SenderID != "" && !smsSender.MatchString(s.SenderID)) {
				t.Fatalf("twoFactor %+v accepted as %+v", *s, tenant)
			}
		}
		if fb := r.Firebase; fb != nil {
			acct, key, err := notify.ParseServiceAccount(sec.FirebaseAccount)
			if err != nil || key == nil || string(sec.FirebaseAccount) != fb.ServiceAccountJSON ||
				tenant.FCMProject != acct.ProjectID || tenant.FCMAccount != acct.ClientEmail {
				t.Fatalf("firebase accepted as %+v: %v", tenant, err)
			}
		}
	})
}

func brevoKey(r notify.TenantRequest) string {
	if r.Brevo == nil {
		return ""
	}
	return r.Brevo.APIKey
}

func twoFactorKey(r notify.TenantRequest) string {
	if r.TwoFactor == nil {
		return ""
	}
	return r.TwoFactor.APIKey
}

func firebaseJSON(r notify.TenantRequest) string {
	if r.Firebase == nil {
		return ""
	}
	return r.Firebase.ServiceAccountJSON
}

var sqsID = regexp.MustCompile(`^[\x21-\x7e]{1,128}$`)

func FuzzParseMessage(f *testing.F) {
	id := notify.NotificationID("acme", "k1")
	for _, s := range []string{
		`{"notificationId":"` + id + `","tenantId":"acme","channel":"SMS"}`,
		`{"notificationId":"` + id + `","tenantId":"acme","channel":"EMAIL","redrive":3}`,
		`{"notificationId":"` + id + `","tenantId":"acme","channel":"PUSH","redrive":-1}`,
		`{"notificationId":"` + id + `","tenantId":"acme","channel":"PUSH","redrive":9223372036854775807}`,
		`{"notificationId":"` + id + `","tenantId":"ACME!","channel":"SMS"}`,
		`{"notificationId":"ntf_../../etc","tenantId":"acme","channel":"SMS"}`,
		`{"notificationId":"` + id + `","tenantId":"acme","channel":"sms"}`,
		`{"notificationId":"` + id + `","tenantId":"acme","channel":"SMS","extra":{"a":[1,2]}}`,
		`{}`, `not json`, `null`, `[]`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		m, err := notify.ParseMessage(body)
		if err != nil {
			if m != (notify.Message{}) {
				t.Fatalf("rejected but returned %+v", m)
			}
			return
		}
		// Accepted: a message the service could have sent, whose FIFO IDs SQS accepts, and
		// which reads back the same.
		if !notify.ValidNotificationID(m.NotificationID) || !notify.ValidTenantID(m.Tenant) || m.Redrive < 0 {
			t.Fatalf("%q accepted as %+v", body, m)
		}
		if _, err := notify.ParseChannel(string(m.Channel)); err != nil {
			t.Fatalf("%q accepted with channel %q", body, m.Channel)
		}
		if !sqsID.MatchString(m.DeduplicationID()) || !sqsID.MatchString(m.GroupID()) {
			t.Fatalf("%+v: SQS IDs %q / %q", m, m.DeduplicationID(), m.GroupID())
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if back, err := notify.ParseMessage(string(b)); err != nil || back != m {
			t.Fatalf("%+v → %s → %+v %v", m, b, back, err)
		}
	})
}
