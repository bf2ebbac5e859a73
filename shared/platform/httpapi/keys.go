package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"holdfast/shared/platform/errs"
	"reflect"
	"strings"
)

// checkKeys refuses what encoding/json would quietly accept and a proxy or another parser could
// read differently: a key that appears twice in one object (encoding/json keeps the last, many
// proxies the first) and a key that matches a field only when case is ignored (encoding/json
// matches "AMOUNT" to "amount"). It walks the body's tokens beside dst's type, so a field's
// own shape decides what its keys must be; maps and values with their own decoders are only
// checked for duplicates. Syntax errors are left to the decoder that runs next.
func checkKeys(body []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var kp *keyProblem
	if err := walkValue(dec, t, ""); errors.As(err, &kp) {
		return kp.err
	}
	return nil // valid, or malformed JSON that the decoder after this reports precisely
}

type keyProblem struct{ err error }

func (k *keyProblem) Error() string { return k.err.Error() }
func (k *keyProblem) Unwrap() error { return k.err }

var jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()

// shape is what a JSON value must look like: nil for "anything" (its keys are only checked for
// duplicates).
func shape(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() == reflect.Interface || reflect.PointerTo(t).Implements(jsonUnmarshaler) || t.Implements(jsonUnmarshaler) {
		return nil
	}
	return t
}

func walkValue(dec *json.Decoder, t reflect.Type, path string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	t = shape(t)
	switch d {
	case '[':
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for i := 0; dec.More(); i++ {
			if err := walkValue(dec, elem, path+"["+itoa(i)+"]"); err != nil {
				return err
			}
		}
	case '{':
		var fields map[string]reflect.Type
		var elem reflect.Type
		if t != nil && t.Kind() == reflect.Struct {
			fields = jsonFields(t)
		} else if t != nil && t.Kind() == reflect.Map {
			elem = t.Elem()
		}
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ := kt.(string)
			at := key
			if path != "" {
				at = path + "." + key
			}
			if seen[key] {
				return &keyProblem{errs.BadRequest(errs.CodeDuplicateField, "The body names a field twice.",
					errs.Field(at, "appears more than once"))}
			}
			seen[key] = true
			next := elem
			if fields != nil {
				ft, exact := fields[key]
				if !exact {
					for name := range fields {
						if strings.EqualFold(name, key) {
							return &keyProblem{errs.BadRequest(errs.CodeUnknownField, "The body has a field this route does not accept.",
								errs.Field(at, "is not a known field (did you mean "+name+"? names are case-sensitive)"))}
						}
					}
				}
				next = ft
			}
			if err := walkValue(dec, next, at); err != nil {
				return err
			}
		}
	}
	_, err = dec.Token() // the closing delimiter
	return err
}

// jsonFields maps each JSON name a struct decodes (embedded structs flattened) to its type.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for n, typ := range jsonFields(ft) {
					if _, shadowed := out[n]; !shadowed {
						out[n] = typ
					}
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

func itoa(i int) string {
	var b [20]byte
	n := len(b)
	for {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
		if i == 0 {
			break
		}
	}
	return string(b[n:])
}
