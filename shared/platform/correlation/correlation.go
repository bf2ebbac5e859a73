// Package correlation carries a request's correlation ID through a context so every log line,
// audit record, problem response, queue message and event can name it. It must never accept an
// ID it has not checked (IDs end up in headers, logs and keys) and never invent a second ID for
// a request that already has one.
package correlation

import (
	"context"

	"github.com/google/uuid"
)

// Header is the HTTP header a caller may send and every response echoes.
const Header = "X-Correlation-Id"

// MaxLen is the longest accepted caller-supplied ID.
const MaxLen = 128

type ctxKey struct{}

// Valid reports whether id is 1..128 characters of [A-Za-z0-9._:-].
func Valid(id string) bool {
	if id == "" || len(id) > MaxLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			c == '.', c == '_', c == ':', c == '-':
		default:
			return false
		}
	}
	return true
}

// New returns a fresh correlation ID.
func New() string { return uuid.NewString() }

// Accept returns the caller's ID when it is valid, else a new one.
func Accept(supplied string) string {
	if Valid(supplied) {
		return supplied
	}
	return New()
}

// With returns ctx carrying id.
func With(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// FromContext returns the ID carried by ctx, or "".
func FromContext(ctx context.Context) string {
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}
