// Package logging builds the one structured logger every function uses: slog JSON lines
// carrying the correlation ID, function name, route, actor and request duration from the
// context, with secrets and contact details masked (package redact). An error is logged under
// the key "error" (`log.ErrorContext(ctx, "claim failed", "error", err)`), never "err", so one
// query finds every failure (shared/archtest enforces it). It must never write unredacted
// attribute values, print outside JSON, or keep loggers in package state.
package logging

import (
	"context"
	"io"
	"log/slog"
	"time"

	"holdfast/shared/platform/correlation"
	"holdfast/shared/platform/identity"
	"holdfast/shared/platform/redact"
)

// New returns a JSON logger writing to w at level, tagging each line with function.
func New(w io.Writer, level slog.Leveler, function string) *slog.Logger {
	return slog.New(NewHandler(w, level, function))
}

// NewHandler is the handler behind New, for composition.
func NewHandler(w io.Writer, level slog.Leveler, function string) slog.Handler {
	var h slog.Handler = slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: redact.Attr})
	if function != "" {
		h = h.WithAttrs([]slog.Attr{slog.String("function", function)})
	}
	return contextHandler{inner: h}
}

type requestScope struct {
	route string
	start time.Time
}

type scopeKey struct{}

// WithRequest returns ctx marking the route being served and when the request started, so
// every line logged with ctx carries route and durationMs.
func WithRequest(ctx context.Context, route string, start time.Time) context.Context {
	return context.WithValue(ctx, scopeKey{}, requestScope{route: route, start: start})
}

// RequestStart returns when the request in ctx started (zero when ctx carries none).
func RequestStart(ctx context.Context) time.Time {
	s, _ := ctx.Value(scopeKey{}).(requestScope)
	return s.start
}

// contextHandler adds the request's context fields to every record.
type contextHandler struct{ inner slog.Handler }

func (h contextHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

func (h contextHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := correlation.FromContext(ctx); id != "" {
		r.AddAttrs(slog.String("correlationId", id))
	}
	if s, ok := ctx.Value(scopeKey{}).(requestScope); ok {
		if s.route != "" {
			r.AddAttrs(slog.String("route", s.route))
		}
		if !s.start.IsZero() {
			r.AddAttrs(slog.Int64("durationMs", time.Since(s.start).Milliseconds()))
		}
	}
	if p := identity.FromContext(ctx); p.Subject != "" {
		r.AddAttrs(slog.String("actor", p.Subject))
	}
	return h.inner.Handle(ctx, r)
}

func (h contextHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return contextHandler{inner: h.inner.WithAttrs(attrs)}
}

func (h contextHandler) WithGroup(name string) slog.Handler {
	return contextHandler{inner: h.inner.WithGroup(name)}
}
