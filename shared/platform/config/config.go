// Package config turns a function's environment (decision 0001) into one validated value,
// read once at start-up so a misconfigured function fails before it serves a request.
// It must never read the environment on a request path, hold local-only switches beyond
// HOLDFAST_MODE, or carry secrets.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"regexp"
	"strings"
	"time"
	_ "time/tzdata" // Lambda's provided runtimes do not promise a zoneinfo database.
)

// Mode says where a function runs. Only ModeLocal lets the clock be moved.
type Mode string

const (
	ModeAWS   Mode = "aws"
	ModeLocal Mode = "local"
)

// ParseMode accepts "aws" (also the empty default) and "local".
func ParseMode(s string) (Mode, error) {
	switch strings.TrimSpace(s) {
	case "", string(ModeAWS):
		return ModeAWS, nil
	case string(ModeLocal):
		return ModeLocal, nil
	}
	return "", fmt.Errorf("HOLDFAST_MODE %q: want %q or %q", s, ModeAWS, ModeLocal)
}

// Defaults from decision 0001.
const (
	DefaultCurrency         = "INR"
	DefaultBusinessTimezone = "Asia/Kolkata"
	DefaultRolesClaim       = "roles"
	DefaultTenantClaim      = "tenant"
)

// Config is everything a function learns from its environment.
type Config struct {
	Mode         Mode
	Version      string // HOLDFAST_VERSION
	FunctionName string // AWS_LAMBDA_FUNCTION_NAME

	EventBusName string

	IdempotencyTable string
	AuditTable       string
	ConnectionsTable string
	LendingTable     string
	ClinicTable      string
	NotifyTable      string

	Currency         string
	BusinessTimezone *time.Location
	TrustedProxies   []netip.Prefix
	RolesClaim       string
	TenantClaim      string
	JWTIssuer        string
	JWTAudience      string
	LogLevel         slog.Level
}

// Tables lists the configured tables by the name health reports them under, skipping unset ones.
func (c Config) Tables() map[string]string {
	all := map[string]string{
		"idempotencyTable": c.IdempotencyTable,
		"auditTable":       c.AuditTable,
		"connectionsTable": c.ConnectionsTable,
		"lendingTable":     c.LendingTable,
		"clinicTable":      c.ClinicTable,
		"notifyTable":      c.NotifyTable,
	}
	out := make(map[string]string, len(all))
	for k, v := range all {
		if v != "" {
			out[k] = v
		}
	}
	return out
}

var currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)

// FromOS reads the process environment.
func FromOS() (Config, error) { return FromEnv(os.Getenv) }

// FromEnv reads the environment through getenv and reports every bad variable at once.
func FromEnv(getenv func(string) string) (Config, error) {
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	orDefault := func(k, def string) string {
		if v := get(k); v != "" {
			return v
		}
		return def
	}
	var errs []error
	c := Config{
		Version:          get("HOLDFAST_VERSION"),
		FunctionName:     get("AWS_LAMBDA_FUNCTION_NAME"),
		EventBusName:     get("EVENT_BUS_NAME"),
		IdempotencyTable: get("IDEMPOTENCY_TABLE"),
		AuditTable:       get("AUDIT_TABLE"),
		ConnectionsTable: get("CONNECTIONS_TABLE"),
		LendingTable:     get("LENDING_TABLE"),
		ClinicTable:      get("CLINIC_TABLE"),
		NotifyTable:      get("NOTIFY_TABLE"),
		Currency:         orDefault("CURRENCY", DefaultCurrency),
		RolesClaim:       orDefault("ROLES_CLAIM", DefaultRolesClaim),
		TenantClaim:      orDefault("TENANT_CLAIM", DefaultTenantClaim),
		JWTIssuer:        get("JWT_ISSUER"),
		JWTAudience:      get("JWT_AUDIENCE"),
	}
	if c.Version == "" {
		c.Version = "dev"
	}
	mode, err := ParseMode(get("HOLDFAST_MODE"))
	if err != nil {
		errs = append(errs, err)
	}
	c.Mode = mode
	if !currencyCode.MatchString(c.Currency) {
		errs = append(errs, fmt.Errorf("CURRENCY %q: want a three-letter ISO 4217 code", c.Currency))
	}
	tz := orDefault("BUSINESS_TIMEZONE", DefaultBusinessTimezone)
	loc, err := time.LoadLocation(tz)
	if err != nil {
		errs = append(errs, fmt.Errorf("BUSINESS_TIMEZONE %q: %w", tz, err))
	}
	c.BusinessTimezone = loc
	proxies, err := ParseTrustedProxies(get("TRUSTED_PROXIES"))
	if err != nil {
		errs = append(errs, err)
	}
	c.TrustedProxies = proxies
	if lvl := get("LOG_LEVEL"); lvl != "" {
		if err := c.LogLevel.UnmarshalText([]byte(lvl)); err != nil {
			errs = append(errs, fmt.Errorf("LOG_LEVEL %q: %w", lvl, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	return c, nil
}

// ParseTrustedProxies reads a comma-separated list of CIDRs; a bare address means that one host.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	var errs []error
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if p, err := netip.ParsePrefix(part); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil {
			errs = append(errs, fmt.Errorf("TRUSTED_PROXIES entry %q: not a CIDR or address", part))
			continue
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, errors.Join(errs...)
}
