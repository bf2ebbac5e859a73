// Package audit is the append-only record of every state-changing request: the ONE decorator
// the chain wraps around each route whose policy is Mutating, the store that writes records
// with PutItem + attribute_not_exists, the query behind GET /api/v1/audit, and that route's
// handler. It must never update or delete a record, never Scan, never store a secret or a
// contact detail unredacted, and never be hand-called by a handler (only SetEntity is).
//
// A failed audit write does not change the request's answer: the mutation has already
// committed, and failing the response would only make the client retry a change that
// happened. The failure is never silent: it is logged at ERROR with the record's identity
// (ID, action, outcome, status, entity) and counted as the EMF metric AuditWriteFailed
// (dimension action), which an alarm should watch.
//
// Requests that authz refuses (401/403) never reach the decorator — the chain runs authz
// first — and are logged at WARN by authz instead.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Outcome of an audited request.
type Outcome string

const (
	Success Outcome = "SUCCESS"
	Failed  Outcome = "FAILED"
)

// Actor is who made the request.
type Actor struct {
	ID     string   `json:"id"`
	Roles  []string `json:"roles"`
	Tenant string   `json:"tenant,omitempty"`
}

// Entity is what the request acted on, when the handler says so (SetEntity). On the wire it
// is "type:id" (the type never contains ':').
type Entity struct {
	Type string
	ID   string
}

func (e Entity) String() string { return e.Type + ":" + e.ID }

// MarshalText renders "type:id".
func (e Entity) MarshalText() ([]byte, error) { return []byte(e.String()), nil }

// UnmarshalText parses "type:id".
func (e *Entity) UnmarshalText(b []byte) error {
	v, err := ParseEntity(string(b))
	if err != nil {
		return err
	}
	*e = v
	return nil
}

// ParseEntity reads "type:id": a type of 1..64 letters, digits, '_' or '-' starting with a
// letter, and a non-empty id.
func ParseEntity(s string) (Entity, error) {
	typ, id, ok := strings.Cut(s, ":")
	if !ok || !entityTypePattern.MatchString(typ) || id == "" {
		return Entity{}, fmt.Errorf("entity %q: want type:id", s)
	}
	return Entity{Type: typ, ID: id}, nil
}

var entityTypePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,63}$`)

// Record is one audit entry.
type Record struct {
	ID            string          `json:"id"`
	At            time.Time       `json:"at"`
	Action        string          `json:"action"`
	Route         string          `json:"route"`
	Actor         Actor           `json:"actor"`
	SourceIP      string          `json:"sourceIp"`
	UserAgent     string          `json:"userAgent,omitempty"`
	DurationMs    int64           `json:"durationMs"`
	Arguments     json.RawMessage `json:"arguments"`
	Outcome       Outcome         `json:"outcome"`
	ErrorCode     string          `json:"errorCode,omitempty"`
	Status        int             `json:"status"`
	Entity        *Entity         `json:"entity,omitempty"`
	CorrelationID string          `json:"correlationId"`
}

type entityKey struct{}

type entityHolder struct{ e *Entity }

// SetEntity names the entity the current request acts on (e.g. "loan", loanID). Outside an
// audited request it does nothing.
func SetEntity(ctx context.Context, entityType, id string) {
	if h, ok := ctx.Value(entityKey{}).(*entityHolder); ok && entityTypePattern.MatchString(entityType) && id != "" {
		h.e = &Entity{Type: entityType, ID: id}
	}
}
