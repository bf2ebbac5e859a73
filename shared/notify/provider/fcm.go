package provider

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"holdfast/shared/notify"
)

// FCMScope is the OAuth scope of FCM HTTP v1.
const FCMScope = "https://www.googleapis.com/auth/firebase.messaging"

// FCM sends push notifications through FCM HTTP v1
// (POST {base}/projects/{project}/messages:send) with an OAuth 2.0 access token obtained by
// the service-account flow: a JWT signed RS256 with the account's private key, exchanged at
// the token endpoint. The token is kept until shortly before it expires, which is why one
// FCM client per tenant is cached (clientcache).
//
// The token endpoint dialled is the deployment's (TokenURL), never the tenant-supplied
// token_uri: a tenant cannot aim a worker at an arbitrary address.
type FCM struct {
	BaseURL  string
	TokenURL string
	Account  notify.ServiceAccount
	Key      *rsa.PrivateKey
	HTTP     *http.Client
	Now      func() time.Time

	mu      sync.Mutex
	token   string
	expires time.Time
	// TokenFetches counts token exchanges (for tests and metrics).
	TokenFetches int
}

// NewFCM builds the client from a service-account key file.
func NewFCM(baseURL, tokenURL string, serviceAccount []byte, hc *http.Client, now func() time.Time) (*FCM, error) {
	sa, key, err := notify.ParseServiceAccount(serviceAccount)
	if err != nil {
		return nil, err
	}
	if now == nil {
		now = time.Now
	}
	return &FCM{BaseURL: baseURL, TokenURL: tokenURL, Account: sa, Key: key, HTTP: hc, Now: now}, nil
}

type tokenFailure struct{ outcome notify.Outcome }

func (f *FCM) accessToken(ctx context.Context) (string, *tokenFailure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.Now()
	if f.token != "" && now.Before(f.expires.Add(-time.Minute)) {
		return f.token, nil
	}
	claims := jwt.MapClaims{
		"iss":   f.Account.ClientEmail,
		"scope": FCMScope,
		"aud":   f.TokenURL,
		"iat":   now.Unix(),
		"exp":   now.Add(time.Hour).Unix(),
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = f.Account.PrivateKeyID
	assertion, err := tok.SignedString(f.Key)
	if err != nil {
		return "", &tokenFailure{notify.Outcome{Kind: notify.Permanent, Reason: "fcm: service-account key cannot sign"}}
	}
	form := url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {assertion}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", &tokenFailure{notify.Outcome{Kind: notify.Permanent, Reason: "fcm: bad token URL"}}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := f.HTTP.Do(req)
	if err != nil {
		o := transportFailure("fcm oauth", err)
		return "", &tokenFailure{o}
	}
	f.TokenFetches++
	raw := readBody(resp)
	var out struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
		TokenType   string `json:"token_type"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	_ = json.Unmarshal(raw, &out)
	if resp.StatusCode == http.StatusOK && out.AccessToken != "" {
		f.token = out.AccessToken
		f.expires = now.Add(time.Duration(max(out.ExpiresIn, 60)) * time.Second)
		return f.token, nil
	}
	reason := statusReason("fcm oauth", resp.StatusCode, detail(out.Error, out.Description))
	kind := byStatus(resp.StatusCode)
	if kind == notify.Throttled {
		return "", &tokenFailure{notify.Outcome{Kind: kind, RetryAfter: notify.FCMQuotaDelay, Reason: reason}}
	}
	// 400 invalid_grant / 401 unauthorized_client: the credentials are rejected.
	return "", &tokenFailure{notify.Outcome{Kind: kind, Reason: reason}}
}

type fcmRequest struct {
	Message fcmMessage `json:"message"`
}

type fcmMessage struct {
	Token        string            `json:"token"`
	Notification fcmNotification   `json:"notification"`
	Data         map[string]string `json:"data,omitempty"`
}

type fcmNotification struct {
	Title string `json:"title"`
	Body  string `json:"body"`
}

type fcmError struct {
	Error struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Status  string `json:"status"`
		Details []struct {
			Type      string `json:"@type"`
			ErrorCode string `json:"errorCode"`
		} `json:"details"`
	} `json:"error"`
}

// The FCM v1 error codes (FcmError.errorCode) and what they mean for a retry.
var fcmErrorKinds = map[string]notify.OutcomeKind{
	"UNREGISTERED":           notify.Permanent,
	"SENDER_ID_MISMATCH":     notify.Permanent,
	"INVALID_ARGUMENT":       notify.Permanent,
	"THIRD_PARTY_AUTH_ERROR": notify.Permanent,
	"QUOTA_EXCEEDED":         notify.Throttled,
	"UNAVAILABLE":            notify.Transient,
	"INTERNAL":               notify.Transient,
}

// Send implements Sender.
func (f *FCM) Send(ctx context.Context, m Message) notify.Outcome {
	token, fail := f.accessToken(ctx)
	if fail != nil {
		return fail.outcome
	}
	body, err := json.Marshal(fcmRequest{Message: fcmMessage{Token: m.To,
		Notification: fcmNotification{Title: m.Title, Body: m.Body}, Data: m.Data}})
	if err != nil {
		return notify.Outcome{Kind: notify.Permanent, Reason: "fcm: message not encodable"}
	}
	endpoint := strings.TrimRight(f.BaseURL, "/") + "/projects/" + url.PathEscape(f.Account.ProjectID) + "/messages:send"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return notify.Outcome{Kind: notify.Permanent, Reason: "fcm: bad base URL"}
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := f.HTTP.Do(req)
	if err != nil {
		return transportFailure("fcm", err)
	}
	raw := readBody(resp)
	if resp.StatusCode == http.StatusOK {
		var out struct {
			Name string `json:"name"`
		}
		if json.Unmarshal(raw, &out) != nil || out.Name == "" {
			return notify.Outcome{Kind: notify.Transient, Reason: "fcm: success without a message name"}
		}
		return notify.Outcome{Kind: notify.Delivered, MessageID: out.Name}
	}
	var fe fcmError
	_ = json.Unmarshal(raw, &fe)
	code := fe.Error.Status
	for _, d := range fe.Error.Details {
		if d.ErrorCode != "" {
			code = d.ErrorCode
		}
	}
	reason := statusReason("fcm", resp.StatusCode, detail(code, fe.Error.Message))
	if resp.StatusCode == http.StatusUnauthorized && code != "THIRD_PARTY_AUTH_ERROR" {
		// The access token expired or was revoked early: drop it; the retry fetches another.
		f.mu.Lock()
		f.token = ""
		f.mu.Unlock()
		return notify.Outcome{Kind: notify.Transient, Reason: reason}
	}
	kind, known := fcmErrorKinds[code]
	if !known {
		kind = byStatus(resp.StatusCode)
	}
	if kind == notify.Throttled {
		d, ok := retryAfter(resp.Header, f.Now())
		if !ok || d < notify.FCMQuotaDelay {
			d = notify.FCMQuotaDelay
		}
		return notify.Outcome{Kind: kind, RetryAfter: notify.ThrottleDelay(d), Reason: reason}
	}
	return notify.Outcome{Kind: kind, Reason: reason}
}
