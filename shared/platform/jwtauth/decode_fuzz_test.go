package jwtauth

import (
	"context"
	"crypto"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// The bearer token is the one decoder every authenticated route runs on untrusted input. The
// seeds run in every `go test`; `go test -fuzz FuzzVerify ./shared/platform/jwtauth` explores
// further.

// fuzzNow is the verifier's clock, so that the seeds stay valid whenever the test runs.
var fuzzNow = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func FuzzVerify(f *testing.F) {
	iss, err := NewDevIssuer()
	if err != nil {
		f.Fatal(err)
	}
	other, err := NewDevIssuer()
	if err != nil {
		f.Fatal(err)
	}
	other.KeyID = iss.KeyID // same kid, another key: a forgery
	mint := func(d *DevIssuer, s TokenSpec) string {
		if s.Now.IsZero() {
			s.Now = fuzzNow
		}
		tok, err := d.Mint(s)
		if err != nil {
			f.Fatal(err)
		}
		return tok
	}
	good := mint(iss, TokenSpec{Subject: "u1", Roles: []string{"customer"}})
	parts := strings.Split(good, ".")
	hs256 := func(header, payload string) string {
		// Algorithm confusion: HMAC keyed with the issuer's public key.
		pub, _ := json.Marshal(PublicJWK(iss.KeyID, &iss.key.PublicKey))
		m := hmac.New(sha256.New, pub)
		m.Write([]byte(header + "." + payload))
		return header + "." + payload + "." + b64(string(m.Sum(nil)))
	}
	admin := b64(`{"sub":"admin","iss":"` + DevIssuerURL + `","aud":"` + DevAudience + `","exp":9999999999,"roles":["admin"]}`)
	for _, s := range []string{
		good,
		mint(iss, TokenSpec{Subject: "u1", Extra: map[string]any{"aud": []string{"x", DevAudience}}}),
		mint(iss, TokenSpec{Subject: "u1", Now: fuzzNow.Add(-2 * time.Hour), TTL: time.Hour}),
		mint(iss, TokenSpec{Subject: "u1", Issuer: "https://evil.example"}),
		mint(iss, TokenSpec{Subject: "u1", Audience: "someone-else"}),
		mint(iss, TokenSpec{Subject: "u1", Extra: map[string]any{"exp": nil}}),
		mint(other, TokenSpec{Subject: "u1"}),
		b64(`{"alg":"none","typ":"JWT"}`) + "." + parts[1] + ".",
		b64(`{"alg":"none","typ":"JWT"}`) + "." + admin + ".",
		parts[0] + "." + admin + "." + parts[2],
		hs256(b64(`{"alg":"HS256","typ":"JWT","kid":"`+iss.KeyID+`"}`), admin),
		b64(`{"alg":"RS256","kid":"../../../etc/passwd"}`) + "." + parts[1] + "." + parts[2],
		good + ".",
		"Bearer " + good,
		strings.ReplaceAll(good, ".", ".."),
		"", "not.a.token", "....", "eyJ", strings.Repeat("A", 10000),
	} {
		f.Add(s)
	}
	v := iss.Verifier()
	v.Now = func() time.Time { return fuzzNow }
	if _, err := v.Verify(context.Background(), good); err != nil {
		f.Fatalf("the issuer's own token must be accepted: %v", err) // else the seeds prove nothing
	}
	sentinels := []error{ErrMissing, ErrMalformed, ErrExpired, ErrIssuer, ErrAudience, ErrSignature, ErrKey}
	f.Fuzz(func(t *testing.T, raw string) {
		claims, err := v.Verify(context.Background(), raw)
		if err != nil {
			if !slices.ContainsFunc(sentinels, func(s error) bool { return errors.Is(err, s) }) {
				t.Fatalf("%q: error %v is none of the package's (all 401)", raw, err)
			}
			if claims != nil {
				t.Fatalf("%q: rejected but claims returned", raw)
			}
			return
		}
		// Accepted: RS256 over exactly these bytes under the issuer's key, checked here without
		// the JWT library, and claims naming the configured issuer and audience, not expired.
		segs := strings.Split(raw, ".")
		if len(segs) != 3 {
			t.Fatalf("accepted %q with %d segments", raw, len(segs))
		}
		var header map[string]any
		if err := decodeSegment(segs[0], &header); err != nil || header["alg"] != "RS256" || header["kid"] != iss.KeyID {
			t.Fatalf("accepted %q with header %v (%v)", raw, header, err)
		}
		sig, err := rawSegment(segs[2])
		digest := sha256.Sum256([]byte(segs[0] + "." + segs[1]))
		if err != nil || rsa.VerifyPKCS1v15(&iss.key.PublicKey, crypto.SHA256, digest[:], sig) != nil {
			t.Fatalf("accepted %q, which the issuer did not sign", raw)
		}
		if claims["iss"] != DevIssuerURL {
			t.Fatalf("accepted issuer %v", claims["iss"])
		}
		switch aud := claims["aud"].(type) {
		case string:
			if aud != DevAudience {
				t.Fatalf("accepted audience %q", aud)
			}
		case []any:
			if !slices.Contains(aud, any(DevAudience)) {
				t.Fatalf("accepted audience %v", aud)
			}
		default:
			t.Fatalf("accepted audience %#v", aud)
		}
		exp, ok := claims["exp"].(float64)
		if !ok || !time.Unix(int64(exp), 0).After(fuzzNow.Add(-time.Second)) {
			t.Fatalf("accepted exp %#v at %v", claims["exp"], fuzzNow)
		}
		if nbf, ok := claims["nbf"].(float64); ok && time.Unix(int64(nbf), 0).After(fuzzNow) {
			t.Fatalf("accepted a token not valid before %v", nbf)
		}
	})
}

// rawSegment decodes a token segment as RFC 7515 says: base64url without padding.
func rawSegment(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }

func decodeSegment(s string, v any) error {
	b, err := rawSegment(s)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
