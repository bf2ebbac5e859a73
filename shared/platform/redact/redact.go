// Package redact masks secrets and contact details before a value reaches a log line or an
// audit record: by key (password, token, apiKey, email, phone, …) and by shape inside any
// string (email addresses, E.164 phone numbers, bearer tokens, JWTs, secret-looking query
// parameters). It must never be bypassed by logs or audit, and never try to be clever about
// un-masking: when in doubt, mask.
package redact

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Mask replaces a redacted value.
const Mask = "[REDACTED]"

// Key fragments that make a field sensitive wherever they appear in its name
// (case, '-', '_' and '.' ignored).
var sensitiveFragments = []string{
	"password", "passwd", "passphrase", "secret", "token", "apikey", "privatekey", "accesskey",
	"authorization", "cookie", "credential", "serviceaccount", "signature",
	"email", "phone", "mobile", "msisdn", "whatsapp",
}

// Names sensitive only when they are the whole key (too short to match inside other words),
// and name suffixes that make a key sensitive.
var (
	sensitiveExact    = []string{"otp", "pin", "cvv", "key", "sig", "auth", "jwt"}
	sensitiveSuffixes = []string{"key", "pin", "otp"}
)

// Keys whose values are free text a caller wrote: a notification's body, subject, title and
// data values, a loan's purpose, an approver's note, a canceller's reason, a patient's name.
// Such text can hold anything (an OTP, a bare phone number no pattern recognises), so it is
// recorded by length and SHA-256 (Digest), never by content. Identifiers, amounts, states and
// the names of tenants and doctors (an organisation's, shown on a public board) stay readable.
var freeTextKeys = []string{"body", "subject", "title", "data", "purpose", "note", "reason",
	"patientname", "message", "description", "comment"}

// FreeTextKey reports whether values under a field with this name are free text (case, '-',
// '_' and '.' ignored).
func FreeTextKey(key string) bool { return slices.Contains(freeTextKeys, normalise(key)) }

// Digest describes free text without its content: {"len": characters, "sha256": hex}. It
// proves which text was sent (compare the hash of a candidate) and no more.
func Digest(s string) map[string]any {
	sum := sha256.Sum256([]byte(s))
	return map[string]any{"len": utf8.RuneCountInString(s), "sha256": hex.EncodeToString(sum[:])}
}

// digestValue replaces every string in v (a free-text field's value: a string, or for data an
// object of strings) by its Digest; keys are kept, masked as String masks them.
func digestValue(v any) any {
	switch t := v.(type) {
	case string:
		return Digest(t)
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, val := range t {
			out[String(k)] = digestValue(val)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, val := range t {
			out[i] = digestValue(val)
		}
		return out
	default:
		return v
	}
}

// SensitiveKey reports whether values under a field or attribute with this name are masked.
func SensitiveKey(key string) bool {
	k := normalise(key)
	if k == "" {
		return false
	}
	for _, f := range sensitiveFragments {
		if strings.Contains(k, f) {
			return true
		}
	}
	for _, e := range sensitiveExact {
		if k == e {
			return true
		}
	}
	for _, s := range sensitiveSuffixes {
		if strings.HasSuffix(k, s) && !strings.HasSuffix(k, "idempotencykey") {
			return true
		}
	}
	return false
}

func normalise(key string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(key) {
		if r == '-' || r == '_' || r == '.' || r == ' ' {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

var patterns = []*regexp.Regexp{
	regexp.MustCompile(`(?i)\bbearer\s+[A-Za-z0-9\-._~+/]+=*`),
	regexp.MustCompile(`eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*`),
	// An email address as net/mail (and so notify.ValidEmail) reads one: any run of atext —
	// printable ASCII but the specials, or any non-ASCII letter — around an @, with a dot in
	// the domain. Broader than real addresses on purpose: over-masking is the safe side.
	regexp.MustCompile(`[^\s@<>()\[\]:;\\,"\x00-\x1f\x7f]+@[^\s@<>()\[\]:;\\,"\x00-\x1f\x7f]+\.[^\s@<>()\[\]:;\\,"\x00-\x1f\x7f]+`),
	// A phone number in E.164, whatever follows it ("+14155550100ext").
	regexp.MustCompile(`\+[1-9][0-9]{7,14}`),
}

// secretParam matches key=value pairs (query strings, form bodies, log text) whose key is
// secret-looking; the value is masked and the key kept.
var secretParam = regexp.MustCompile(`(?i)\b([A-Za-z0-9_\-]*(?:key|token|secret|password|signature|sig|auth)[A-Za-z0-9_\-]*)=([^&\s"']+)`)

// String masks every email address, phone number, bearer token, JWT and secret-looking
// key=value pair inside s.
func String(s string) string {
	if s == "" {
		return s
	}
	for _, p := range patterns {
		s = p.ReplaceAllString(s, Mask)
	}
	return secretParam.ReplaceAllStringFunc(s, func(m string) string {
		sub := secretParam.FindStringSubmatch(m)
		if strings.EqualFold(sub[1], "idempotency-key") || strings.EqualFold(sub[1], "idempotencykey") {
			return m
		}
		return sub[1] + "=" + Mask
	})
}

// Value returns a copy of a decoded-JSON value (maps, slices, strings, numbers) with
// sensitive keys masked, free-text keys' strings replaced by their Digest, and every other
// string passed through String.
func Value(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, val := range t {
			if SensitiveKey(k) && val != nil {
				out[String(k)] = Mask
				continue
			}
			if FreeTextKey(k) {
				out[String(k)] = digestValue(val)
				continue
			}
			out[String(k)] = Value(val) // a key can hold a contact detail too
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, val := range t {
			out[i] = Value(val)
		}
		return out
	case map[string]string:
		out := make(map[string]any, len(t))
		for k, val := range t {
			if SensitiveKey(k) {
				out[String(k)] = Mask
				continue
			}
			out[String(k)] = String(val)
		}
		return out
	case string:
		return String(t)
	default:
		return v
	}
}

// ErrNotJSON says JSON was given something that is not a single JSON value.
var ErrNotJSON = errors.New("not a JSON value")

// JSON redacts a JSON document, keeping numbers exactly as written.
func JSON(raw []byte) (json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotJSON, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: trailing data", ErrNotJSON)
	}
	out, err := json.Marshal(Value(v))
	if err != nil {
		return nil, fmt.Errorf("redact: %w", err)
	}
	return out, nil
}

// Attr is a slog ReplaceAttr function: sensitive attribute keys are masked, and string and
// error values are passed through String.
func Attr(_ []string, a slog.Attr) slog.Attr {
	if SensitiveKey(a.Key) {
		return slog.String(a.Key, Mask)
	}
	switch a.Value.Kind() {
	case slog.KindString:
		return slog.String(a.Key, String(a.Value.String()))
	case slog.KindAny:
		if err, ok := a.Value.Any().(error); ok {
			return slog.String(a.Key, String(err.Error()))
		}
	}
	return a
}
