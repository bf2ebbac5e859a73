package httpapi

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"holdfast/shared/platform/errs"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxBodyBytes is the largest request body accepted (SPEC §0: > 64 KiB is a 400).
const MaxBodyBytes = 64 << 10

var errBodyTooLarge = errs.BadRequest(errs.CodeBodyTooLarge,
	fmt.Sprintf("The request body exceeds %d bytes.", MaxBodyBytes))

// ReadBody returns the request body (at most MaxBodyBytes) and leaves r.Body readable again
// from the start, so audit, idempotency and the handler can each read it.
func ReadBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	orig := r.Body
	b, err := io.ReadAll(io.LimitReader(orig, MaxBodyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if len(b) > MaxBodyBytes {
		r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(b), orig))
		return nil, errBodyTooLarge
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	return b, nil
}

// Decode reads a required JSON body into dst strictly: at most 64 KiB, a JSON media type if
// one is declared, valid UTF-8, no unknown fields, right types, exactly one value.
func Decode(r *http.Request, dst any) error {
	body, err := ReadBody(r)
	if err != nil {
		return err
	}
	if err := checkMediaType(r); err != nil {
		return err
	}
	return DecodeBytes(body, dst)
}

// DecodeOptional is Decode for routes whose body may be absent; present says whether one was.
func DecodeOptional(r *http.Request, dst any) (present bool, err error) {
	body, err := ReadBody(r)
	if err != nil {
		return false, err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return false, nil
	}
	if err := checkMediaType(r); err != nil {
		return true, err
	}
	return true, DecodeBytes(body, dst)
}

func checkMediaType(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json")) {
		return nil
	}
	return errs.Unsupported(errs.CodeUnsupportedMediaType,
		"Send the body as application/json.")
}

// DecodeBytes is the strict decoder behind Decode: besides encoding/json's checks it refuses a
// key given twice and a key that names a field in another case (checkKeys).
func DecodeBytes(body []byte, dst any) error {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return errs.BadRequest(errs.CodeEmptyBody, "This route needs a JSON body.")
	}
	if len(body) > MaxBodyBytes {
		return errBodyTooLarge
	}
	if !utf8.Valid(body) {
		return errs.BadRequest(errs.CodeMalformedJSON, "The body is not valid UTF-8.")
	}
	if bytes.Equal(trimmed, []byte("null")) {
		return errs.BadRequest(errs.CodeInvalidType, "The body must be a JSON object.",
			errs.Field("$", "must be an object"))
	}
	if err := checkKeys(body, reflect.TypeOf(dst)); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeProblem(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errs.BadRequest(errs.CodeMalformedJSON, "The body has data after the JSON value.")
	}
	return nil
}

func decodeProblem(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var inv *json.InvalidUnmarshalError
	switch {
	case errors.As(err, &syn):
		return errs.BadRequest(errs.CodeMalformedJSON,
			fmt.Sprintf("The body is not valid JSON (at byte %d).", syn.Offset)).WithCause(err)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return errs.BadRequest(errs.CodeMalformedJSON, "The body ends inside the JSON value.").WithCause(err)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "$"
		}
		return errs.BadRequest(errs.CodeInvalidType, "A field has the wrong type.",
			errs.Field(field, "must be "+describe(typ.Type))).WithCause(err)
	case errors.As(err, &inv):
		return errs.Internal(err) // a handler passed a non-pointer: our bug, not the caller's
	}
	if name, ok := unknownField(err); ok {
		return errs.BadRequest(errs.CodeUnknownField, "The body has a field this route does not accept.",
			errs.Field(name, "is not a known field")).WithCause(err)
	}
	// Anything else came from a field's own UnmarshalJSON/UnmarshalText: bad input.
	return errs.BadRequest(errs.CodeInvalidType, "A field has a value of the wrong form.").WithCause(err)
}

// unknownField extracts the name from encoding/json's `json: unknown field "x"` (it has no
// typed error for this).
func unknownField(err error) (string, bool) {
	const prefix = "json: unknown field "
	msg := err.Error()
	if !strings.HasPrefix(msg, prefix) {
		return "", false
	}
	name, uerr := strconv.Unquote(strings.TrimPrefix(msg, prefix))
	if uerr != nil {
		return "", false
	}
	return name, true
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

func describe(t reflect.Type) string {
	if t == nil {
		return "of another type"
	}
	if reflect.PointerTo(t).Implements(textUnmarshaler) || t.Implements(textUnmarshaler) {
		return "a string"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return describe(t.Elem())
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer in range"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "of another type"
}
