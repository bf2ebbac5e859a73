package redact

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestSensitiveKey(t *testing.T) {
	yes := []string{"password", "newPassword", "client_secret", "fcmToken", "access-token", "apiKey",
		"API_KEY", "privateKey", "Authorization", "cookie", "serviceAccountJson", "email", "userEmail",
		"phone", "phoneNumber", "mobile", "otp", "pin", "key", "secretKey", "credentials", "signature"}
	no := []string{"amount", "monthlyIncome", "principal", "name", "loanId", "idempotencyKey", "status",
		"ipAddress", "sourceIp", "notificationType", "subject", "body", "title", "tenureMonths", ""}
	for _, k := range yes {
		if !SensitiveKey(k) {
			t.Errorf("%q should be sensitive", k)
		}
	}
	for _, k := range no {
		if SensitiveKey(k) {
			t.Errorf("%q should not be sensitive", k)
		}
	}
}

func TestString(t *testing.T) {
	cases := []struct{ in, want string }{
		{"mail jane.doe+x@example.co.in now", "mail [REDACTED] now"},
		{"call +919876543210.", "call [REDACTED]."},
		{"Authorization: Bearer abc.def-ghi", "Authorization: [REDACTED]"},
		{"tok eyJhbGciOiJI.eyJzdWIiOiIx.sig_part here", "tok [REDACTED] here"},
		{"GET /sms?apikey=s3cr3t&to=1", "GET /sms?apikey=[REDACTED]&to=1"},
		{"amount 1500.00 for loan 5f1c", "amount 1500.00 for loan 5f1c"},
		{"idempotency-key=abc", "idempotency-key=abc"},
	}
	for _, c := range cases {
		if got := String(c.in); got != c.want {
			t.Errorf("String(%q) = %q want %q", c.in, got, c.want)
		}
	}
}

func TestJSON(t *testing.T) {
	in := `{"amount":"1500.00","n":12345678901234567890,"email":"a@b.co","phone":null,
	"nested":{"password":"p","list":[{"fcmToken":"t"},"x@y.org"]},"body":"ring +14155550100"}`
	out, err := JSON([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	got := string(out)
	for _, leak := range []string{"a@b.co", `"p"`, `"t"`, "x@y.org", "+14155550100"} {
		if strings.Contains(got, leak) {
			t.Errorf("leaked %s in %s", leak, got)
		}
	}
	for _, keep := range []string{`"amount":"1500.00"`, `12345678901234567890`, `"phone":null`} {
		if !strings.Contains(got, keep) {
			t.Errorf("lost %s in %s", keep, got)
		}
	}
	for _, bad := range []string{"", "{", `{"a":1} x`} {
		if _, err := JSON([]byte(bad)); !errors.Is(err, ErrNotJSON) {
			t.Errorf("JSON(%q) err %v", bad, err)
		}
	}
}

func TestAttr(t *testing.T) {
	if a := Attr(nil, slog.String("apiKey", "zzz")); a.Value.String() != Mask {
		t.Error(a)
	}
	if a := Attr(nil, slog.String("msg2", "to a@b.io")); a.Value.String() != "to [REDACTED]" {
		t.Error(a)
	}
	if a := Attr(nil, slog.Any("err", errors.New("bad phone +919876543210"))); a.Value.String() != "bad phone [REDACTED]" {
		t.Error(a)
	}
	if a := Attr(nil, slog.Int("count", 3)); a.Value.Int64() != 3 {
		t.Error(a)
	}
}

// Found by fuzzing: contact details the platform accepts but the first patterns let through —
// a phone followed by a letter, addresses with non-ASCII or unusual local parts or domains —
// and contact details used as JSON object keys.
func TestFuzzFoundContactDetails(t *testing.T) {
	for _, in := range []string{"call +919876543210x", "+14155550100ext", "andré@example.fr", "jane!@example.com",
		"user@münchen.de", "jane@exämple.com", "o'brien@example.ie"} {
		out := String("before " + in + " after")
		for _, leak := range []string{"9876543210", "4155550100", "andré", "jane", "münchen", "brien@"} {
			if strings.Contains(out, leak) && strings.Contains(in, leak) {
				t.Errorf("%q → %q keeps %q", in, out, leak)
			}
		}
	}
	out, err := JSON([]byte(`{"andre@example.fr":1,"+14155550100":"x","ok":"plain"}`))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "andre@") || strings.Contains(string(out), "4155550100") || !strings.Contains(string(out), `"plain"`) {
		t.Fatalf("keys: %s", out)
	}
}

func TestFreeTextIsKeptByLengthAndHashOnly(t *testing.T) {
	out, err := JSON([]byte(`{"body":"Your OTP is 482913","Subject":"OTP","data":{"hint":"482913","n":7},
		"note":["call 9876543210"],"purpose":null,"name":"Acme Clinic","loanId":"L-1","notificationType":"SMS"}`))
	if err != nil {
		t.Fatal(err)
	}
	got := string(out)
	for _, leak := range []string{"482913", "9876543210", "Your OTP", `"OTP"`} {
		if strings.Contains(got, leak) {
			t.Errorf("leaked %s in %s", leak, got)
		}
	}
	for _, keep := range []string{`"body":{"len":18,"sha256":"`, `"hint":{"len":6,`, `"n":7`, `"purpose":null`,
		`"name":"Acme Clinic"`, `"loanId":"L-1"`, `"notificationType":"SMS"`} {
		if !strings.Contains(got, keep) {
			t.Errorf("lost %s in %s", keep, got)
		}
	}
	if sum := sha256.Sum256([]byte("é")); fmt.Sprint(Digest("é")) != fmt.Sprintf("map[len:1 sha256:%x]", sum) {
		t.Errorf("Digest = %v", Digest("é"))
	}
}
