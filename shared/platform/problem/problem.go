// Package problem turns the platform's errors (package errs) into RFC 9457
// application/problem+json responses. It holds the only table from an error's kind to an HTTP
// status, and the only reading of errors nobody classified (AWS throttles, deadlines, an
// oversize body). It must never put internal error text, AWS messages or stack traces into a
// response: anything it does not recognise becomes 500 "internal", and the cause is kept only
// for logs (via Unwrap).
package problem

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"holdfast/shared/platform/errs"
)

// ContentType is the media type of every error response.
const ContentType = "application/problem+json"

// TypePrefix prefixes a problem's code to form its "type" URI.
const TypePrefix = "urn:holdfast:problem:"

// statuses is THE table from kind to HTTP status.
var statuses = map[errs.Kind]int{
	errs.KindInternal:        http.StatusInternalServerError,
	errs.KindInvalid:         http.StatusBadRequest,
	errs.KindUnauthenticated: http.StatusUnauthorized,
	errs.KindForbidden:       http.StatusForbidden,
	errs.KindNotFound:        http.StatusNotFound,
	errs.KindConflict:        http.StatusConflict,
	errs.KindUnsupported:     http.StatusUnsupportedMediaType,
	errs.KindUnprocessable:   http.StatusUnprocessableEntity,
	errs.KindUnavailable:     http.StatusServiceUnavailable,
}

// Status is the HTTP status an error of kind k is answered with.
func Status(k errs.Kind) int {
	if s, ok := statuses[k]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// apiError is the shape of AWS SDK (smithy) API errors, matched without importing the SDK.
type apiError interface{ ErrorCode() string }

var throttleCodes = []string{
	"ProvisionedThroughputExceededException", "ThrottlingException", "Throttling",
	"RequestLimitExceeded", "TooManyRequestsException", "LimitExceededException",
	"TransactionInProgressException", "InternalServerError", "ServiceUnavailable",
}

// From classifies any error as the coded error it is shown as: a coded error as it is, and a
// few errors nobody coded by what they are. It is the only such reading.
func From(err error) *errs.Error {
	if err == nil {
		return nil
	}
	if e, ok := errs.As(err); ok {
		return e
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return errs.BadRequest(errs.CodeBodyTooLarge, fmt.Sprintf("The request body exceeds %d bytes.", tooBig.Limit)).WithCause(err)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return errs.Unavailable("The request did not complete in time; retry.").WithCause(err)
	}
	var api apiError
	if errors.As(err, &api) {
		switch code := api.ErrorCode(); {
		case slices.Contains(throttleCodes, code):
			return errs.Unavailable("").WithCause(err)
		case code == "ConditionalCheckFailedException" || code == "TransactionConflictException":
			return errs.Conflict(errs.CodeConflict, "The resource changed concurrently; retry.").WithCause(err)
		}
	}
	return errs.Internal(err)
}

// Document is the RFC 9457 body.
type Document struct {
	Type          string            `json:"type"`
	Title         string            `json:"title"`
	Status        int               `json:"status"`
	Detail        string            `json:"detail,omitempty"`
	Code          string            `json:"code"`
	Errors        []errs.FieldError `json:"errors,omitempty"`
	CorrelationID string            `json:"correlationId,omitempty"`
}

// Render is the body e is answered with.
func Render(e *errs.Error, correlationID string) Document {
	status := Status(e.Kind)
	title := e.Title
	if title == "" {
		title = http.StatusText(status)
	}
	return Document{
		Type: TypePrefix + e.Code, Title: title, Status: status, Detail: e.Detail, Code: e.Code,
		Errors: e.Fields, CorrelationID: correlationID,
	}
}

// StatusOf is the HTTP status err is answered with.
func StatusOf(err error) int { return Status(From(err).Kind) }
