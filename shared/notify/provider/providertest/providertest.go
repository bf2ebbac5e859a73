// Package providertest runs stand-ins for the real provider APIs on httptest servers, for
// contract tests: each checks the request the way the real API does (method, path, headers,
// authentication, body shape) and answers with the real API's status codes, headers and
// bodies — success, throttling with its reset hint, 5xx, and the permanent errors. It is test
// support: never imported by production code.
package providertest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Reply is one canned answer.
type Reply struct {
	Status int
	Header map[string]string
	Body   string
}

// Call is one request a fake received (after its checks passed).
type Call struct {
	Path   string
	Header http.Header
	Body   []byte
	At     time.Time
}

// Fake is one provider API.
type Fake struct {
	*httptest.Server
	mu      sync.Mutex
	replies func(n int) Reply
	calls   []Call
	rejects int
}

// Respond sets the answer to the n-th accepted request (1-based).
func (f *Fake) Respond(fn func(n int) Reply) {
	f.mu.Lock()
	f.replies = fn
	f.mu.Unlock()
}

// Always answers every request with r.
func (f *Fake) Always(r Reply) { f.Respond(func(int) Reply { return r }) }

// Calls returns the accepted requests so far.
func (f *Fake) Calls() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Call(nil), f.calls...)
}

// Rejected counts requests refused by the fake's contract checks.
func (f *Fake) Rejected() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rejects
}

func newFake(t testing.TB, check func(r *http.Request, body []byte) *Reply, def Reply) *Fake {
	t.Helper()
	f := &Fake{}
	f.replies = func(int) Reply { return def }
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if rej := check(r, body); rej != nil {
			f.mu.Lock()
			f.rejects++
			f.mu.Unlock()
			write(w, *rej)
			return
		}
		f.mu.Lock()
		f.calls = append(f.calls, Call{Path: r.URL.Path, Header: r.Header.Clone(), Body: body, At: time.Now()})
		rep := f.replies(len(f.calls))
		f.mu.Unlock()
		write(w, rep)
	}))
	t.Cleanup(f.Close)
	return f
}

