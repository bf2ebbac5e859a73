package idempotency

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/httpapi"
	"holdfast/shared/platform/identity"
)

// Headers.
const (
	HeaderKey      = "Idempotency-Key"
	HeaderReplayed = "Idempotent-Replayed"
	MaxKeyLen      = 255
)

const finishTimeout = 3 * time.Second

// ValidKey reports whether k is 1..255 printable ASCII characters.
func ValidKey(k string) bool {
	if k == "" || len(k) > MaxKeyLen {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x20 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// RequestHash fingerprints a request: SHA-256 over method, path, raw query and the body,
// canonicalised when it is JSON (key order and whitespace do not matter).
func RequestHash(method, path, rawQuery string, body []byte) string {
	h := sha256.New()
	for _, part := range [][]byte{[]byte(method), []byte(path), []byte(rawQuery), canonical(body)} {
		h.Write(part)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func canonical(body []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return body
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return body
	}
	out, err := json.Marshal(v) // maps marshal with sorted keys
	if err != nil {
		return body
	}
	return out
}

// Key is the request's Idempotency-Key header, "" when it has none. On a route whose policy
// takes a key, the middleware has already refused a malformed one.
func Key(r *http.Request) string { return httpapi.Header(r, HeaderKey) }

// RequireKey is Key, refusing an absent or malformed key exactly as the middleware does.
func RequireKey(r *http.Request) (string, error) {
	key := Key(r)
	return key, checkKey(key)
}

func checkKey(key string) error {
	if key == "" {
		return errs.BadRequest(CodeKeyRequired, "This route needs an Idempotency-Key header.",
			errs.Field(HeaderKey, "is required"))
	}
	if !ValidKey(key) {
		return errs.BadRequest(CodeKeyInvalid, "The Idempotency-Key header is not valid.",
			errs.Field(HeaderKey, "must be 1..255 printable ASCII characters"))
	}
	return nil
}

// Middleware is the chain's idempotency step for route, innermost before the handler.
func Middleware(store *Store, route string, required bool, log *slog.Logger) httpapi.Middleware {
	return func(next httpapi.Handler) httpapi.Handler {
		return func(r *http.Request) (*httpapi.Response, error) {
			ctx := r.Context()
			key := Key(r)
			if key == "" && !required {
				return next(r)
			}
			if err := checkKey(key); err != nil {
				return nil, err
			}
			body, err := httpapi.ReadBody(r)
			if err != nil {
				return nil, err
			}
			subject := identity.FromContext(ctx).Subject
			if subject == "" {
				subject = "anonymous"
			}
			lease, stored, err := store.Begin(ctx, subject, route, key, RequestHash(r.Method, r.URL.Path, r.URL.RawQuery, body))
			if err != nil {
				return nil, err
			}
			if stored != nil {
				h := stored.Header.Clone()
				h.Set(HeaderReplayed, "true")
				return &httpapi.Response{Status: stored.Status, Header: h, Body: stored.Body, ErrorCode: stored.ErrorCode}, nil
			}

			resp, herr := next(r)
			if herr == nil && resp == nil {
				herr = errs.Internal(errors.New("handler returned neither a response nor an error"))
			}

			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
			defer cancel()
			final := resp
			if herr != nil {
				final = httpapi.ErrorResponse(ctx, herr)
			}
			if final.Status >= 500 {
				if rerr := store.Release(fctx, lease); rerr != nil && log != nil {
					log.ErrorContext(ctx, "idempotency key not released after a server error", "error", rerr)
				}
				return resp, herr
			}
			if cerr := store.Complete(fctx, lease, Stored{Status: final.Status, Header: final.Header,
				Body: final.Body, ErrorCode: final.ErrorCode}); cerr != nil && log != nil {
				log.ErrorContext(ctx, "idempotency answer not stored; a retry may run the request again",
					"status", final.Status, "error", cerr)
			}
			return resp, herr
		}
	}
}
