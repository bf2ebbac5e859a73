// Package jwtauth verifies RS256 bearer tokens against an issuer's JWKS, the way API Gateway's
// JWT authorizer does (issuer, audience, expiry, not-before, signature by key id), and mints
// tokens for the local dev issuer. It is used by the local cloud's gateway and by the WebSocket
// $connect authorizer. It must never accept an unsigned token, an `alg` other than RS256, or
// a token whose issuer or audience differs from the configured ones.
package jwtauth

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Errors a caller can tell apart (all mean 401 to a client).
var (
	ErrMissing   = errors.New("token missing")
	ErrMalformed = errors.New("token malformed")
	ErrExpired   = errors.New("token expired")
	ErrIssuer    = errors.New("token issuer not accepted")
	ErrAudience  = errors.New("token audience not accepted")
	ErrSignature = errors.New("token signature invalid")
	ErrKey       = errors.New("token signing key unknown")
)

// JWK is one RSA public key in a JWKS document.
type JWK struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use,omitempty"`
	Alg string `json:"alg,omitempty"`
	N   string `json:"n"`
	E   string `json:"e"`
}

// JWKS is a key set document (`/.well-known/jwks.json`).
type JWKS struct {
	Keys []JWK `json:"keys"`
}

// PublicJWK renders an RSA public key as a JWK.
func PublicJWK(kid string, pub *rsa.PublicKey) JWK {
	return JWK{
		Kty: "RSA", Kid: kid, Use: "sig", Alg: "RS256",
		N: base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		E: base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}
}

func (k JWK) rsaKey() (*rsa.PublicKey, error) {
	if k.Kty != "RSA" {
		return nil, fmt.Errorf("jwk %q: kty %q is not RSA", k.Kid, k.Kty)
	}
	n, err := base64.RawURLEncoding.DecodeString(k.N)
	if err != nil {
		return nil, fmt.Errorf("jwk %q: modulus: %w", k.Kid, err)
	}
	e, err := base64.RawURLEncoding.DecodeString(k.E)
	if err != nil {
		return nil, fmt.Errorf("jwk %q: exponent: %w", k.Kid, err)
	}
	return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}, nil
}

// KeySource finds a public key by key id.
type KeySource interface {
	Key(ctx context.Context, kid string) (*rsa.PublicKey, error)
}

// StaticKeys is a KeySource over a fixed key set.
type StaticKeys map[string]*rsa.PublicKey

// Key implements KeySource.
func (s StaticKeys) Key(_ context.Context, kid string) (*rsa.PublicKey, error) {
	if k, ok := s[kid]; ok {
		return k, nil
	}
	return nil, ErrKey
}

// RemoteKeys fetches a JWKS over HTTP and caches it; an unknown kid triggers at most one refetch
// per minute, so key rotation is picked up without letting bad tokens hammer the issuer.
type RemoteKeys struct {
	URL    string
	Client *http.Client

	mu        sync.Mutex
	keys      map[string]*rsa.PublicKey
	fetchedAt time.Time
}

// Key implements KeySource.
func (r *RemoteKeys) Key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if k, ok := r.keys[kid]; ok {
		return k, nil
	}
	if !r.fetchedAt.IsZero() && time.Since(r.fetchedAt) < time.Minute {
		return nil, ErrKey
	}
	if err := r.fetch(ctx); err != nil {
		return nil, err
	}
	if k, ok := r.keys[kid]; ok {
		return k, nil
	}
	return nil, ErrKey
}

func (r *RemoteKeys) fetch(ctx context.Context) error {
	client := r.Client
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.URL, nil)
	if err != nil {
		return fmt.Errorf("jwks request: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("fetch jwks: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("fetch jwks: HTTP %d", resp.StatusCode)
	}
	var set JWKS
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&set); err != nil {
		return fmt.Errorf("decode jwks: %w", err)
	}
	keys := make(map[string]*rsa.PublicKey, len(set.Keys))
	for _, k := range set.Keys {
		pub, err := k.rsaKey()
		if err != nil {
			continue // a key of another type is not ours to use
		}
		keys[k.Kid] = pub
	}
	r.keys, r.fetchedAt = keys, time.Now()
	return nil
}

// Verifier checks tokens as API Gateway's JWT authorizer does.
type Verifier struct {
	Issuer   string
	Audience string
	Keys     KeySource
	Now      func() time.Time // nil means time.Now
	Leeway   time.Duration
}

// Claims are the verified token's claims, as JSON values.
type Claims map[string]any

// Verify parses and checks a raw token (without the "Bearer " prefix).
func (v *Verifier) Verify(ctx context.Context, raw string) (Claims, error) {
	if raw == "" {
		return nil, ErrMissing
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	var keyErr error
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithIssuer(v.Issuer),
		jwt.WithAudience(v.Audience),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(v.Leeway),
		jwt.WithTimeFunc(now),
	)
	claims := jwt.MapClaims{}
	_, err := parser.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		k, err := v.Keys.Key(ctx, kid)
		if err != nil {
			keyErr = err
		}
		return k, err
	})
	switch {
	case err == nil:
		return Claims(claims), nil
	case keyErr != nil:
		if errors.Is(keyErr, ErrKey) {
			return nil, ErrKey
		}
		return nil, fmt.Errorf("%w: %v", ErrKey, keyErr)
	case errors.Is(err, jwt.ErrTokenExpired), errors.Is(err, jwt.ErrTokenNotValidYet):
		return nil, ErrExpired
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return nil, ErrIssuer
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return nil, ErrAudience
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return nil, ErrSignature
	default:
		return nil, ErrMalformed
	}
}

// FlattenClaims renders claims the way API Gateway's HTTP API hands them to a Lambda in
// requestContext.authorizer.jwt.claims: strings as they are, arrays as "[a b c]", numbers and
// booleans in their JSON form.
func FlattenClaims(c Claims) map[string]string {
	out := make(map[string]string, len(c))
	for k, v := range c {
		out[k] = flatten(v)
	}
	return out
}

func flatten(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case []any:
		s := "["
		for i, e := range t {
			if i > 0 {
				s += " "
			}
			s += flatten(e)
		}
		return s + "]"
	case float64:
		if t == float64(int64(t)) {
			return fmt.Sprintf("%d", int64(t))
		}
		return fmt.Sprintf("%v", t)
	case json.Number:
		return t.String()
	default:
		b, _ := json.Marshal(t)
		return string(b)
	}
}
