// Package errs is the platform's one error model: an error with a kind (what sort of refusal
// or fault it is), a stable machine code, a detail written for the client, and the fields that
// were wrong. Domain packages, stores, workers and handlers all return these; nothing in them
// knows about HTTP. The problem package holds the only table from kind to HTTP status and
// renders an error as application/problem+json; workers ask the kind (IsRefusal) to tell a
// decided answer from a fault worth retrying.
//
// Detail is shown to clients, so it must be written for them: internal text (AWS messages,
// table names, stack traces) goes in the cause (WithCause), which only logs see.
package errs

import (
	"errors"
	"fmt"
	"slices"
)

// Kind says what sort of error it is. The zero value is KindInternal: an error nobody classified
// is a fault.
type Kind uint8

const (
	// KindInternal is a fault of ours; the client learns nothing of its cause.
	KindInternal Kind = iota
	// KindInvalid: the request is malformed or a field is wrong. Nothing was changed.
	KindInvalid
	// KindUnauthenticated: no credentials, or ones that cannot be used.
	KindUnauthenticated
	// KindForbidden: the caller is known but may not do this.
	KindForbidden
	// KindNotFound: the thing named does not exist (or is not the caller's to see).
	KindNotFound
	// KindConflict: the request clashes with the current state (an illegal transition, a race).
	KindConflict
	// KindUnsupported: the request's media type is not one the route reads.
	KindUnsupported
	// KindUnprocessable: a well-formed request that a business rule refuses.
	KindUnprocessable
	// KindUnavailable: a dependency is busy or slow; the same request may be retried.
	KindUnavailable
)

var kindNames = [...]string{"internal", "invalid", "unauthenticated", "forbidden", "not_found",
	"conflict", "unsupported", "unprocessable", "unavailable"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// Stable codes used by the platform. Products add their own (e.g. "insufficient_funds").
const (
	CodeValidation           = "validation_failed"
	CodeMalformedJSON        = "malformed_json"
	CodeBodyTooLarge         = "body_too_large"
	CodeEmptyBody            = "empty_body"
	CodeUnknownField         = "unknown_field"
	CodeDuplicateField       = "duplicate_field"
	CodeInvalidType          = "invalid_type"
	CodeInvalidCursor        = "invalid_cursor"
	CodeUnsupportedMediaType = "unsupported_media_type"
	CodeUnauthenticated      = "unauthenticated"
	CodeForbidden            = "forbidden"
	CodeNotFound             = "not_found"
	CodeConflict             = "conflict"
	CodeInternal             = "internal"
	CodeUnavailable          = "unavailable"
)

// FieldError names one bad input field and why it is bad.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Field is shorthand for a FieldError.
func Field(field, message string) FieldError { return FieldError{Field: field, Message: message} }

// Error is the platform's coded error. Title (optional) and Detail are for the client; the
// cause is for logs only.
type Error struct {
	Kind   Kind
	Code   string
	Title  string
	Detail string
	Fields []FieldError
	cause  error
}

// New returns an error of the given kind and code with a client-facing detail.
func New(kind Kind, code, detail string) *Error {
	return &Error{Kind: kind, Code: code, Detail: detail}
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s (%s): %s", e.Code, e.Kind, e.Detail)
	for _, f := range e.Fields {
		s += fmt.Sprintf("; %s: %s", f.Field, f.Message)
	}
	if e.cause != nil {
		s += ": " + e.cause.Error()
	}
	return s
}

// Unwrap exposes the cause to errors.Is/As and to logs.
func (e *Error) Unwrap() error { return e.cause }

// Is makes errors.Is match on the code, so a sentinel (var ErrX = errs.New(…)) matches every
// error built from it, whatever its detail or cause.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && t.Kind == e.Kind
}

// WithCause returns a copy of e remembering cause (never shown to the client).
func (e *Error) WithCause(cause error) *Error {
	c := *e
	c.Fields = slices.Clone(e.Fields)
	c.cause = cause
	return &c
}

// WithDetail returns a copy of e with another client-facing detail.
func (e *Error) WithDetail(detail string) *Error {
	c := *e
	c.Fields = slices.Clone(e.Fields)
	c.Detail = detail
	return &c
}

// As returns the first *Error in err's chain.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// KindOf is the kind of the first *Error in err's chain; anything else is KindInternal.
func KindOf(err error) Kind {
	if e, ok := As(err); ok {
		return e.Kind
	}
	return KindInternal
}

// CodeOf is the code of the first *Error in err's chain, or "" when there is none.
func CodeOf(err error) string {
	if e, ok := As(err); ok {
		return e.Code
	}
	return ""
}

// IsRefusal reports an error that is a decided answer about the request (invalid, forbidden,
// not found, a conflict with the state, a business rule), not a fault: doing the same again
// would get the same answer, so a worker records it and does not retry.
func IsRefusal(err error) bool {
	if err == nil {
		return false
	}
	switch KindOf(err) {
	case KindInvalid, KindUnauthenticated, KindForbidden, KindNotFound, KindConflict, KindUnsupported, KindUnprocessable:
		return true
	}
	return false
}

// Validation is an Invalid error naming every bad field.
func Validation(fields ...FieldError) *Error {
	e := New(KindInvalid, CodeValidation, "One or more fields are invalid.")
	e.Title = "Invalid request"
	e.Fields = slices.Clone(fields)
	return e
}

// BadRequest is an Invalid error with a specific code (malformed_json, body_too_large, …).
func BadRequest(code, detail string, fields ...FieldError) *Error {
	e := New(KindInvalid, code, detail)
	e.Fields = slices.Clone(fields)
	return e
}

// InvalidCursor is the one answer to a page cursor this API did not issue, on every list.
func InvalidCursor() *Error {
	return BadRequest(CodeInvalidCursor, "The cursor is not one this API issued for this list.",
		Field("cursor", "is not a cursor this API issued for this list"))
}

// Unauthenticated: no or unusable credentials.
func Unauthenticated() *Error {
	return New(KindUnauthenticated, CodeUnauthenticated, "This route needs a bearer token.")
}

// Forbidden: the caller is known but may not do this. Code defaults to "forbidden".
func Forbidden(detail string) *Error {
	if detail == "" {
		detail = "You may not perform this action."
	}
	return New(KindForbidden, CodeForbidden, detail)
}

// ForbiddenCode is a Forbidden error with a code of its own (self_approval, …).
func ForbiddenCode(code, detail string) *Error { return New(KindForbidden, code, detail) }

// NotFound: the resource does not exist.
func NotFound(detail string) *Error {
	if detail == "" {
		detail = "The resource does not exist."
	}
	return New(KindNotFound, CodeNotFound, detail)
}

// Conflict with a code (illegal_transition, idempotency_in_flight, …).
func Conflict(code, detail string) *Error { return New(KindConflict, code, detail) }

// Unprocessable is a business-rule refusal with a code (insufficient_funds, …).
func Unprocessable(code, detail string) *Error { return New(KindUnprocessable, code, detail) }

// Unavailable: a dependency is busy or slow; the client may retry.
func Unavailable(detail string) *Error {
	if detail == "" {
		detail = "The service is busy; retry shortly."
	}
	return New(KindUnavailable, CodeUnavailable, detail)
}

// Internal is a fault that says nothing about its cause.
func Internal(cause error) *Error {
	return New(KindInternal, CodeInternal,
		"An internal error occurred. Quote the correlation ID if you report it.").WithCause(cause)
}

// Unsupported: the request's media type is not one the route reads.
func Unsupported(code, detail string) *Error { return New(KindUnsupported, code, detail) }
