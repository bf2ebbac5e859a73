package problem

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
		{"problem passes through", Conflict("illegal_transition", "Loan is CLOSED."), 409, "illegal_transition"},
		{"wrapped problem", fmt.Errorf("approve: %w", Unprocessable("insufficient_funds", "x")), 422, "insufficient_funds"},
		{"plain error", errors.New("dial tcp 10.0.0.1:443: " + secret), 500, CodeInternal},
		{"AWS validation", fakeAPIError{"ValidationException", "One or more parameter values were invalid " + secret}, 500, CodeInternal},
		{"AWS not found", fakeAPIError{"ResourceNotFoundException", "Requested resource not found " + secret}, 500, CodeInternal},
		{"throttle", fmt.Errorf("put: %w", fakeAPIError{"ProvisionedThroughputExceededException", secret}), 503, CodeUnavailable},
		{"condition", fakeAPIError{"ConditionalCheckFailedException", "The conditional request failed " + secret}, 409, CodeConflict},
		{"deadline", fmt.Errorf("query: %w", context.DeadlineExceeded), 503, CodeUnavailable},
		{"body too big", &http.MaxBytesError{Limit: 65536}, 400, CodeBodyTooLarge},
		{"panic value", fmt.Errorf("runtime error: index out of range [3] with length 3"), 500, CodeInternal},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := From(c.err)
			if p.Status != c.status || p.Code != c.code {
				t.Fatalf("got %d %s want %d %s", p.Status, p.Code, c.status, c.code)
			}
			body, err := json.Marshal(p.Document("corr-7"))
			if err != nil {
				t.Fatal(err)
			}
			for _, leak := range []string{secret, "dial tcp", "ValidationException", "runtime error", "index out of range", "Exception"} {
				if strings.Contains(string(body), leak) {
					t.Fatalf("body leaks %q: %s", leak, body)
				}
			}
			if !errors.Is(p, c.err) && p != c.err && !errors.As(c.err, new(*Error)) {
				t.Fatalf("cause lost for logs")
			}
		})
	}
	if From(nil) != nil {
		t.Fatal("nil must map to nil")
	}
}

func TestDocumentShape(t *testing.T) {
	doc := Validation(Field("amount", "must be positive"), Field("tenureMonths", "must be 3..60")).Document("c-1")
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"urn:holdfast:problem:validation_failed","title":"Invalid request","status":400,"detail":"One or more fields are invalid.","code":"validation_failed","errors":[{"field":"amount","message":"must be positive"},{"field":"tenureMonths","message":"must be 3..60"}],"correlationId":"c-1"}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
	b, _ = json.Marshal(NotFound("").Document(""))
	if string(b) != `{"type":"urn:holdfast:problem:not_found","title":"Not Found","status":404,"detail":"The resource does not exist.","code":"not_found"}` {
		t.Fatal(string(b))
	}
}

func TestConstructors(t *testing.T) {
	cases := []struct {
		e      *Error
		status int
		code   string
	}{
		{Unauthenticated(), 401, CodeUnauthenticated},
		{Forbidden(""), 403, CodeForbidden},
		{NotFound("loan"), 404, CodeNotFound},
		{Conflict("idempotency_in_flight", "x"), 409, "idempotency_in_flight"},
		{Unprocessable("idempotency_key_reuse", "x"), 422, "idempotency_key_reuse"},
		{BadRequest(CodeMalformedJSON, "x"), 400, CodeMalformedJSON},
		{Unavailable(""), 503, CodeUnavailable},
		{Internal(errors.New("boom")), 500, CodeInternal},
	}
	for _, c := range cases {
		if c.e.Status != c.status || c.e.Code != c.code || c.e.Title == "" || c.e.Detail == "" {
			t.Errorf("%+v", c.e)
		}
	}
	cause := errors.New("root")
	wrapped := Forbidden("no").WithCause(cause)
	if !errors.Is(wrapped, cause) || !strings.Contains(wrapped.Error(), "root") {
		t.Fatal("WithCause")
	}
}

func TestValidator(t *testing.T) {
	var v Validator
	if v.Err() != nil || !v.Valid() {
		t.Fatal("zero validator not valid")
	}
	v.Check(true, "a", "fine")
	v.Check(false, "b", "bad")
	if err := v.Merge(Validation(Field("c", "bad too"))); err != nil {
		t.Fatal(err)
	}
	other := Conflict("x", "y")
	if err := v.Merge(other); err != other {
		t.Fatal("non-field problem swallowed")
	}
	p := From(v.Err())
	if p.Code != CodeValidation || len(p.Fields) != 2 || p.Fields[0].Field != "b" || p.Fields[1].Field != "c" {
		t.Fatalf("%+v", p)
	}
}
