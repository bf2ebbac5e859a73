package provider

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"holdfast/shared/notify"
)

// TwoFactor sends SMS through 2Factor's transactional SMS API:
// POST {base}/{api_key}/ADDON_SERVICES/SEND/TSMS with form fields From, To, Msg. The key is
// part of the URL path, which is why no error of this client ever quotes its URL. 2Factor
// reports failure as {"Status":"Error","Details":"..."}, also inside an HTTP 200.
type TwoFactor struct {
	BaseURL  string
	APIKey   string
	SenderID string
	HTTP     *http.Client
	Now      func() time.Time
}

// Send implements Sender.
func (s *TwoFactor) Send(ctx context.Context, m Message) notify.Outcome {
	form := url.Values{}
	if s.SenderID != "" {
		form.Set("From", s.SenderID)
	}
	form.Set("To", strings.TrimPrefix(m.To, "+"))
	form.Set("Msg", m.Body)
	endpoint := strings.TrimRight(s.BaseURL, "/") + "/" + url.PathEscape(s.APIKey) + "/ADDON_SERVICES/SEND/TSMS"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return notify.Outcome{Kind: notify.Permanent, Reason: "2factor: bad base URL"}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := s.HTTP.Do(req)
	if err != nil {
		return transportFailure("2factor", err)
	}
	raw := readBody(resp)
	var out struct {
		Status  string `json:"Status"`
		Details string `json:"Details"`
	}
	parsed := json.Unmarshal(raw, &out) == nil
	details := scrub(out.Details, s.APIKey)
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		now := time.Now
		if s.Now != nil {
			now = s.Now
		}
		d, ok := retryAfter(resp.Header, now())
		if !ok {
			d = time.Minute
		}
		return notify.Outcome{Kind: notify.Throttled, RetryAfter: notify.ThrottleDelay(d), Reason: statusReason("2factor", resp.StatusCode, details)}
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		switch {
		case parsed && strings.EqualFold(out.Status, "Success") && out.Details != "":
			return notify.Outcome{Kind: notify.Delivered, MessageID: out.Details}
		case parsed && strings.EqualFold(out.Status, "Error"):
			return notify.Outcome{Kind: notify.Permanent, Reason: notify.TrimReason("2factor: " + details)}
		}
		return notify.Outcome{Kind: notify.Transient, Reason: "2factor: unreadable success response"}
	}
	return notify.Outcome{Kind: byStatus(resp.StatusCode), Reason: statusReason("2factor", resp.StatusCode, details)}
}

// scrub removes the key should the provider echo it back.
func scrub(s, key string) string {
	if key == "" {
		return s
	}
	return strings.ReplaceAll(s, key, "[REDACTED]")
}
