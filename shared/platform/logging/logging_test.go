package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"testing"
	"time"

	"holdfast/shared/platform/correlation"
	"holdfast/shared/platform/identity"
)

func TestLinesCarryRequestContext(t *testing.T) {
	var buf bytes.Buffer
	log := New(&buf, slog.LevelInfo, "holdfast-me-get")
	ctx := correlation.With(context.Background(), "corr-1")
	ctx = WithRequest(ctx, "GET /api/v1/me", time.Now().Add(-1500*time.Millisecond))
	ctx = identity.With(ctx, identity.Principal{Subject: "user-9", Roles: []string{"customer"}})
	log.InfoContext(ctx, "sent to jane@example.com", "apiKey", "k", "error", errors.New("for +919876543210"), "n", 3)
	log.DebugContext(ctx, "not at info")

	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("not one JSON line: %q: %v", buf.String(), err)
	}
	want := map[string]any{
		"level": "INFO", "msg": "sent to [REDACTED]", "function": "holdfast-me-get",
		"correlationId": "corr-1", "route": "GET /api/v1/me", "actor": "user-9",
		"apiKey": "[REDACTED]", "error": "for [REDACTED]", "n": float64(3),
	}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("%s = %v want %v", k, line[k], v)
		}
	}
	if d, ok := line["durationMs"].(float64); !ok || d < 1500 {
		t.Errorf("durationMs %v", line["durationMs"])
	}
	if got := RequestStart(ctx); got.IsZero() {
		t.Error("RequestStart lost")
	}
}

func TestLinesWithoutRequestContext(t *testing.T) {
	var buf bytes.Buffer
	New(&buf, slog.LevelDebug, "").With("k", "v").WithGroup("g").Info("boot", "x", 1)
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatal(err)
	}
	for _, absent := range []string{"correlationId", "route", "actor", "durationMs", "function"} {
		if _, ok := line[absent]; ok {
			t.Errorf("%s present: %v", absent, line)
		}
	}
	if line["k"] != "v" || line["g"].(map[string]any)["x"] != float64(1) {
		t.Errorf("%v", line)
	}
}
