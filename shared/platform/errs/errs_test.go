package errs

import (
	"errors"
	"fmt"
	"testing"
)

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
	p, _ := As(v.Err())
	if p.Code != CodeValidation || len(p.Fields) != 2 || p.Fields[0].Field != "b" || p.Fields[1].Field != "c" {
		t.Fatalf("%+v", p)
	}
}

func TestKindOfAndRefusal(t *testing.T) {
	cases := []struct {
		err     error
		kind    Kind
		refusal bool
	}{
		{nil, KindInternal, false},
		{errors.New("dial tcp: boom"), KindInternal, false},
		{Internal(errors.New("x")), KindInternal, false},
		{Unavailable(""), KindUnavailable, false},
		{fmt.Errorf("wrapped: %w", Conflict("illegal_transition", "x")), KindConflict, true},
		{Validation(Field("a", "b")), KindInvalid, true},
		{Unauthenticated(), KindUnauthenticated, true},
		{Forbidden(""), KindForbidden, true},
		{NotFound(""), KindNotFound, true},
		{Unsupported(CodeUnsupportedMediaType, "x"), KindUnsupported, true},
		{Unprocessable("insufficient_funds", "x"), KindUnprocessable, true},
	}
	for _, c := range cases {
		if got := KindOf(c.err); got != c.kind {
			t.Errorf("KindOf(%v) = %s, want %s", c.err, got, c.kind)
		}
		if got := IsRefusal(c.err); got != c.refusal {
			t.Errorf("IsRefusal(%v) = %v, want %v", c.err, got, c.refusal)
		}
	}
}

func TestSentinelsMatchOnCodeAndKind(t *testing.T) {
	sentinel := Unprocessable("insufficient_funds", "The balance does not cover this.")
	got := fmt.Errorf("post: %w", sentinel.WithCause(errors.New("account wallet:u1")).WithDetail("other words"))
	if !errors.Is(got, sentinel) {
		t.Fatal("an error built from a sentinel must match it")
	}
	if errors.Is(got, Conflict("insufficient_funds", "")) {
		t.Fatal("same code, other kind must not match")
	}
	if errors.Is(got, Unprocessable("other", "")) {
		t.Fatal("other code must not match")
	}
	if CodeOf(got) != "insufficient_funds" || CodeOf(errors.New("x")) != "" {
		t.Fatal("CodeOf")
	}
	if sentinel.Detail != "The balance does not cover this." || sentinel.Unwrap() != nil {
		t.Fatal("copies must not change the sentinel")
	}
}

func TestKindNames(t *testing.T) {
	for k := KindInternal; k <= KindUnavailable; k++ {
		if k.String() == "" || k.String()[0] == 'k' {
			t.Errorf("kind %d has no name", k)
		}
	}
}
