package jwtauth

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// DevIssuer is the local cloud's token issuer. Its private key lives in a git-ignored folder
// (`.holdfast/` by default) so tokens minted by `holdfast token` are accepted by a local cloud
// started later from the same checkout. It exists only for local runs and tests.
type DevIssuer struct {
	Issuer   string
	Audience string
	KeyID    string
	key      *rsa.PrivateKey
}

// Local issuer identity: fixed strings, independent of the ports the local cloud listens on.
const (
	DevIssuerURL = "https://holdfast.local/dev-issuer"
	DevAudience  = "holdfast-local"
)

type issuerFile struct {
	Issuer   string `json:"issuer"`
	Audience string `json:"audience"`
	KeyID    string `json:"kid"`
	KeyPEM   string `json:"privateKeyPem"`
}

// LoadOrCreateDevIssuer reads dir/dev-issuer.json, creating it (0600) with a new RSA key if absent.
func LoadOrCreateDevIssuer(dir string) (*DevIssuer, error) {
	path := filepath.Join(dir, "dev-issuer.json")
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		iss, err := NewDevIssuer()
		if err != nil {
			return nil, err
		}
		if err := iss.save(dir, path); err != nil {
			return nil, err
		}
		return iss, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read dev issuer: %w", err)
	}
	var f issuerFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	block, _ := pem.Decode([]byte(f.KeyPEM))
	if block == nil {
		return nil, fmt.Errorf("parse %s: no PEM key", path)
	}
	key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse %s key: %w", path, err)
	}
	return &DevIssuer{Issuer: f.Issuer, Audience: f.Audience, KeyID: f.KeyID, key: key}, nil
}

// NewDevIssuer makes an in-memory issuer with a fresh 2048-bit key (tests).
func NewDevIssuer() (*DevIssuer, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	kid := fmt.Sprintf("dev-%d", time.Now().Unix())
	return &DevIssuer{Issuer: DevIssuerURL, Audience: DevAudience, KeyID: kid, key: key}, nil
}

func (d *DevIssuer) save(dir, path string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	f := issuerFile{
		Issuer: d.Issuer, Audience: d.Audience, KeyID: d.KeyID,
		KeyPEM: string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(d.key)})),
	}
	b, _ := json.MarshalIndent(f, "", "  ")
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("write dev issuer: %w", err)
	}
	return os.Rename(tmp, path)
}

// JWKS is the issuer's public key set.
func (d *DevIssuer) JWKS() JWKS { return JWKS{Keys: []JWK{PublicJWK(d.KeyID, &d.key.PublicKey)}} }

// Keys is a KeySource for this issuer's own key.
func (d *DevIssuer) Keys() StaticKeys { return StaticKeys{d.KeyID: &d.key.PublicKey} }

// Verifier checks tokens from this issuer.
func (d *DevIssuer) Verifier() *Verifier {
	return &Verifier{Issuer: d.Issuer, Audience: d.Audience, Keys: d.Keys()}
}

// TokenSpec is what `holdfast token` asks for.
type TokenSpec struct {
	Subject    string
	Roles      []string
	RolesClaim string // default "roles"
	Tenant     string // for service callers
	TTL        time.Duration
	Extra      map[string]any
	// Overrides for negative tests: another issuer or audience, a past expiry.
	Issuer   string
	Audience string
	Now      time.Time
}

// Mint signs a token. Roles go out as a JSON array, as Cognito's groups claim does.
func (d *DevIssuer) Mint(s TokenSpec) (string, error) {
	if s.Subject == "" {
		return "", errors.New("mint: subject is required")
	}
	now := s.Now
	if now.IsZero() {
		now = time.Now()
	}
	ttl := s.TTL
	if ttl == 0 {
		ttl = 12 * time.Hour
	}
	iss, aud := d.Issuer, d.Audience
	if s.Issuer != "" {
		iss = s.Issuer
	}
	if s.Audience != "" {
		aud = s.Audience
	}
	claim := s.RolesClaim
	if claim == "" {
		claim = "roles"
	}
	c := jwt.MapClaims{
		"iss": iss, "aud": aud, "sub": s.Subject,
		"iat": now.Unix(), "nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(ttl).Unix(),
		"token_use": "access",
	}
	roles := make([]any, len(s.Roles))
	for i, r := range s.Roles {
		roles[i] = r
	}
	c[claim] = roles
	if s.Tenant != "" {
		c["tenant"] = s.Tenant
	}
	for k, v := range s.Extra {
		c[k] = v
	}
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	t.Header["kid"] = d.KeyID
	return t.SignedString(d.key)
}
