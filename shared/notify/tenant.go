package notify

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"holdfast/shared/platform/errs"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// PlatformTenant is the tenant of the platform's own messages (lending's EMI reminders,
// disbursal and overdue notices; the clinic's booking confirmations and "you are next").
const PlatformTenant = "platform"

// Provider names.
const (
	ProviderSandbox   = "sandbox"
	ProviderBrevo     = "brevo"
	ProviderTwoFactor = "twofactor"
	ProviderFCM       = "fcm"
)

// liveProvider is the real provider of each channel.
var liveProvider = map[Channel]string{Email: ProviderBrevo, SMS: ProviderTwoFactor, Push: ProviderFCM}

// LiveProvider is the real provider behind channel c.
func LiveProvider(c Channel) string { return liveProvider[c] }

var tenantID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)

// ValidTenantID reports whether s is 2..63 lower-case letters, digits and '-'.
func ValidTenantID(s string) bool { return tenantID.MatchString(s) }

// Tenant is a registered tenant: its provider per channel and the non-secret settings. Its
// credentials live in Secrets Manager (TenantSecret) and are never part of this value.
type Tenant struct {
	ID          string
	Name        string
	Providers   map[Channel]string
	SenderEmail string
	SenderName  string
	SMSSender   string
	FCMProject  string
	FCMAccount  string // the service account's client_email
	HasBrevo    bool
	HasTwoFac   bool
	HasFirebase bool
	// SecretVersion is the Secrets Manager version holding this registration's credentials.
	SecretVersion string
	CreatedAt     time.Time
}

// ProviderFor is the provider delivering channel c for the tenant.
func (t Tenant) ProviderFor(c Channel, fallback string) string {
	if p := t.Providers[c]; p != "" {
		return p
	}
	return fallback
}

// DefaultTenant is the configuration of a tenant that was never registered: only the platform
// tenant may be used that way, and it delivers through the deployment's default provider.
func DefaultTenant(id string) Tenant {
	return Tenant{ID: id, Name: id, Providers: map[Channel]string{}}
}

// SendingTenant is the tenant notifications for tenant id are accepted and delivered under,
// given what the store holds for id (registration, and whether it is registered at all): a
// registered tenant sends as registered. A tenant that never registered may not send — 403
// tenant_not_registered — except the platform tenant, whose own messages need no registration
// and go through the deployment's default providers (DefaultTenant). There is no other
// tenant state: a registered tenant is never disabled or suspended.
func SendingTenant(id string, registration Tenant, registered bool) (Tenant, error) {
	if registered {
		return registration, nil
	}
	if id == PlatformTenant {
		return DefaultTenant(id), nil
	}
	return Tenant{}, errs.ForbiddenCode(CodeTenantNotRegistered, "Your tenant is not registered for notifications.")
}

// TenantSecret is what Secrets Manager keeps for a tenant.
type TenantSecret struct {
	BrevoAPIKey     string          `json:"brevoApiKey,omitempty"`
	TwoFactorAPIKey string          `json:"twoFactorApiKey,omitempty"`
	FirebaseAccount json.RawMessage `json:"firebaseServiceAccount,omitempty"`
}

// TenantRequest is POST /api/v1/tenants.
type TenantRequest struct {
	TenantID  string            `json:"tenantId"`
	Name      string            `json:"name"`
	Providers map[string]string `json:"providers,omitempty"`
	Brevo     *struct {
		APIKey      string `json:"apiKey"`
		SenderEmail string `json:"senderEmail"`
		SenderName  string `json:"senderName,omitempty"`
	} `json:"brevo,omitempty"`
	TwoFactor *struct {
		APIKey   string `json:"apiKey"`
		SenderID string `json:"senderId,omitempty"`
	} `json:"twoFactor,omitempty"`
	Firebase *struct {
		ServiceAccountJSON string `json:"serviceAccountJson"`
	} `json:"firebase,omitempty"`
}

// ServiceAccount is the part of a Firebase (Google) service-account key file the FCM client
// uses.
type ServiceAccount struct {
	Type         string `json:"type"`
	ProjectID    string `json:"project_id"`
	PrivateKeyID string `json:"private_key_id"`
	PrivateKey   string `json:"private_key"`
	ClientEmail  string `json:"client_email"`
	TokenURI     string `json:"token_uri"`
}

var (
	projectID = regexp.MustCompile(`^[a-z][a-z0-9-]{4,29}$`)
	apiKey    = regexp.MustCompile(`^[\x21-\x7e]{8,256}$`)
	senderID  = regexp.MustCompile(`^[A-Z0-9]{3,11}$`)
)

