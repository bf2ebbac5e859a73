package config

import (
	"log/slog"
	"net/netip"
	"strings"
	"testing"
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
