package notify

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/text"
	"net/mail"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on a request's fields.
const (
	MaxSMSBody      = 1600 // characters (SPEC §3)
	MaxBody         = 4000 // characters, for email and push bodies
	MaxSubject      = 200
	MaxTitle        = 200
	MaxEmail        = 254
	MaxFCMToken     = 4096
	MaxDataEntries  = 32
	MaxDataKey      = 64
	MaxDataValue    = 1024
	MaxIdempotency  = 255
	fieldType       = "notificationType"
	fieldEmail      = "email"
	fieldPhone      = "phone"
	fieldFCMToken   = "fcmToken"
	fieldSubject    = "subject"
	fieldTitle      = "title"
	fieldBody       = "body"
	fieldData       = "data"
	idPrefix        = "ntf_"
	idEncodedLength = 26
)

// Request is a notify request as the caller sends it (POST /api/v1/notify, or the internal
// intake queue). The tenant is never part of it: it comes from the caller's credentials.
type Request struct {
	NotificationType Type              `json:"notificationType"`
	Email            string            `json:"email,omitempty"`
	Phone            string            `json:"phone,omitempty"`
	FCMToken         string            `json:"fcmToken,omitempty"`
	Subject          string            `json:"subject,omitempty"`
	Title            string            `json:"title,omitempty"`
	Body             string            `json:"body"`
	Data             map[string]string `json:"data,omitempty"`
}

