package httpapi

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/problem"
)

type sample struct {
	Amount string   `json:"amount"`
	Tenure int      `json:"tenureMonths"`
	Tags   []string `json:"tags"`
	Inner  struct {
		Flag bool `json:"flag"`
	} `json:"inner"`
	Items []struct {
		ID string `json:"id"`
	} `json:"items"`
	Data map[string]string `json:"data"`
}

func TestDecode(t *testing.T) {
	big := `{"amount":"` + strings.Repeat("1", MaxBodyBytes) + `"}`
	cases := []struct {
		name   string
		body   string
		ctype  string
		status int
		code   string
		field  string
	}{
		{"ok", `{"amount":"10.00","tenureMonths":12,"tags":["a"],"inner":{"flag":true}}`, "application/json", 0, "", ""},
		{"ok with charset and whitespace", " {\"amount\":\"1\"}\n ", "application/json; charset=utf-8", 0, "", ""},
		{"ok vendor json", `{}`, "application/merge-patch+json", 0, "", ""},
		{"empty", ``, "", 400, errs.CodeEmptyBody, ""},
		{"blank", " \n\t ", "", 400, errs.CodeEmptyBody, ""},
		{"malformed", `{"amount":`, "", 400, errs.CodeMalformedJSON, ""},
		{"malformed token", `{"amount":x}`, "", 400, errs.CodeMalformedJSON, ""},
		{"unknown field", `{"amount":"1","admin":true}`, "", 400, errs.CodeUnknownField, "admin"},
		{"wrong type", `{"amount":10}`, "", 400, errs.CodeInvalidType, "amount"},
		{"wrong nested type", `{"inner":{"flag":"yes"}}`, "", 400, errs.CodeInvalidType, "inner.flag"},
		{"overflow", `{"tenureMonths":1e400}`, "", 400, errs.CodeInvalidType, "tenureMonths"},
		{"fraction for int", `{"tenureMonths":1.5}`, "", 400, errs.CodeInvalidType, "tenureMonths"},
		{"array body", `[1,2]`, "", 400, errs.CodeInvalidType, "$"},
		{"null body", `null`, "", 400, errs.CodeInvalidType, "$"},
		{"trailing garbage", `{"amount":"1"} trailing`, "", 400, errs.CodeMalformedJSON, ""},
		{"two values", `{"amount":"1"}{"amount":"2"}`, "", 400, errs.CodeMalformedJSON, ""},
		{"65 KiB", big, "", 400, errs.CodeBodyTooLarge, ""},
		{"bad utf8", "{\"amount\":\"\xff\"}", "", 400, errs.CodeMalformedJSON, ""},
		{"wrong media type", `{"amount":"1"}`, "text/plain", 415, errs.CodeUnsupportedMediaType, ""},
		// A key twice: encoding/json keeps the last, a proxy may keep the first.
		{"duplicate key", `{"amount":"1.00","amount":"9999.00"}`, "", 400, errs.CodeDuplicateField, "amount"},
		{"duplicate nested key", `{"inner":{"flag":false,"flag":true}}`, "", 400, errs.CodeDuplicateField, "inner.flag"},
		{"duplicate key in an array element", `{"items":[{"id":"a"},{"id":"b","id":"c"}]}`, "", 400, errs.CodeDuplicateField, "items[1].id"},
		{"duplicate map key", `{"data":{"k":"1","k":"2"}}`, "", 400, errs.CodeDuplicateField, "data.k"},
		// A key in another case: encoding/json would match it to the field.
		{"key in another case", `{"AMOUNT":"3.00"}`, "", 400, errs.CodeUnknownField, "AMOUNT"},
		{"nested key in another case", `{"inner":{"Flag":true}}`, "", 400, errs.CodeUnknownField, "inner.Flag"},
		{"array element key in another case", `{"items":[{"ID":"a"}]}`, "", 400, errs.CodeUnknownField, "items[0].ID"},
		{"map keys keep their case", `{"data":{"K":"1","k":"2"}}`, "", 0, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(c.body))
			if c.ctype != "" {
				r.Header.Set("Content-Type", c.ctype)
			}
			var dst sample
			err := Decode(r, &dst)
			if c.status == 0 {
				if err != nil {
					t.Fatalf("unexpected %v", err)
				}
				return
			}
			var p *errs.Error
			if !errors.As(err, &p) {
				t.Fatalf("want problem, got %v", err)
			}
			if problem.Status(p.Kind) != c.status || p.Code != c.code {
				t.Fatalf("got %d %s want %d %s (%v)", problem.Status(p.Kind), p.Code, c.status, c.code, err)
			}
			if c.field != "" && (len(p.Fields) != 1 || p.Fields[0].Field != c.field) {
				t.Fatalf("fields %+v want %s", p.Fields, c.field)
			}
		})
	}
}

func TestReadBodyIsRepeatable(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(`{"amount":"5"}`))
	for i := 0; i < 3; i++ {
		b, err := ReadBody(r)
		if err != nil || string(b) != `{"amount":"5"}` {
			t.Fatalf("read %d: %q %v", i, b, err)
		}
	}
	var s sample
	if err := Decode(r, &s); err != nil || s.Amount != "5" {
		t.Fatalf("%+v %v", s, err)
	}
}

func TestDecodeOptional(t *testing.T) {
	var s sample
	present, err := DecodeOptional(httptest.NewRequest(http.MethodPost, "/x", nil), &s)
	if present || err != nil {
		t.Fatal(present, err)
	}
	present, err = DecodeOptional(httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(`{"nope":1}`)), &s)
	if !present || problem.From(err).Code != errs.CodeUnknownField {
		t.Fatal(present, err)
	}
}

func TestDecodeNonPointerIsOurBug(t *testing.T) {
	if p := problem.From(DecodeBytes([]byte(`{}`), sample{})); problem.Status(p.Kind) != 500 {
		t.Fatalf("%+v", p)
	}
}

func TestQuery(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/a?limit=5&actor=u1", nil)
	q, err := Query(r, "limit", "actor", "cursor")
	if err != nil || q["limit"] != "5" || q["actor"] != "u1" || len(q) != 2 {
		t.Fatal(q, err)
	}
	r = httptest.NewRequest(http.MethodGet, "/a?limit=5&limit=6&bogus=1&zz=2", nil)
	_, err = Query(r, "limit")
	p := problem.From(err)
	if problem.Status(p.Kind) != 400 || len(p.Fields) != 3 || p.Fields[0].Field != "bogus" || p.Fields[1].Field != "limit" || p.Fields[2].Field != "zz" {
		t.Fatalf("%+v", p)
	}
}

func FuzzDecodeBytes(f *testing.F) {
	for _, seed := range []string{`{"amount":"1.00","tenureMonths":3}`, `{"tags":["a",null]}`, `{`, `null`, `[]`,
		`{"inner":{"flag":true}} x`, "{\"amount\":\"\xff\"}", `{"amount":1}`, `{"x":1}`, ``, `"str"`, `{"tenureMonths":-9223372036854775809}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var dst sample
		err := DecodeBytes(body, &dst)
		if err == nil {
			return
		}
		var p *errs.Error
		if !errors.As(err, &p) {
			t.Fatalf("non-problem error %T %v", err, err)
		}
		if problem.Status(p.Kind) != 400 {
			t.Fatalf("bad input must be a 400, got %d %s for %q", problem.Status(p.Kind), p.Code, body)
		}
		if p.Code == "" || p.Detail == "" {
			t.Fatalf("problem without code/detail: %+v", p)
		}
	})
}
