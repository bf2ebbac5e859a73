package jwtauth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestVerifyAcceptsAndRejects(t *testing.T) {
	iss, err := NewDevIssuer()
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewDevIssuer()
	other.KeyID = iss.KeyID // same kid, different key: a forged signature
	v := iss.Verifier()
	ctx := context.Background()
	mint := func(d *DevIssuer, s TokenSpec) string {
		t.Helper()
		tok, err := d.Mint(s)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	good := mint(iss, TokenSpec{Subject: "u1", Roles: []string{"customer", "admin"}})
	claims, err := v.Verify(ctx, good)
	if err != nil {
		t.Fatalf("good token: %v", err)
	}
	if claims["sub"] != "u1" {
		t.Fatalf("sub = %v", claims["sub"])
	}
	if got := FlattenClaims(claims)["roles"]; got != "[customer admin]" {
		t.Fatalf("flattened roles = %q, want API Gateway's [customer admin]", got)
	}

	alg := strings.Split(good, ".")
	noneHeader := `{"alg":"none","typ":"JWT"}`
	unsigned := b64(noneHeader) + "." + alg[1] + "."

	cases := []struct {
		name string
		tok  string
		want error
	}{
		{"missing", "", ErrMissing},
		{"garbage", "not.a.token", ErrMalformed},
		{"expired", mint(iss, TokenSpec{Subject: "u1", Now: time.Now().Add(-2 * time.Hour), TTL: time.Hour}), ErrExpired},
		{"wrong issuer", mint(iss, TokenSpec{Subject: "u1", Issuer: "https://evil.example"}), ErrIssuer},
		{"wrong audience", mint(iss, TokenSpec{Subject: "u1", Audience: "someone-else"}), ErrAudience},
		{"bad signature", mint(other, TokenSpec{Subject: "u1"}), ErrSignature},
		{"alg none", unsigned, ErrSignature},
		{"tampered payload", alg[0] + "." + b64(`{"sub":"admin","iss":"`+DevIssuerURL+`","aud":"`+DevAudience+`","exp":9999999999}`) + "." + alg[2], ErrSignature},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := v.Verify(ctx, c.tok)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
		})
	}
}

func TestUnknownKidIsRejected(t *testing.T) {
	iss, _ := NewDevIssuer()
	other, _ := NewDevIssuer()
	other.KeyID = "someone-elses"
	tok, _ := other.Mint(TokenSpec{Subject: "u"})
	if _, err := iss.Verifier().Verify(context.Background(), tok); !errors.Is(err, ErrKey) {
		t.Fatalf("err = %v, want ErrKey", err)
	}
}

func TestRemoteKeysFetchesOnceAndRateLimitsUnknownKids(t *testing.T) {
	iss, _ := NewDevIssuer()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_ = json.NewEncoder(w).Encode(iss.JWKS())
	}))
	defer srv.Close()
	v := &Verifier{Issuer: iss.Issuer, Audience: iss.Audience, Keys: &RemoteKeys{URL: srv.URL}}
	tok, _ := iss.Mint(TokenSpec{Subject: "u"})
	for i := 0; i < 5; i++ {
		if _, err := v.Verify(context.Background(), tok); err != nil {
			t.Fatal(err)
		}
	}
	forger, _ := NewDevIssuer()
	forger.KeyID = "unknown"
	bad, _ := forger.Mint(TokenSpec{Subject: "u"})
	for i := 0; i < 5; i++ {
		if _, err := v.Verify(context.Background(), bad); !errors.Is(err, ErrKey) {
			t.Fatalf("unknown kid: %v", err)
		}
	}
	if n := hits.Load(); n != 1 {
		t.Fatalf("JWKS fetched %d times, want 1", n)
	}
}

func TestDevIssuerPersists(t *testing.T) {
	dir := t.TempDir()
	a, err := LoadOrCreateDevIssuer(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := LoadOrCreateDevIssuer(dir)
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := a.Mint(TokenSpec{Subject: "u"})
	if _, err := b.Verifier().Verify(context.Background(), tok); err != nil {
		t.Fatalf("token from first load rejected by second: %v", err)
	}
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
