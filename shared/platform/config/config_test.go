package config

import (
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, err := FromEnv(envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Mode != ModeAWS || c.Currency != "INR" || c.RolesClaim != "roles" || c.TenantClaim != "tenant" ||
		c.BusinessTimezone.String() != "Asia/Kolkata" || c.LogLevel != slog.LevelInfo || c.Version != "dev" {
		t.Fatalf("defaults: %+v", c)
	}
	if len(c.Tables()) != 0 {
		t.Fatalf("tables: %v", c.Tables())
	}
}

func TestFullEnvironment(t *testing.T) {
	c, err := FromEnv(envOf(map[string]string{
		"HOLDFAST_MODE": "local", "HOLDFAST_VERSION": "1.2.3", "AUDIT_TABLE": "a", "LENDING_TABLE": "l",
		"TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.7,::1", "LOG_LEVEL": "debug", "CURRENCY": "USD",
		"BUSINESS_TIMEZONE": "UTC", "ROLES_CLAIM": "cognito:groups",
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.7/32"), netip.MustParsePrefix("::1/128")}
	if len(c.TrustedProxies) != len(want) {
		t.Fatalf("proxies %v", c.TrustedProxies)
	}
	for i := range want {
		if c.TrustedProxies[i] != want[i] {
			t.Fatalf("proxy %d: %v want %v", i, c.TrustedProxies[i], want[i])
		}
	}
	if c.Mode != ModeLocal || c.Version != "1.2.3" || c.LogLevel != slog.LevelDebug || c.RolesClaim != "cognito:groups" {
		t.Fatalf("%+v", c)
	}
	if tb := c.Tables(); len(tb) != 2 || tb["auditTable"] != "a" || tb["lendingTable"] != "l" {
		t.Fatalf("tables %v", tb)
	}
}

func TestEveryBadVariableIsReported(t *testing.T) {
	_, err := FromEnv(envOf(map[string]string{
		"HOLDFAST_MODE": "prod", "CURRENCY": "rupees", "BUSINESS_TIMEZONE": "Mars/Base",
		"TRUSTED_PROXIES": "10.0.0.0/8,not-an-ip", "LOG_LEVEL": "loud",
	}))
	if err == nil {
		t.Fatal("want error")
	}
	for _, v := range []string{"HOLDFAST_MODE", "CURRENCY", "BUSINESS_TIMEZONE", "TRUSTED_PROXIES", "LOG_LEVEL"} {
		if !strings.Contains(err.Error(), v) {
			t.Errorf("error does not name %s: %v", v, err)
		}
	}
}

// The variables the non-HTTP functions need: unset is empty (or the default); set is taken.
func TestFunctionVariables(t *testing.T) {
	c, err := FromEnv(envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.JWKSURL != "" || c.WebSocketEndpoint != "" || c.ManagementEndpoint != "" || c.ConnectionsEndpoint() != "" ||
		c.DisbursalQueueURL != "" || c.Notify.RetryDelay != DefaultNotifyRetryDelay ||
		(c.Notify != Notify{RetryDelay: DefaultNotifyRetryDelay}) {
		t.Fatalf("unset: %+v", c)
	}
	full := map[string]string{
		"JWKS_URL":                "https://issuer.example/.well-known/jwks.json",
		"WEBSOCKET_ENDPOINT":      "https://ws.example/prod",
		"DISBURSAL_QUEUE_URL":     "http://127.0.0.1:5000/123456789012/disbursal.fifo",
		"NOTIFY_EMAIL_QUEUE_URL":  "http://q/email.fifo",
		"NOTIFY_SMS_QUEUE_URL":    "http://q/sms.fifo",
		"NOTIFY_PUSH_QUEUE_URL":   "http://q/push.fifo",
		"NOTIFY_INTAKE_QUEUE_URL": "http://q/intake",
		"NOTIFY_SECRET_PREFIX":    "p/",
		"NOTIFY_DEFAULT_PROVIDER": "live",
		"BREVO_BASE_URL":          "http://brevo",
		"TWOFACTOR_BASE_URL":      "http://2f",
		"FCM_BASE_URL":            "http://fcm",
		"FCM_TOKEN_URL":           "http://fcm/token",
		"NOTIFY_RETRY_SECONDS":    "0",
	}
	if c, err = FromEnv(envOf(full)); err != nil {
		t.Fatal(err)
	}
	want := Notify{EmailQueueURL: "http://q/email.fifo", SMSQueueURL: "http://q/sms.fifo", PushQueueURL: "http://q/push.fifo",
		IntakeQueueURL: "http://q/intake", SecretPrefix: "p/", DefaultProvider: "live", BrevoBaseURL: "http://brevo",
		TwoFactorBaseURL: "http://2f", FCMBaseURL: "http://fcm", FCMTokenURL: "http://fcm/token", RetryDelay: 0}
	if c.Notify != want || c.JWKSURL != full["JWKS_URL"] || c.DisbursalQueueURL != full["DISBURSAL_QUEUE_URL"] {
		t.Fatalf("set: %+v", c)
	}
	if c.ConnectionsEndpoint() != "https://ws.example/prod" {
		t.Fatalf("stage URL: %q", c.ConnectionsEndpoint())
	}
	full["AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI"] = "http://127.0.0.1:3001"
	if c, err = FromEnv(envOf(full)); err != nil || c.ConnectionsEndpoint() != "http://127.0.0.1:3001" {
		t.Fatalf("the SDK's override must win over the stage URL: %q %v", c.ConnectionsEndpoint(), err)
	}
	full["NOTIFY_RETRY_SECONDS"] = "43200"
	if c, err = FromEnv(envOf(full)); err != nil || c.Notify.RetryDelay.Hours() != 12 {
		t.Fatalf("longest retry: %v %v", c.Notify.RetryDelay, err)
	}
}

// Each new variable, set to something unusable, fails start-up with an error naming it.
func TestInvalidFunctionVariables(t *testing.T) {
	urls := []string{"JWKS_URL", "WEBSOCKET_ENDPOINT", "AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI", "DISBURSAL_QUEUE_URL",
		"NOTIFY_EMAIL_QUEUE_URL", "NOTIFY_SMS_QUEUE_URL", "NOTIFY_PUSH_QUEUE_URL", "NOTIFY_INTAKE_QUEUE_URL",
		"BREVO_BASE_URL", "TWOFACTOR_BASE_URL", "FCM_BASE_URL", "FCM_TOKEN_URL"}
	for _, k := range urls {
		for _, bad := range []string{"not a url", "ftp://host/x", "/relative/path", "https://"} {
			_, err := FromEnv(envOf(map[string]string{k: bad}))
			if err == nil || !strings.Contains(err.Error(), k) || !strings.Contains(err.Error(), "absolute http(s) URL") {
				t.Errorf("%s=%q: %v", k, bad, err)
			}
		}
	}
	for k, bads := range map[string][]string{
		"NOTIFY_DEFAULT_PROVIDER":         {"brevo", "LIVE"},
		"NOTIFY_RETRY_SECONDS":            {"-1", "43201", "2s", "two"},
		"CLINIC_MIN_CONSULTATION_SECONDS": {"-1", "3601", "60s", "1.5"},
	} {
		for _, bad := range bads {
			if _, err := FromEnv(envOf(map[string]string{k: bad})); err == nil || !strings.Contains(err.Error(), k) {
				t.Errorf("%s=%q: %v", k, bad, err)
			}
		}
	}
}

// A config that cannot load still names the function, for the one start-up failure line.
func TestFailedConfigKeepsTheFunctionName(t *testing.T) {
	c, err := FromEnv(envOf(map[string]string{"AWS_LAMBDA_FUNCTION_NAME": "LoanAssess", "HOLDFAST_MODE": "prod", "LENDING_TABLE": "l"}))
	if err == nil || c.FunctionName != "LoanAssess" || c.LendingTable != "" {
		t.Fatalf("%+v %v", c, err)
	}
}

// The clinic statistics' floor: 60 s unless CLINIC_MIN_CONSULTATION_SECONDS says otherwise.
func TestClinicMinConsultation(t *testing.T) {
	for v, want := range map[string]time.Duration{"": DefaultMinConsultation, "0": 0, "90": 90 * time.Second, "3600": time.Hour} {
		c, err := FromEnv(envOf(map[string]string{"CLINIC_MIN_CONSULTATION_SECONDS": v}))
		if err != nil || c.Clinic.MinConsultation != want {
			t.Errorf("CLINIC_MIN_CONSULTATION_SECONDS=%q: %v %v, want %v", v, c.Clinic.MinConsultation, err, want)
		}
	}
	if DefaultMinConsultation != time.Minute {
		t.Fatalf("default floor %v, want 60 s", DefaultMinConsultation)
	}
}
