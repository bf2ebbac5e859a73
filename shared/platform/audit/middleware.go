package audit

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/google/uuid"

	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/correlation"
	"holdfast/shared/platform/httpapi"
	"holdfast/shared/platform/identity"
	"holdfast/shared/platform/metrics"
	"holdfast/shared/platform/redact"
)

// MetricWriteFailed counts audit records that could not be written.
const MetricWriteFailed = "AuditWriteFailed"

// writeTimeout bounds the audit write, which runs even if the request's context has ended.
const writeTimeout = 3 * time.Second

// Recorder is the audit decorator.
type Recorder struct {
	store   *Store
	clock   clock.Clock
	log     *slog.Logger
	metrics *metrics.Emitter
}

// NewRecorder returns the decorator writing to store.
func NewRecorder(store *Store, clk clock.Clock, log *slog.Logger, m *metrics.Emitter) *Recorder {
	return &Recorder{store: store, clock: clk, log: log, metrics: m}
}

// Middleware audits every request of route under action. The chain applies it to each route
// whose policy is Mutating, between authz and idempotency.
func (rec *Recorder) Middleware(route, action string) httpapi.Middleware {
	return func(next httpapi.Handler) httpapi.Handler {
		return func(r *http.Request) (*httpapi.Response, error) {
			started := time.Now()
			ctx := r.Context()
			at := rec.clock.Now(ctx)
			holder := &entityHolder{}
			args := arguments(r)
			resp, err := next(r.WithContext(context.WithValue(ctx, entityKey{}, holder)))

			status, code := httpapi.Outcome(resp, err)
			caller := identity.FromContext(ctx)
			client := httpapi.ClientFrom(ctx)
			roles := caller.Roles
			if roles == nil {
				roles = []string{}
			}
			record := Record{
				ID: newID(), At: at, Action: action, Route: route,
				Actor:    Actor{ID: caller.Subject, Roles: roles, Tenant: caller.Tenant},
				SourceIP: client.IP, UserAgent: redact.String(client.UserAgent),
				DurationMs: time.Since(started).Milliseconds(), Arguments: args,
				Outcome: Success, Status: status, Entity: holder.e,
				CorrelationID: correlation.FromContext(ctx),
			}
			if status >= 400 {
				record.Outcome, record.ErrorCode = Failed, code
			}
			rec.write(ctx, record)
			return resp, err
		}
	}
}

// write stores the record even when the request's context is already done, and makes a
// failure loud (ERROR log + metric) without changing the request's answer.
func (rec *Recorder) write(ctx context.Context, r Record) {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
	defer cancel()
	err := rec.store.Put(wctx, r)
	if err == nil {
		return
	}
	if rec.log != nil {
		rec.log.ErrorContext(ctx, "audit write failed", "auditId", r.ID, "action", r.Action,
			"outcome", string(r.Outcome), "status", r.Status, "entity", r.Entity, "error", err)
	}
	if rec.metrics != nil {
		if merr := rec.metrics.Count(ctx, MetricWriteFailed, map[string]string{"action": r.Action}); merr != nil && rec.log != nil {
			rec.log.ErrorContext(ctx, "audit failure metric not emitted", "error", merr)
		}
	}
}

func newID() string {
	if id, err := uuid.NewV7(); err == nil {
		return id.String()
	}
	return uuid.NewString()
}

// arguments is the request's body and path parameters, redacted. A body that is too large or
// not JSON is described, never stored raw.
func arguments(r *http.Request) json.RawMessage {
	args := map[string]any{}
	if pp := httpapi.PathParams(r.Context()); len(pp) > 0 {
		args["pathParameters"] = redact.Value(pp)
	}
	body, err := httpapi.ReadBody(r)
	switch {
	case err != nil:
		args["body"] = map[string]any{"omitted": "too large"}
	case len(body) == 0:
	default:
		if red, rerr := redact.JSON(body); rerr == nil {
			args["body"] = red
		} else if errors.Is(rerr, redact.ErrNotJSON) {
			args["body"] = map[string]any{"omitted": "not JSON", "bytes": len(body)}
		}
	}
	b, err := json.Marshal(args)
	if err != nil {
		return json.RawMessage("{}")
	}
	return b
}
