package problem

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"holdfast/shared/platform/errs"
	"net/http"
	"strings"
	"testing"
)

type fakeAPIError struct{ code, msg string }

func (e fakeAPIError) Error() string     { return e.code + ": " + e.msg }
func (e fakeAPIError) ErrorCode() string { return e.code }

func TestFromMapsWithoutLeaking(t *testing.T) {
	secret := "arn:aws:dynamodb:us-east-1:123456789012:table/holdfast-lending"
	cases := []struct {
		name   string
		err    error
		status int
		code   string
	}{
		{"problem passes through", errs.Conflict("illegal_transition", "Loan is CLOSED."), 409, "illegal_transition"},
		{"wrapped problem", fmt.Errorf("approve: %w", errs.Unprocessable("insufficient_funds", "x")), 422, "insufficient_funds"},
		{"plain error", errors.New("dial tcp 10.0.0.1:443: " + secret), 500, errs.CodeInternal},
		{"AWS validation", fakeAPIError{"ValidationException", "One or more parameter values were invalid " + secret}, 500, errs.CodeInternal},
		{"AWS not found", fakeAPIError{"ResourceNotFoundException", "Requested resource not found " + secret}, 500, errs.CodeInternal},
		{"throttle", fmt.Errorf("put: %w", fakeAPIError{"ProvisionedThroughputExceededException", secret}), 503, errs.CodeUnavailable},
		{"condition", fakeAPIError{"ConditionalCheckFailedException", "The conditional request failed " + secret}, 409, errs.CodeConflict},
		{"deadline", fmt.Errorf("query: %w", context.DeadlineExceeded), 503, errs.CodeUnavailable},
		{"body too big", &http.MaxBytesError{Limit: 65536}, 400, errs.CodeBodyTooLarge},
		{"panic value", fmt.Errorf("runtime error: index out of range [3] with length 3"), 500, errs.CodeInternal},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := From(c.err)
			if Status(p.Kind) != c.status || p.Code != c.code {
				t.Fatalf("got %d %s want %d %s", Status(p.Kind), p.Code, c.status, c.code)
			}
			body, err := json.Marshal(Render(p, "corr-7"))
			if err != nil {
				t.Fatal(err)
			}
			for _, leak := range []string{secret, "dial tcp", "ValidationException", "runtime error", "index out of range", "Exception"} {
				if strings.Contains(string(body), leak) {
					t.Fatalf("body leaks %q: %s", leak, body)
				}
			}
			if !errors.Is(p, c.err) && p != c.err && !errors.As(c.err, new(*errs.Error)) {
				t.Fatalf("cause lost for logs")
			}
		})
	}
	if From(nil) != nil {
		t.Fatal("nil must map to nil")
	}
}

func TestDocumentShape(t *testing.T) {
	doc := Render(errs.Validation(errs.Field("amount", "must be positive"), errs.Field("tenureMonths", "must be 3..60")), "c-1")
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"urn:holdfast:problem:validation_failed","title":"Invalid request","status":400,"detail":"One or more fields are invalid.","code":"validation_failed","errors":[{"field":"amount","message":"must be positive"},{"field":"tenureMonths","message":"must be 3..60"}],"correlationId":"c-1"}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
	b, _ = json.Marshal(Render(errs.NotFound(""), ""))
	if string(b) != `{"type":"urn:holdfast:problem:not_found","title":"Not Found","status":404,"detail":"The resource does not exist.","code":"not_found"}` {
		t.Fatal(string(b))
	}
}

func TestConstructors(t *testing.T) {
	cases := []struct {
		e      *errs.Error
		status int
		code   string
	}{
		{errs.Unauthenticated(), 401, errs.CodeUnauthenticated},
		{errs.Forbidden(""), 403, errs.CodeForbidden},
		{errs.NotFound("loan"), 404, errs.CodeNotFound},
		{errs.Conflict("idempotency_in_flight", "x"), 409, "idempotency_in_flight"},
		{errs.Unprocessable("idempotency_key_reuse", "x"), 422, "idempotency_key_reuse"},
		{errs.BadRequest(errs.CodeMalformedJSON, "x"), 400, errs.CodeMalformedJSON},
		{errs.Unavailable(""), 503, errs.CodeUnavailable},
		{errs.Internal(errors.New("boom")), 500, errs.CodeInternal},
		{errs.Unsupported(errs.CodeUnsupportedMediaType, "x"), 415, errs.CodeUnsupportedMediaType},
		{errs.ForbiddenCode("self_approval", "x"), 403, "self_approval"},
	}
	for _, c := range cases {
		if Status(c.e.Kind) != c.status || c.e.Code != c.code || c.e.Detail == "" {
			t.Errorf("%+v", c.e)
		}
	}
	cause := errors.New("root")
	wrapped := errs.Forbidden("no").WithCause(cause)
	if !errors.Is(wrapped, cause) || !strings.Contains(wrapped.Error(), "root") {
		t.Fatal("WithCause")
	}
}

// Every kind has its own status in the one table; none falls through to the default.
func TestEveryKindHasAStatus(t *testing.T) {
	seen := map[int]errs.Kind{}
	for k := errs.KindInternal; k <= errs.KindUnavailable; k++ {
		s, ok := statuses[k]
		if !ok {
			t.Fatalf("kind %s has no status", k)
		}
		if other, dup := seen[s]; dup {
			t.Fatalf("kinds %s and %s share status %d", k, other, s)
		}
		seen[s] = k
	}
}
