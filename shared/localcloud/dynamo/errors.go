package dynamo

import (
	"fmt"
	"net/http"
)

// APIError is an error DynamoDB answers with: a type (the shape name after '#' in __type), an
// HTTP status and a message. aws-sdk-go-v2 decodes it into the typed error of that name.
type APIError struct {
	Type    string
	Status  int
	Message string
	// Item is returned with a ConditionalCheckFailedException when the request asked for
	// ReturnValuesOnConditionCheckFailure ALL_OLD.
	Item any
	// Reasons are a TransactionCanceledException's CancellationReasons, in request order.
	Reasons []CancellationReason
}

func (e *APIError) Error() string { return e.Type + ": " + e.Message }

// CancellationReason is one entry of TransactionCanceledException.CancellationReasons.
type CancellationReason struct {
	Code    string `json:"Code"`
	Message string `json:"Message,omitempty"`
	Item    any    `json:"Item,omitempty"`
}

// The error types the engine answers with (API Reference, "Common Errors" and each operation's
// Errors section).
const (
	errValidation        = "ValidationException"
	errResourceNotFound  = "ResourceNotFoundException"
	errResourceInUse     = "ResourceInUseException"
	errConditionalFailed = "ConditionalCheckFailedException"
	errTxCanceled        = "TransactionCanceledException"
	errIdempotentParam   = "IdempotentParameterMismatchException"
	errUnknownOperation  = "UnknownOperationException"
	errSerialization     = "SerializationException"
	errThrottling        = "ThrottlingException"
	errThroughput        = "ProvisionedThroughputExceededException"
	errInternal          = "InternalServerError"
	errExpiredIterator   = "ExpiredIteratorException"
	errTrimmedData       = "TrimmedDataAccessException"
	errMissingAction     = "MissingAction"
)

func validationf(format string, a ...any) *APIError {
	return &APIError{Type: errValidation, Status: http.StatusBadRequest, Message: fmt.Sprintf(format, a...)}
}

func notFoundf(format string, a ...any) *APIError {
	return &APIError{Type: errResourceNotFound, Status: http.StatusBadRequest, Message: fmt.Sprintf(format, a...)}
}

func tableNotFound(name string) *APIError {
	return notFoundf("Requested resource not found: Table: %s not found", name)
}

func conditionFailed() *APIError {
	return &APIError{Type: errConditionalFailed, Status: http.StatusBadRequest, Message: "The conditional request failed"}
}
