// Package config turns a function's environment (decision 0001) into one validated value,
// read once at start-up so a misconfigured function fails before it serves a request. It is
// the only package that reads the environment (shared/archtest enforces it): a variable a
// function needs is a field here, validated here. It must never read the environment on a
// request path, hold local-only switches beyond HOLDFAST_MODE, or carry secrets.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"strconv"
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
	DefaultNotifyRetryDelay = 2 * time.Second
	DefaultMinConsultation  = 60 * time.Second
	maxMinConsultationSecs  = 3600
	maxNotifyRetrySeconds   = 43200 // SQS's longest visibility timeout, 12 hours
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
	JWKSURL          string // JWKS_URL: the keys the WebSocket $connect authorizer verifies with
	LogLevel         slog.Level

	// WebSocketEndpoint is the WebSocket API's stage URL (WEBSOCKET_ENDPOINT), where its
	// @connections management API answers.
	WebSocketEndpoint string
	// ManagementEndpoint is the SDK's own per-service override of that endpoint
	// (AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI). It is read here only so that the stage URL
	// yields to it as the SDK's precedence says; see ConnectionsEndpoint.
	ManagementEndpoint string

	DisbursalQueueURL string // DISBURSAL_QUEUE_URL: the lending disbursal FIFO queue

	Notify Notify
	Clinic Clinic
}

// Clinic is the clinic functions' part of the environment.
type Clinic struct {
	// MinConsultation is the statistics' floor: shorter consultations are ignored
	// (CLINIC_MIN_CONSULTATION_SECONDS, whole seconds 0–3600, default 60).
	MinConsultation time.Duration
}

// Notify is the notification functions' part of the environment. Unset provider URLs and the
// secret prefix stay empty here: package notifyqueue owns their defaults.
type Notify struct {
	EmailQueueURL    string // NOTIFY_EMAIL_QUEUE_URL
	SMSQueueURL      string // NOTIFY_SMS_QUEUE_URL
	PushQueueURL     string // NOTIFY_PUSH_QUEUE_URL
	IntakeQueueURL   string // NOTIFY_INTAKE_QUEUE_URL
	SecretPrefix     string // NOTIFY_SECRET_PREFIX
	DefaultProvider  string // NOTIFY_DEFAULT_PROVIDER: "", "sandbox" or "live"
	BrevoBaseURL     string // BREVO_BASE_URL
	TwoFactorBaseURL string // TWOFACTOR_BASE_URL
	FCMBaseURL       string // FCM_BASE_URL
	FCMTokenURL      string // FCM_TOKEN_URL
	// RetryDelay is the wait before a transient delivery failure is retried
	// (NOTIFY_RETRY_SECONDS, whole seconds 0–43200, default 2).
	RetryDelay time.Duration
}

// ConnectionsEndpoint is where the WebSocket API's @connections endpoint answers: the SDK's
// per-service override when one is set (as the SDK itself would choose), else the stage URL.
// On AWS both name the stage; the local cloud sets the override to itself.
func (c Config) ConnectionsEndpoint() string {
	if c.ManagementEndpoint != "" {
		return c.ManagementEndpoint
	}
	return c.WebSocketEndpoint
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

// FromEnv reads the environment through getenv and reports every bad variable at once. On
// error the Config returned carries only the function's identity (FunctionName, Version), so
// the failure can still be logged under the function's name.
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
		Notify: Notify{
			SecretPrefix:    get("NOTIFY_SECRET_PREFIX"),
			DefaultProvider: get("NOTIFY_DEFAULT_PROVIDER"),
		},
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
	urlVar := func(k string) string {
		v := get(k)
		if v == "" {
			return ""
		}
		if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("%s %q: want an absolute http(s) URL", k, v))
		}
		return v
	}
	c.JWKSURL = urlVar("JWKS_URL")
	c.WebSocketEndpoint = urlVar("WEBSOCKET_ENDPOINT")
	c.ManagementEndpoint = urlVar("AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI")
	c.DisbursalQueueURL = urlVar("DISBURSAL_QUEUE_URL")
	c.Notify.EmailQueueURL = urlVar("NOTIFY_EMAIL_QUEUE_URL")
	c.Notify.SMSQueueURL = urlVar("NOTIFY_SMS_QUEUE_URL")
	c.Notify.PushQueueURL = urlVar("NOTIFY_PUSH_QUEUE_URL")
	c.Notify.IntakeQueueURL = urlVar("NOTIFY_INTAKE_QUEUE_URL")
	c.Notify.BrevoBaseURL = urlVar("BREVO_BASE_URL")
	c.Notify.TwoFactorBaseURL = urlVar("TWOFACTOR_BASE_URL")
	c.Notify.FCMBaseURL = urlVar("FCM_BASE_URL")
	c.Notify.FCMTokenURL = urlVar("FCM_TOKEN_URL")
	switch c.Notify.DefaultProvider {
	case "", "sandbox", "live":
	default:
		errs = append(errs, fmt.Errorf("NOTIFY_DEFAULT_PROVIDER %q: want sandbox or live", c.Notify.DefaultProvider))
	}
	c.Notify.RetryDelay = DefaultNotifyRetryDelay
	if v := get("NOTIFY_RETRY_SECONDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > maxNotifyRetrySeconds {
			errs = append(errs, fmt.Errorf("NOTIFY_RETRY_SECONDS %q: want whole seconds from 0 to %d", v, maxNotifyRetrySeconds))
		}
		c.Notify.RetryDelay = time.Duration(n) * time.Second
	}
	c.Clinic.MinConsultation = DefaultMinConsultation
	if v := get("CLINIC_MIN_CONSULTATION_SECONDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > maxMinConsultationSecs {
			errs = append(errs, fmt.Errorf("CLINIC_MIN_CONSULTATION_SECONDS %q: want whole seconds from 0 to %d", v, maxMinConsultationSecs))
		}
		c.Clinic.MinConsultation = time.Duration(n) * time.Second
	}
	if err := errors.Join(errs...); err != nil {
		return Config{FunctionName: c.FunctionName, Version: c.Version}, fmt.Errorf("config: %w", err)
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