var (
	e164     = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)
	fcmToken = regexp.MustCompile(`^[A-Za-z0-9_:\-.]+$`)
	dataKey  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]*$`)
)

// ValidEmail reports whether s is a single bare address (no display name, no angle brackets)
// with a dotted domain.
func ValidEmail(s string) bool {
	if s == "" || len(s) > MaxEmail || strings.ContainsAny(s, " <>\"\r\n\t,;") {
		return false
	}
	for _, r := range s {
		// net/mail takes any non-ASCII rune as text; an address must not hide a line break, a
		// space, a control or a formatting character (U+2028, U+00A0, U+0085, U+202E, …).
		if unicode.IsControl(r) || unicode.IsSpace(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp, unicode.Zs) {
			return false
		}
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	return at > 0 && validDomain(domain) && compatibilityFree(s)
}

// ValidE164 reports whether s is a phone number in E.164 (+, country code, up to 15 digits).
func ValidE164(s string) bool { return e164.MatchString(s) }

// ValidFCMToken reports whether s has the shape of an FCM registration token.
func ValidFCMToken(s string) bool { return len(s) <= MaxFCMToken && fcmToken.MatchString(s) }

// The free-text fields' rules (package text): one line each, except a body, which may hold
// '\n'.
var (
	subjectText   = text.Rule{Max: MaxSubject}
	titleText     = text.Rule{Max: MaxTitle}
	bodyText      = text.Rule{Max: MaxBody, Newlines: true}
	smsBodyText   = text.Rule{Max: MaxSMSBody, Newlines: true}
	dataValueText = text.Rule{Max: MaxDataValue}
	tenantName    = text.Rule{Max: 100, Required: true}
	senderName    = text.Rule{Max: 70}
)

func chars(s string) int { return utf8.RuneCountInString(s) }

// Validate checks the request for its type and names every bad field. It returns the
// channels the request fans out to.
func (r Request) Validate() ([]Channel, error) {
	var v errs.Validator
	channels := r.NotificationType.Channels()
	if r.NotificationType == "" {
		v.Add(fieldType, "is required (EMAIL, SMS, PUSH or ALL)")
	} else if channels == nil {
		v.Add(fieldType, "must be EMAIL, SMS, PUSH or ALL")
	}
	want := map[Channel]bool{}
	for _, c := range channels {
		want[c] = true
	}
	if want[Email] {
		switch {
		case r.Email == "":
			v.Add(fieldEmail, "is required for EMAIL")
		case !ValidEmail(r.Email):
			v.Add(fieldEmail, "must be a valid email address")
		}
		if strings.TrimSpace(r.Subject) == "" {
			v.Add(fieldSubject, "is required for EMAIL")
		} else if msg := subjectText.Check(r.Subject); msg != "" {
			v.Add(fieldSubject, msg)
		}
	} else if r.Email != "" && channels != nil {
		v.Add(fieldEmail, "is only accepted for EMAIL or ALL")
	}
	if want[SMS] {
		switch {
		case r.Phone == "":
			v.Add(fieldPhone, "is required for SMS")
		case !ValidE164(r.Phone):
			v.Add(fieldPhone, "must be in E.164 form, e.g. +919876543210")
		}
	} else if r.Phone != "" && channels != nil {
		v.Add(fieldPhone, "is only accepted for SMS or ALL")
	}
	if want[Push] {
		switch {
		case r.FCMToken == "":
			v.Add(fieldFCMToken, "is required for PUSH")
		case !ValidFCMToken(r.FCMToken):
			v.Add(fieldFCMToken, "must be an FCM registration token")
		}
		if strings.TrimSpace(r.Title) == "" {
			v.Add(fieldTitle, "is required for PUSH")
		} else if msg := titleText.Check(r.Title); msg != "" {
			v.Add(fieldTitle, msg)
		}
	} else if r.FCMToken != "" && channels != nil {
		v.Add(fieldFCMToken, "is only accepted for PUSH or ALL")
	}
	body := bodyText
	if want[SMS] {
		body = smsBodyText
	}
	if strings.TrimSpace(r.Body) == "" {
		v.Add(fieldBody, "is required")
	} else if msg := body.Check(r.Body); msg != "" {
		v.Add(fieldBody, msg)
	}
	if len(r.Data) > MaxDataEntries {
		v.Add(fieldData, "must have at most 32 entries")
	}
	for _, k := range sortedKeys(r.Data) {
		if len(k) > MaxDataKey || !dataKey.MatchString(k) {
			v.Add(fieldData+"."+sanitizeKey(k), "keys must be letters, digits, '_', '.', '-' (at most 64), starting with a letter")
		} else if ReservedDataKey(k) {
			v.Add(fieldData+"."+k, "is a key FCM reserves (from, notification, message_type, collapse_key, google…, gcm…)")
		} else if msg := dataValueText.Check(r.Data[k]); msg != "" {
			v.Add(fieldData+"."+k, msg)
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return channels, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// sanitizeKey keeps a hostile key from turning a field name into an injection vector.
func sanitizeKey(k string) string {
	var b strings.Builder
	for _, r := range k {
		if b.Len() >= MaxDataKey {
			break
		}
		if r < 0x20 || r > 0x7e {
			r = '?'
		}
		b.WriteRune(r)
	}
	return b.String()
}

var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// NotificationID is derived from the tenant and the caller's Idempotency-Key, so the same
// key from the same tenant names the same notification and a retry writes nothing new.
func NotificationID(tenant, idempotencyKey string) string {
	h := sha256.Sum256([]byte("notify\x00" + tenant + "\x00" + idempotencyKey))
	return idPrefix + idEncoding.EncodeToString(h[:])[:idEncodedLength]
}

// ValidNotificationID reports whether s has the shape NotificationID produces.
func ValidNotificationID(s string) bool {
	if len(s) != len(idPrefix)+idEncodedLength || !strings.HasPrefix(s, idPrefix) {
		return false
	}
	for _, r := range s[len(idPrefix):] {
		if !strings.ContainsRune("0123456789abcdefghjkmnpqrstvwxyz", r) {
			return false
		}
	}
	return true
}

// Hash fingerprints the request's content (canonical JSON), to tell a replay (same key, same
// request) from a key reused for another request.
func (r Request) Hash() string {
	b, _ := json.Marshal(r) // fields in declaration order, map keys sorted: canonical
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// Recipient is the address of the request on channel c.
func (r Request) Recipient(c Channel) string {
	switch c {
	case Email:
		return r.Email
	case SMS:
		return r.Phone
	case Push:
		return r.FCMToken
	}
	return ""
}
