// Package provider holds the delivery clients of the notification channels: Brevo v3
// transactional email, 2Factor SMS, Firebase Cloud Messaging HTTP v1 (with the OAuth 2.0
// service-account flow) and the sandbox that records instead of sending. Each classifies the
// provider's answer as a notify.Outcome (delivered, transient, throttled, permanent) exactly
// as the real API signals it. Base URLs are configuration, so tests aim the clients at
// httptest servers.
//
// It must never put a provider key or a recipient's address into an error, a reason or a log
// line (2Factor carries its key in the URL path, and Go's HTTP errors quote URLs), never
// retry or sleep itself (the queue retries), and never import the AWS SDK.
package provider

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"holdfast/shared/notify"
)

// Message is one channel's delivery.
type Message struct {
	NotificationID string
	Tenant         string
	Channel        notify.Channel
	To             string // email address, E.164 phone or FCM token
	Subject        string
	Title          string
	Body           string
	Data           map[string]string
}

// Sender delivers one message and says how it went.
type Sender interface {
	Send(ctx context.Context, m Message) notify.Outcome
}

// Default base URLs of the real APIs.
const (
	DefaultBrevoBaseURL     = "https://api.brevo.com/v3"
	DefaultTwoFactorBaseURL = "https://2factor.in/API/V1"
	DefaultFCMBaseURL       = "https://fcm.googleapis.com/v1"
	DefaultFCMTokenURL      = "https://oauth2.googleapis.com/token"
	// DefaultTimeout bounds one provider call, well inside the queue's visibility timeout.
	DefaultTimeout = 5 * time.Second
	maxResponse    = 64 << 10
)

// NewHTTPClient is the client providers share: bounded time, no redirects followed (a
// redirect could carry a key in its URL somewhere else).
func NewHTTPClient(timeout time.Duration) *http.Client {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &http.Client{
		Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// transportFailure describes a failed round trip without quoting the URL or anything else
// from the error text.
func transportFailure(name string, err error) notify.Outcome {
	var ne net.Error
	reason := name + ": connection failed"
	switch {
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		reason = name + ": timed out"
	case errors.Is(err, context.Canceled):
		reason = name + ": cancelled"
	}
	return notify.Outcome{Kind: notify.Transient, Reason: reason}
}

func readBody(resp *http.Response) []byte {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	_ = resp.Body.Close()
	return b
}

// retryAfter reads a Retry-After header: delay-seconds or an HTTP date.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

func statusReason(name string, code int, detail string) string {
	s := fmt.Sprintf("%s: HTTP %d", name, code)
	if detail != "" {
		s += ": " + detail
	}
	return notify.TrimReason(s)
}

// byStatus is the fallback classification of an HTTP status.
func byStatus(code int) notify.OutcomeKind {
	switch {
	case code == http.StatusTooManyRequests:
		return notify.Throttled
	case code == http.StatusRequestTimeout || code >= 500:
		return notify.Transient
	}
	return notify.Permanent
}
