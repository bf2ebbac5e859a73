// Package problem is the error vocabulary of the API: domain and request errors as values with
// a stable machine code, and the ONE mapping from any error to an RFC 9457
// application/problem+json response. It must never put internal error text, AWS messages or
// stack traces into a response: anything it does not recognise becomes 500 "internal", and
// the cause is kept only for logs (via Unwrap).
package problem

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
)

// ContentType is the media type of every error response.
const ContentType = "application/problem+json"

// TypePrefix prefixes a problem's code to form its "type" URI.
const TypePrefix = "urn:holdfast:problem:"

// Stable codes used by the platform. Products add their own (e.g. "insufficient_funds").
const (
	CodeValidation           = "validation_failed"
	CodeMalformedJSON        = "malformed_json"
	CodeBodyTooLarge         = "body_too_large"
	CodeEmptyBody            = "empty_body"
	CodeUnknownField         = "unknown_field"
	CodeDuplicateField       = "duplicate_field"
	CodeInvalidType          = "invalid_type"
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

// Error is an error with an HTTP status and a stable code. Title and Detail are shown to the
// client, so they must be written for the client; the optional cause is for logs only.
type Error struct {
	Status int
	Code   string
	Title  string
	Detail string
	Fields []FieldError
	cause  error
}

// New returns an error with the given status, code and client-facing detail.
func New(status int, code, detail string) *Error {
	return &Error{Status: status, Code: code, Title: http.StatusText(status), Detail: detail}
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s (%d): %s", e.Code, e.Status, e.Detail)
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

// WithCause returns a copy of e remembering cause (never shown to the client).
func (e *Error) WithCause(cause error) *Error {
	c := *e
	c.Fields = slices.Clone(e.Fields)
	c.cause = cause
	return &c
}

// Validation is a 400 naming every bad field.
func Validation(fields ...FieldError) *Error {
	e := New(http.StatusBadRequest, CodeValidation, "One or more fields are invalid.")
	e.Title = "Invalid request"
	e.Fields = slices.Clone(fields)
	return e
}

// BadRequest is a 400 with a specific code (malformed_json, body_too_large, …).
func BadRequest(code, detail string, fields ...FieldError) *Error {
	e := New(http.StatusBadRequest, code, detail)
	e.Fields = slices.Clone(fields)
	return e
}

// Unauthenticated is a 401: no or unusable credentials.
func Unauthenticated() *Error {
	return New(http.StatusUnauthorized, CodeUnauthenticated, "This route needs a bearer token.")
}

// Forbidden is a 403: the caller is known but may not do this.
func Forbidden(detail string) *Error {
	if detail == "" {
		detail = "You may not perform this action."
	}
	return New(http.StatusForbidden, CodeForbidden, detail)
}

// NotFound is a 404.
func NotFound(detail string) *Error {
	if detail == "" {
		detail = "The resource does not exist."
	}
	return New(http.StatusNotFound, CodeNotFound, detail)
}

// Conflict is a 409 with a code (illegal_transition, idempotency_in_flight, …).
func Conflict(code, detail string) *Error { return New(http.StatusConflict, code, detail) }

// Unprocessable is a 422 business-rule violation with a code (insufficient_funds, …).
func Unprocessable(code, detail string) *Error {
	return New(http.StatusUnprocessableEntity, code, detail)
}

// Unavailable is a 503: a dependency is busy or slow; the client may retry.
func Unavailable(detail string) *Error {
	if detail == "" {
		detail = "The service is busy; retry shortly."
	}
	return New(http.StatusServiceUnavailable, CodeUnavailable, detail)
}

// Internal is a 500 that says nothing about cause.
func Internal(cause error) *Error {
	return New(http.StatusInternalServerError, CodeInternal,
		"An internal error occurred. Quote the correlation ID if you report it.").WithCause(cause)
}

// apiError is the shape of AWS SDK (smithy) API errors, matched without importing the SDK.
type apiError interface{ ErrorCode() string }

var throttleCodes = []string{
	"ProvisionedThroughputExceededException", "ThrottlingException", "Throttling",
	"RequestLimitExceeded", "TooManyRequestsException", "LimitExceededException",
	"TransactionInProgressException", "InternalServerError", "ServiceUnavailable",
}

// From maps any error to the problem it is shown as. It is the only such mapping.
func From(err error) *Error {
	if err == nil {
		return nil
	}
	var p *Error
	if errors.As(err, &p) {
		return p
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return BadRequest(CodeBodyTooLarge, fmt.Sprintf("The request body exceeds %d bytes.", tooBig.Limit)).WithCause(err)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return Unavailable("The request did not complete in time; retry.").WithCause(err)
	}
	var api apiError
	if errors.As(err, &api) {
		switch code := api.ErrorCode(); {
		case slices.Contains(throttleCodes, code):
			return Unavailable("").WithCause(err)
		case code == "ConditionalCheckFailedException" || code == "TransactionConflictException":
			return Conflict(CodeConflict, "The resource changed concurrently; retry.").WithCause(err)
		}
	}
	return Internal(err)
}

// Document is the RFC 9457 body.
type Document struct {
	Type          string       `json:"type"`
	Title         string       `json:"title"`
	Status        int          `json:"status"`
	Detail        string       `json:"detail,omitempty"`
	Code          string       `json:"code"`
	Errors        []FieldError `json:"errors,omitempty"`
	CorrelationID string       `json:"correlationId,omitempty"`
}

// Document renders e for the client.
func (e *Error) Document(correlationID string) Document {
	title := e.Title
	if title == "" {
		title = http.StatusText(e.Status)
	}
	return Document{
		Type: TypePrefix + e.Code, Title: title, Status: e.Status, Detail: e.Detail, Code: e.Code,
		Errors: e.Fields, CorrelationID: correlationID,
	}
}
