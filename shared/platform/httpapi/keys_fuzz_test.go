package httpapi

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// hasDuplicateKey is an independent check: does any object in the JSON text name a key twice?
func hasDuplicateKey(body []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(body))
	var walk func() (bool, error)
	walk = func() (bool, error) {
		tok, err := dec.Token()
		if err != nil {
			return false, err
		}
		switch tok {
		case json.Delim('{'):
			seen := map[string]bool{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return false, err
				}
				if seen[k.(string)] {
					return true, nil
				}
				seen[k.(string)] = true
				if dup, err := walk(); dup || err != nil {
					return dup, err
				}
			}
			_, err = dec.Token()
			return false, err
		case json.Delim('['):
			for dec.More() {
				if dup, err := walk(); dup || err != nil {
					return dup, err
				}
			}
			_, err = dec.Token()
			return false, err
		}
		return false, nil
	}
	dup, _ := walk()
	return dup
}

// FuzzDecodeBytesRefusesAmbiguousKeys: whatever the body, the strict decoder never accepts one
// that names a key twice, nor a top-level key that matches a field only in another case.
func FuzzDecodeBytesRefusesAmbiguousKeys(f *testing.F) {
	for _, seed := range []string{
		`{"amount":"1.00","amount":"9999.00"}`, `{"AMOUNT":"3.00"}`, `{"inner":{"flag":true,"flag":false}}`,
		`{"items":[{"id":"a","Id":"b"}]}`, `{"data":{"a":"1","a":"2"}}`, `{"amount":"1","tenureMonths":3,"tags":["x"]}`,
		`{"Amount":"1"}`, `{"inner":{"FLAG":true}}`, `{"tags":[],"tags":[]}`,
	} {
		f.Add([]byte(seed))
	}
	known := []string{"amount", "tenureMonths", "tags", "inner", "items", "data"}
	f.Fuzz(func(t *testing.T, body []byte) {
		var dst sample
		if DecodeBytes(body, &dst) != nil {
			return
		}
		if hasDuplicateKey(body) {
			t.Fatalf("accepted a body with a duplicate key: %q", body)
		}
		var top map[string]json.RawMessage
		if json.Unmarshal(body, &top) == nil {
			for k := range top {
				for _, name := range known {
					if k != name && strings.EqualFold(k, name) {
						t.Fatalf("accepted key %q for field %q: %q", k, name, body)
					}
				}
			}
		}
	})
}