func write(w http.ResponseWriter, r Reply) {
	for k, v := range r.Header {
		w.Header().Set(k, v)
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(r.Status)
	_, _ = io.WriteString(w, r.Body)
}

// ---------------------------------------------------------------- Brevo

// Brevo is the Brevo v3 API: POST /smtp/email with header api-key.
func Brevo(t testing.TB, apiKey string) *Fake {
	t.Helper()
	return newFake(t, func(r *http.Request, body []byte) *Reply {
		if r.Method != http.MethodPost || r.URL.Path != "/smtp/email" {
			return &Reply{Status: 404, Body: `{"code":"not_found","message":"Invalid route"}`}
		}
		if r.Header.Get("api-key") != apiKey {
			return &Reply{Status: 401, Body: `{"code":"unauthorized","message":"Key not found"}`}
		}
		if !strings.HasPrefix(r.Header.Get("content-type"), "application/json") || r.Header.Get("accept") != "application/json" {
			return &Reply{Status: 415, Body: `{"code":"invalid_parameter","message":"Content-Type must be application/json"}`}
		}
		var m struct {
			Sender struct {
				Email string `json:"email"`
			} `json:"sender"`
			To []struct {
				Email string `json:"email"`
			} `json:"to"`
			Subject     string            `json:"subject"`
			TextContent string            `json:"textContent"`
			HTMLContent string            `json:"htmlContent"`
			Headers     map[string]string `json:"headers"`
		}
		if json.Unmarshal(body, &m) != nil || m.Sender.Email == "" || len(m.To) == 0 || m.To[0].Email == "" ||
			m.Subject == "" || (m.TextContent == "" && m.HTMLContent == "") {
			return &Reply{Status: 400, Body: `{"code":"missing_parameter","message":"sender, to, subject and content are required"}`}
		}
		return nil
	}, BrevoCreated("<202501151000.1@smtp-relay.mailin.fr>"))
}

// BrevoCreated is Brevo's success: 201 {"messageId": ...}.
func BrevoCreated(id string) Reply {
	return Reply{Status: 201, Body: fmt.Sprintf(`{"messageId":%q}`, id)}
}

// BrevoRateLimited is Brevo's 429 with its rate-limit headers; reset is seconds to wait.
func BrevoRateLimited(reset int) Reply {
	return Reply{Status: 429, Header: map[string]string{"x-sib-ratelimit-limit": "100", "x-sib-ratelimit-remaining": "0",
		"x-sib-ratelimit-reset": fmt.Sprint(reset)}, Body: `{"code":"too_many_requests","message":"Too many requests"}`}
}

// BrevoInvalidEmail is Brevo's 400 for a bad recipient.
func BrevoInvalidEmail() Reply {
	return Reply{Status: 400, Body: `{"code":"invalid_parameter","message":"email is not valid in to"}`}
}

// ServerError is a 5xx with a body as gateways send it.
func ServerError(status int) Reply {
	return Reply{Status: status, Header: map[string]string{"Content-Type": "text/html"}, Body: "<html><body>" + http.StatusText(status) + "</body></html>"}
}

// ---------------------------------------------------------------- 2Factor

// TwoFactor is 2Factor's transactional SMS API: POST /{key}/ADDON_SERVICES/SEND/TSMS with a
// form body From, To, Msg. A wrong key gets 200 {"Status":"Error"} as the real API answers.
func TwoFactor(t testing.TB, apiKey string) *Fake {
	t.Helper()
	return newFake(t, func(r *http.Request, body []byte) *Reply {
		parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
		if r.Method != http.MethodPost || len(parts) != 4 || strings.Join(parts[1:], "/") != "ADDON_SERVICES/SEND/TSMS" {
			return &Reply{Status: 404, Body: `{"Status":"Error","Details":"Invalid API endpoint"}`}
		}
		if parts[0] != apiKey {
			return &Reply{Status: 200, Body: `{"Status":"Error","Details":"Invalid API Key"}`}
		}
		form, err := url.ParseQuery(string(body))
		if err != nil || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") ||
			form.Get("To") == "" || form.Get("Msg") == "" || strings.HasPrefix(form.Get("To"), "+") {
			return &Reply{Status: 200, Body: `{"Status":"Error","Details":"Missing Parameter To / Msg"}`}
		}
		return nil
	}, TwoFactorSuccess("5e0b7a1c-2f6c-4a7e-9a7e-0f6d1b2c3d4e"))
}

// TwoFactorSuccess is {"Status":"Success","Details":<session id>}.
func TwoFactorSuccess(session string) Reply {
	return Reply{Status: 200, Body: fmt.Sprintf(`{"Status":"Success","Details":%q}`, session)}
}

// TwoFactorError is a failure reported inside an HTTP 200.
func TwoFactorError(details string) Reply {
	return Reply{Status: 200, Body: fmt.Sprintf(`{"Status":"Error","Details":%q}`, details)}
}

// ---------------------------------------------------------------- FCM

// Account is a service-account key file for tests, with its key pair.
type Account struct {
	JSON      []byte
	ProjectID string
	Email     string
	Key       *rsa.PrivateKey
}

// NewAccount makes a service account for projectID whose token_uri is tokenURI.
func NewAccount(t testing.TB, projectID, tokenURI string) Account {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	email := "firebase-adminsdk@" + projectID + ".iam.gserviceaccount.com"
	b, _ := json.Marshal(map[string]string{
		"type": "service_account", "project_id": projectID, "private_key_id": "kid-" + projectID,
		"private_key":  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email": email, "client_id": "1234567890", "token_uri": tokenURI,
		"auth_uri": "https://accounts.google.com/o/oauth2/auth",
	})
	return Account{JSON: b, ProjectID: projectID, Email: email, Key: key}
}

// FCM is FCM HTTP v1 together with Google's OAuth token endpoint (at /token): the token
// endpoint verifies the RS256 assertion against the accounts it knows and issues access
// tokens; messages:send accepts only those tokens, for the account's own project.
type FCM struct {
	*Fake
	mu       sync.Mutex
	accounts map[string]Account // by client_email
	tokens   map[string]string  // access token → project
	Issued   int
	// Now is the token endpoint's clock (default time.Now), for tests that move time.
	Now func() time.Time
}

// NewFCM starts the fake; register accounts with Trust.
func NewFCM(t testing.TB) *FCM {
	t.Helper()
	f := &FCM{accounts: map[string]Account{}, tokens: map[string]string{}}
	f.Fake = newFake(t, func(r *http.Request, body []byte) *Reply {
		if r.URL.Path == "/token" {
			rep := f.token(r, body)
			return &rep
		}
		if r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, "/projects/") || !strings.HasSuffix(r.URL.Path, "/messages:send") {
			return &Reply{Status: 404, Body: fcmErrorBody(404, "NOT_FOUND", "", "Not found")}
		}
		project := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/projects/"), "/messages:send")
		f.mu.Lock()
		owner, ok := f.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
		f.mu.Unlock()
		if !ok || !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
			rep := Reply{Status: 401, Body: fcmErrorBody(401, "UNAUTHENTICATED", "", "Request had invalid authentication credentials.")}
			return &rep
		}
		if owner != project {
			rep := Reply{Status: 403, Body: fcmErrorBody(403, "PERMISSION_DENIED", "", "Permission denied on project")}
			return &rep
		}
		var m struct {
			Message struct {
				Token        string `json:"token"`
				Notification struct {
					Title string `json:"title"`
				} `json:"notification"`
			} `json:"message"`
		}
		if json.Unmarshal(body, &m) != nil || m.Message.Token == "" || m.Message.Notification.Title == "" {
			rep := Reply{Status: 400, Body: fcmErrorBody(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", "Invalid JSON payload received.")}
			return &rep
		}
		return nil
	}, Reply{Status: 200, Body: `{"name":"projects/p/messages/0:1500415314455276%31bd1c9631bd1c96"}`})
	return f
}

func (f *FCM) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

// Trust registers an account with the token endpoint.
func (f *FCM) Trust(a Account) {
	f.mu.Lock()
	f.accounts[a.Email] = a
	f.mu.Unlock()
}

// TokenURL is the fake's OAuth endpoint.
func (f *FCM) TokenURL() string { return f.URL + "/token" }

func (f *FCM) token(r *http.Request, body []byte) Reply {
	form, err := url.ParseQuery(string(body))
	if r.Method != http.MethodPost || err != nil || form.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		return Reply{Status: 400, Body: `{"error":"unsupported_grant_type","error_description":"Invalid grant_type"}`}
	}
	var acct Account
	claims := jwt.MapClaims{}
	_, err = jwt.ParseWithClaims(form.Get("assertion"), claims, func(tok *jwt.Token) (any, error) {
		iss, _ := claims["iss"].(string)
		f.mu.Lock()
		a, ok := f.accounts[iss]
		f.mu.Unlock()
		if !ok {
			return nil, fmt.Errorf("unknown account")
		}
		if tok.Header["kid"] != "kid-"+a.ProjectID {
			return nil, fmt.Errorf("unknown key id")
		}
		acct = a
		return &a.Key.PublicKey, nil
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithAudience(f.TokenURL()), jwt.WithExpirationRequired(), jwt.WithIssuedAt(),
		jwt.WithTimeFunc(f.now))
	if err != nil || claims["scope"] != "https://www.googleapis.com/auth/firebase.messaging" {
		return Reply{Status: 400, Body: `{"error":"invalid_grant","error_description":"Invalid JWT Signature."}`}
	}
	f.mu.Lock()
	f.Issued++
	tok := fmt.Sprintf("ya29.test-%s-%d", acct.ProjectID, f.Issued)
	f.tokens[tok] = acct.ProjectID
	f.mu.Unlock()
	return Reply{Status: 200, Body: fmt.Sprintf(`{"access_token":%q,"expires_in":3599,"token_type":"Bearer"}`, tok)}
}

// FCMSent is FCM's success for a project.
func FCMSent(project string) Reply {
	return Reply{Status: 200, Body: fmt.Sprintf(`{"name":"projects/%s/messages/0:1500415314455276%%31bd1c96"}`, project)}
}

// FCMError is an FCM v1 error: HTTP status, google.rpc status and FcmError errorCode.
func FCMError(httpStatus int, status, errorCode, message string) Reply {
	return Reply{Status: httpStatus, Body: fcmErrorBody(httpStatus, status, errorCode, message)}
}

// FCMUnregistered is 404 NOT_FOUND with errorCode UNREGISTERED.
func FCMUnregistered() Reply {
	return FCMError(404, "NOT_FOUND", "UNREGISTERED", "Requested entity was not found.")
}

// FCMSenderIDMismatch is 403 PERMISSION_DENIED with errorCode SENDER_ID_MISMATCH.
func FCMSenderIDMismatch() Reply {
	return FCMError(403, "PERMISSION_DENIED", "SENDER_ID_MISMATCH", "SenderId mismatch")
}

// FCMQuotaExceeded is 429 RESOURCE_EXHAUSTED with errorCode QUOTA_EXCEEDED.
func FCMQuotaExceeded() Reply {
	return FCMError(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED", "Quota exceeded for quota metric 'Send requests'")
}

func fcmErrorBody(code int, status, errorCode, message string) string {
	e := map[string]any{"code": code, "message": message, "status": status}
	if errorCode != "" {
		e["details"] = []map[string]string{{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": errorCode}}
	}
	b, _ := json.Marshal(map[string]any{"error": e})
	return string(b)
}
