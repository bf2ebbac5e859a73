package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"holdfast/shared/platform/correlation"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/problem"
)

// Handler serves one route. It returns either a response or an error; errors become
// problem+json responses in one place (ErrorResponse).
type Handler func(r *http.Request) (*Response, error)

// Middleware wraps a Handler.
type Middleware func(Handler) Handler

// Chain applies mws so that the first is outermost: Chain(h, a, b) runs a, then b, then h.
func Chain(h Handler, mws ...Middleware) Handler {
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return h
}

// Response is what a handler answers.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	// ErrorCode is the problem code when this response is a problem document (set by
	// ErrorResponse and by replays of one), for audit, logs and metrics. Never sent.
	ErrorCode string
}

// JSON renders v as an application/json response.
func JSON(status int, v any) (*Response, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode response: %w", err)
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	return &Response{Status: status, Header: h, Body: b}, nil
}

// JSONAt is JSON with a Location header naming the resource the request made (201 Created, or
// 202 Accepted for one that is still being made).
func JSONAt(status int, location string, v any) (*Response, error) {
	resp, err := JSON(status, v)
	if err == nil {
		resp.Header.Set("Location", location)
	}
	return resp, err
}

// Empty is a response with no body (e.g. 204).
func Empty(status int) *Response { return &Response{Status: status, Header: http.Header{}} }

// ErrorResponse maps err (through problem.From, the one mapping) to its problem+json response,
// stamped with the request's correlation ID.
func ErrorResponse(ctx context.Context, err error) *Response {
	p := problem.From(err)
	if p == nil {
		p = errs.Internal(errors.New("error response without an error"))
	}
	body, mErr := json.Marshal(problem.Render(p, correlation.FromContext(ctx)))
	if mErr != nil {
		// A Document is strings and ints; this cannot fail, but never answer without a body.
		body = []byte(`{"type":"` + problem.TypePrefix + errs.CodeInternal + `","title":"Internal Server Error","status":500,"code":"internal"}`)
		p = errs.Internal(mErr)
	}
	h := http.Header{}
	h.Set("Content-Type", problem.ContentType)
	return &Response{Status: problem.Status(p.Kind), Header: h, Body: body, ErrorCode: p.Code}
}

// Outcome reports the status and problem code a handler's result amounts to, whether it came
// back as a response or an error.
func Outcome(resp *Response, err error) (status int, code string) {
	if err != nil {
		p := problem.From(err)
		return problem.Status(p.Kind), p.Code
	}
	if resp == nil {
		return http.StatusInternalServerError, errs.CodeInternal
	}
	return resp.Status, resp.ErrorCode
}
