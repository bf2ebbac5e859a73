package redact

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/mail"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// Redaction reads arbitrary text and JSON (log messages, error strings, request bodies bound
// for the audit table), so it is fuzzed like a decoder. The property is SPEC's: what comes out
// holds no contact detail. The seeds run in every `go test`; `go test -fuzz FuzzX
// ./shared/platform/redact` explores further.

// tokens splits s where no unquoted email address can continue: whitespace, controls and the
// RFC 5322 specials. Dots that end a sentence are not part of an address.
func tokens(s string) []string {
	out := strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune(`<>()[]{},;:"'\`, r)
	})
	for i, t := range out {
		out[i] = strings.Trim(t, ".")
	}
	return out
}

// emailIn returns an email address in s that the platform would accept as one (a bare
// address with a dotted domain, as notify.ValidEmail says) and that could be delivered: its
// domain a host name of letters, digits and '-' (any script, as internationalised addresses
// are) under a top-level domain of two or more letters. Otherwise "".
func emailIn(s string) string {
	for _, t := range tokens(s) {
		at := strings.LastIndexByte(t, '@')
		if at <= 0 || len(t) > 254 {
			continue
		}
		a, err := mail.ParseAddress(t)
		if err != nil || a.Address != t || a.Name != "" {
			continue
		}
		labels := strings.Split(t[at+1:], ".")
		host := len(labels) >= 2
		for _, l := range labels {
			host = host && l != "" && !strings.ContainsFunc(l, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' })
		}
		if tld := []rune(labels[len(labels)-1]); host && len(tld) >= 2 && !strings.ContainsFunc(string(tld), func(r rune) bool { return !unicode.IsLetter(r) }) {
			return t
		}
	}
	return ""
}

// phoneIn returns an E.164 number in s ('+', a non-zero digit, 8–15 digits in all), or "".
func phoneIn(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] != '+' {
			continue
		}
		j := i + 1
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if n := j - i - 1; n >= 8 && n <= 15 && s[i+1] != '0' {
			return s[i:j]
		}
	}
	return ""
}

func noContact(t *testing.T, in, out string) {
	t.Helper()
	if e := emailIn(out); e != "" {
		t.Fatalf("email %q survives redaction of %q: %q", e, in, out)
	}
	if p := phoneIn(out); p != "" {
		t.Fatalf("phone %q survives redaction of %q: %q", p, in, out)
	}
}

var stringSeeds = []string{
	"mail jane.doe+x@example.co.in now", "call +919876543210.", "Authorization: Bearer abc.def-ghi",
	"tok eyJhbGciOiJI.eyJzdWIiOiIx.sig_part here", "GET /sms?apikey=s3cr3t&to=1", "idempotency-key=abc",
	"amount 1500.00 for loan 5f1c", "<a href=\"mailto:Asha.Rao@Example.COM\">Asha</a>", "to:+14155550100,+442079460000;",
	"a@b.co.", "(x@y.org)", "user@sub.domain.example.museum", "+1234567", "+0123456789", "+1234567890123456",
	"1+14155550100", "tel:+14155550100;ext=1", "jane\u00a0doe@example.com", "\xff@\xfe.com", "",
	"{\"email\":\"a@b.co\"}", "phone=%2B14155550100", "x@y.z@w.com", strings.Repeat("a", 300) + "@example.com",
}

func FuzzString(f *testing.F) {
	for _, s := range stringSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := String(s)
		noContact(t, s, out)
		// Only what looks like a secret or a contact is touched.
		if out != s && !strings.ContainsAny(s, "@+=") && !strings.Contains(s, "eyJ") && !strings.Contains(strings.ToLower(s), "bearer") {
			t.Fatalf("%q changed to %q with nothing to mask", s, out)
		}
		// The same holds wherever redaction is applied: log attributes, errors, path parameters.
		if a := Attr(nil, slog.String("msg", s)); a.Key != "msg" {
			t.Fatalf("Attr renamed the key to %q", a.Key)
		} else {
			noContact(t, s, a.Value.String())
		}
		noContact(t, s, Attr(nil, slog.Any("err", errors.New(s))).Value.String())
		if a := Attr(nil, slog.String("fcmToken", s)); a.Value.String() != Mask {
			t.Fatalf("a sensitive attribute kept %q", a.Value.String())
		}
		pp, _ := Value(map[string]string{"id": s, "phone": s}).(map[string]any)
		if pp["phone"] != Mask {
			t.Fatalf("path parameter phone kept %v", pp["phone"])
		}
		id, _ := pp["id"].(string)
		noContact(t, s, id)
	})
}

func FuzzJSON(f *testing.F) {
	for _, s := range []string{
		`{"amount":"1500.00","n":12345678901234567890,"email":"a@b.co","phone":null,"nested":{"password":"p","list":[{"fcmToken":"t"},"x@y.org"]},"body":"ring +14155550100"}`,
		`{"Email":{"primary":"a@b.co"},"PHONE_NUMBER":["+14155550100"],"apiKey":0,"otp":false}`,
		`{"note":"call +919876543210 or mail asha@example.in","n":-0.0e-0,"big":1e400}`,
		`["a@b.co",{"k":"v"},[[["+14155550100"]]]]`, `"a@b.co"`, `1`, `null`, `true`, ` {} `, `[]`,
		`{"a":1} x`, `{"a":1}{"b":2}`, `{`, ``, `{"a":"\u0000@b.co"}`, "{\"a\":\"\xff\"}", `{"a":"a\u0040b.co"}`,
		`{"a":1,"a":"x@y.org"}`, `{"<script>":"</script>"}`, strings.Repeat("[", 100) + strings.Repeat("]", 100),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		out, err := JSON(raw)
		if err != nil {
			if !errors.Is(err, ErrNotJSON) || json.Valid(raw) {
				t.Fatalf("%q: %v", raw, err)
			}
			return
		}
		if !json.Valid(raw) {
			t.Fatalf("%q is not JSON but came out as %s", raw, out)
		}
		in, err := decodeNumbers(raw)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeNumbers(out)
		if err != nil {
			t.Fatalf("output %q is not JSON: %v", out, err)
		}
		sameShape(t, "$", in, got)
	})
}

// digested checks out is a free-text field's in: every string replaced by its Digest (length
// in characters and SHA-256, nothing of the content), objects and arrays kept, anything else as
// it was.
func digested(t *testing.T, path string, in, out any) {
	t.Helper()
	switch a := in.(type) {
	case string:
		b, ok := out.(map[string]any)
		sum := sha256.Sum256([]byte(a))
		if !ok || len(b) != 2 || b["sha256"] != hex.EncodeToString(sum[:]) ||
			b["len"] != json.Number(strconv.Itoa(utf8.RuneCountInString(a))) {
			t.Fatalf("%s: free text %q became %v, want its length and hash", path, a, out)
		}
	case map[string]any:
		b, ok := out.(map[string]any)
		if !ok || len(b) > len(a) {
			t.Fatalf("%s: %v became %v", path, in, out)
		}
		for k, v := range a {
			w, ok := b[String(k)] // keys are masked as String masks them
			if !ok {
				t.Fatalf("%s: key %q lost", path, k)
			}
			if String(k) == k {
				digested(t, path+"."+k, v, w)
			}
		}
	case []any:
		b, ok := out.([]any)
		if !ok || len(a) != len(b) {
			t.Fatalf("%s: %v became %v", path, in, out)
		}
		for i := range a {
			digested(t, path+"[]", a[i], b[i])
		}
	default:
		if !reflect.DeepEqual(in, out) {
			t.Fatalf("%s: %v became %v", path, in, out)
		}
	}
}

func decodeNumbers(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

// sameShape checks out is in redacted: the same document, numbers exactly as written, every
// sensitive key's value masked, and no contact detail in any key or string.
func sameShape(t *testing.T, path string, in, out any) {
	t.Helper()
	switch a := in.(type) {
	case map[string]any:
		b, ok := out.(map[string]any)
		if !ok || len(a) != len(b) {
			t.Fatalf("%s: %v became %v", path, in, out)
		}
		for k, v := range a {
			noContact(t, k, k)
			w, ok := b[k]
			if !ok {
				t.Fatalf("%s: key %q lost", path, k)
			}
			if SensitiveKey(k) && v != nil {
				if w != Mask {
					t.Fatalf("%s.%s: sensitive value kept: %v", path, k, w)
				}
				continue
			}
			if FreeTextKey(k) {
				digested(t, path+"."+k, v, w)
				continue
			}
			sameShape(t, path+"."+k, v, w)
		}
	case []any:
		b, ok := out.([]any)
		if !ok || len(a) != len(b) {
			t.Fatalf("%s: %v became %v", path, in, out)
		}
		for i := range a {
			sameShape(t, path+"[]", a[i], b[i])
		}
	case string:
		b, ok := out.(string)
		if !ok {
			t.Fatalf("%s: string became %v", path, out)
		}
		noContact(t, a, b)
	default:
		if in != out { // json.Number compares by its text; bool and nil by value
			t.Fatalf("%s: %v became %v", path, in, out)
		}
	}
}
