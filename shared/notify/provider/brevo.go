package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"holdfast/shared/notify"
)

// Brevo sends transactional email through Brevo's v3 API (POST /smtp/email, header
// api-key). The notification ID goes out as Brevo's idempotencyKey, so a resend after a
// crash between send and status write is not delivered twice.
type Brevo struct {
	BaseURL     string
	APIKey      string
	SenderEmail string
	SenderName  string
	HTTP        *http.Client
	Now         func() time.Time
}

type brevoAddress struct {
	Email string `json:"email"`
	Name  string `json:"name,omitempty"`
}

type brevoRequest struct {
	Sender      brevoAddress      `json:"sender"`
	To          []brevoAddress    `json:"to"`
	Subject     string            `json:"subject"`
	TextContent string            `json:"textContent"`
	Headers     map[string]string `json:"headers,omitempty"`
	Params      map[string]string `json:"params,omitempty"`
}

// Send implements Sender.
func (b *Brevo) Send(ctx context.Context, m Message) notify.Outcome {
	body, err := json.Marshal(brevoRequest{
		Sender:      brevoAddress{Email: b.SenderEmail, Name: b.SenderName},
		To:          []brevoAddress{{Email: m.To}},
		Subject:     m.Subject,
		TextContent: m.Body,
		Headers:     map[string]string{"idempotencyKey": m.NotificationID},
		Params:      m.Data,
	})
	if err != nil {
		return notify.Outcome{Kind: notify.Permanent, Reason: "brevo: message not encodable"}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(b.BaseURL, "/")+"/smtp/email", bytes.NewReader(body))
	if err != nil {
		return notify.Outcome{Kind: notify.Permanent, Reason: "brevo: bad base URL"}
	}
	req.Header.Set("api-key", b.APIKey)
	req.Header.Set("accept", "application/json")
	req.Header.Set("content-type", "application/json")
	resp, err := b.HTTP.Do(req)
	if err != nil {
		return transportFailure("brevo", err)
	}
	raw := readBody(resp)
	var out struct {
		MessageID string `json:"messageId"`
		Code      string `json:"code"`
		Message   string `json:"message"`
	}
	_ = json.Unmarshal(raw, &out)
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		if out.MessageID == "" {
			return notify.Outcome{Kind: notify.Transient, Reason: "brevo: success without a messageId"}
		}
		return notify.Outcome{Kind: notify.Delivered, MessageID: out.MessageID}
	case resp.StatusCode == http.StatusTooManyRequests:
		return notify.Outcome{Kind: notify.Throttled, RetryAfter: b.resetHint(resp.Header),
			Reason: statusReason("brevo", resp.StatusCode, detail(out.Code, out.Message))}
	}
	return notify.Outcome{Kind: byStatus(resp.StatusCode), Reason: statusReason("brevo", resp.StatusCode, detail(out.Code, out.Message))}
}

// resetHint is Brevo's x-sib-ratelimit-reset (seconds until the window resets), else
// Retry-After, else a minute.
func (b *Brevo) resetHint(h http.Header) time.Duration {
	if s, err := strconv.Atoi(strings.TrimSpace(h.Get("x-sib-ratelimit-reset"))); err == nil && s >= 0 {
		return notify.ThrottleDelay(time.Duration(s) * time.Second)
	}
	now := time.Now
	if b.Now != nil {
		now = b.Now
	}
	if d, ok := retryAfter(h, now()); ok {
		return notify.ThrottleDelay(d)
	}
	return time.Minute
}

func detail(code, msg string) string {
	switch {
	case code != "" && msg != "":
		return code + ": " + msg
	case code != "":
		return code
	}
	return msg
}