// ParseServiceAccount checks a service-account key file and returns it with its RSA key.
// Errors never quote the file (it holds a private key).
func ParseServiceAccount(raw []byte) (ServiceAccount, *rsa.PrivateKey, error) {
	var sa ServiceAccount
	if err := json.Unmarshal(raw, &sa); err != nil {
		return ServiceAccount{}, nil, errors.New("is not a JSON service-account key")
	}
	if sa.Type != "service_account" {
		return ServiceAccount{}, nil, errors.New(`must have "type": "service_account"`)
	}
	if !projectID.MatchString(sa.ProjectID) {
		return ServiceAccount{}, nil, errors.New("must have a valid project_id")
	}
	if a, err := mail.ParseAddress(sa.ClientEmail); err != nil || a.Address != sa.ClientEmail {
		return ServiceAccount{}, nil, errors.New("must have a client_email")
	}
	if u, err := url.Parse(sa.TokenURI); err != nil || !u.IsAbs() || (u.Scheme != "https" && u.Scheme != "http") {
		return ServiceAccount{}, nil, errors.New("must have an absolute token_uri")
	}
	key, err := parseRSAKey(sa.PrivateKey)
	if err != nil {
		return ServiceAccount{}, nil, err
	}
	return sa, key, nil
}

func parseRSAKey(p string) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(p))
	if block == nil {
		return nil, errors.New("must have a PEM private_key")
	}
	if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		if rk, ok := k.(*rsa.PrivateKey); ok {
			return rk, nil
		}
		return nil, errors.New("private_key must be an RSA key")
	}
	if rk, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return rk, nil
	}
	return nil, errors.New("private_key is not a readable RSA key")
}

// Validate checks a tenant registration, naming every bad field, and splits it into the
// tenant (stored in the table) and its secret (stored in Secrets Manager).
func (r TenantRequest) Validate(now time.Time) (Tenant, TenantSecret, error) {
	var v errs.Validator
	if r.TenantID == "" {
		v.Add("tenantId", "is required")
	} else if !ValidTenantID(r.TenantID) {
		v.Add("tenantId", "must be 2-63 lower-case letters, digits or '-', starting with a letter or digit")
	}
	name := strings.TrimSpace(r.Name)
	if msg := tenantName.Check(name); msg != "" {
		v.Add("name", msg)
	}
	t := Tenant{ID: r.TenantID, Name: name, Providers: map[Channel]string{}, CreatedAt: now}
	var sec TenantSecret
	for _, k := range sortedKeys(r.Providers) {
		c, err := ParseChannel(k)
		if err != nil {
			v.Add("providers."+sanitizeKey(k), "must be EMAIL, SMS or PUSH")
			continue
		}
		p := r.Providers[k]
		if p != ProviderSandbox && p != liveProvider[c] {
			v.Add("providers."+k, "must be sandbox or "+liveProvider[c])
			continue
		}
		t.Providers[c] = p
	}
	if b := r.Brevo; b != nil {
		if !apiKey.MatchString(b.APIKey) {
			v.Add("brevo.apiKey", "is required (8-256 printable characters)")
		}
		if !ValidEmail(b.SenderEmail) {
			v.Add("brevo.senderEmail", "must be a valid email address")
		}
		if msg := senderName.Check(b.SenderName); msg != "" {
			v.Add("brevo.senderName", msg)
		}
		t.SenderEmail, t.SenderName, t.HasBrevo, sec.BrevoAPIKey = b.SenderEmail, b.SenderName, true, b.APIKey
	}
	if s := r.TwoFactor; s != nil {
		if !apiKey.MatchString(s.APIKey) || strings.ContainsAny(s.APIKey, "/?#%") {
			v.Add("twoFactor.apiKey", "is required (8-256 printable characters, no '/', '?', '#', '%')")
		}
		if s.SenderID != "" && !senderID.MatchString(s.SenderID) {
			v.Add("twoFactor.senderId", "must be 3-11 upper-case letters or digits")
		}
		t.SMSSender, t.HasTwoFac, sec.TwoFactorAPIKey = s.SenderID, true, s.APIKey
	}
	if f := r.Firebase; f != nil {
		sa, _, err := ParseServiceAccount([]byte(f.ServiceAccountJSON))
		if err != nil {
			v.Add("firebase.serviceAccountJson", err.Error())
		} else {
			t.FCMProject, t.FCMAccount, t.HasFirebase = sa.ProjectID, sa.ClientEmail, true
			sec.FirebaseAccount = json.RawMessage(f.ServiceAccountJSON)
		}
	}
	if t.Providers[Email] == ProviderBrevo && r.Brevo == nil {
		v.Add("brevo", "is required when EMAIL uses brevo")
	}
	if t.Providers[SMS] == ProviderTwoFactor && r.TwoFactor == nil {
		v.Add("twoFactor", "is required when SMS uses twofactor")
	}
	if t.Providers[Push] == ProviderFCM && r.Firebase == nil {
		v.Add("firebase", "is required when PUSH uses fcm")
	}
	if err := v.Err(); err != nil {
		return Tenant{}, TenantSecret{}, err
	}
	return t, sec, nil
}

// HasSecret reports whether the registration carries any credential.
func (s TenantSecret) HasSecret() bool {
	return s.BrevoAPIKey != "" || s.TwoFactorAPIKey != "" || len(s.FirebaseAccount) > 0
}
