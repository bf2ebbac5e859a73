package notifyapi_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"holdfast/shared/platform/platformtest"
)

// TestTheAuditRecordHoldsNoNotificationText: a notification's body, subject and data values
// are free text (an OTP, a bare phone number); the audit record keeps each by length and
// SHA-256, never by content, and keeps the identifiers readable.
func TestTheAuditRecordHoldsNoNotificationText(t *testing.T) {
	e := notifySetup(t)
	e.register(t, "acme")
	const body = "Your OTP is 482913. Questions? Call 9876543210."
	req, _ := json.Marshal(map[string]any{"notificationType": "EMAIL", "email": "asha@example.com",
		"subject": "OTP 482913", "body": body, "data": map[string]string{"otpRef": "o-1", "hint": "482913"}})
	if r := e.notifyCall(t, service("svc-acme", "acme"), "otp-1", string(req)); r.StatusCode != 202 {
		t.Fatalf("send: %d %s", r.StatusCode, r.Body)
	}
	records := e.items(t, platformtest.AuditTable)
	if len(records) != 1 {
		t.Fatalf("audit records: %v", records)
	}
	rec := records[0]
	for _, leak := range []string{"482913", "9876543210", "asha@example.com", "Your OTP"} {
		if strings.Contains(rec, leak) {
			t.Errorf("the audit record holds %q: %s", leak, rec)
		}
	}
	var item struct{ Arguments string }
	if err := json.Unmarshal([]byte(rec), &item); err != nil {
		t.Fatal(err)
	}
	var args struct {
		Body struct {
			NotificationType string                     `json:"notificationType"`
			Body             map[string]any             `json:"body"`
			Data             map[string]json.RawMessage `json:"data"`
		} `json:"body"`
	}
	if err := json.Unmarshal([]byte(item.Arguments), &args); err != nil {
		t.Fatalf("arguments %s: %v", item.Arguments, err)
	}
	sum := sha256.Sum256([]byte(body))
	if b := args.Body; b.NotificationType != "EMAIL" || b.Body["sha256"] != hex.EncodeToString(sum[:]) ||
		b.Body["len"] != float64(len([]rune(body))) || len(b.Data) != 2 {
		t.Errorf("the audit record does not keep the body by length and hash and the type readable: %s", item.Arguments)
	}
}
