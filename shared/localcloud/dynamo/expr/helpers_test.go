package expr

import (
	"strings"
	"testing"

	"holdfast/shared/localcloud/dynamo/attr"
)

// mustItem decodes an item (or a placeholder → value map) from DynamoDB's JSON wire format.
func mustItem(t testing.TB, js string) attr.Item {
	t.Helper()
	it, err := attr.DecodeItem([]byte(js))
	if err != nil {
		t.Fatalf("bad test item %s: %v", js, err)
	}
	return it
}

func itemJSON(it attr.Item) string {
	if it == nil {
		return "null"
	}
	b, _ := it.MarshalJSON()
	return string(b)
}

// testValues are the expression attribute values the tests use.
const testValuesJSON = `{
	":s": {"S": "hello"}, ":s2": {"S": "world"}, ":he": {"S": "he"}, ":ell": {"S": "ell"},
	":a": {"S": "a"}, ":x": {"S": "x"}, ":empty": {"S": ""},
	":n0": {"N": "0"}, ":n1": {"N": "1"}, ":n2": {"N": "2"}, ":n3": {"N": "3"}, ":n5": {"N": "5"},
	":n10": {"N": "10"}, ":neg": {"N": "-2.5"}, ":tenth": {"N": "0.1"}, ":fifth": {"N": "0.2"},
	":big": {"N": "99999999999999999999999999999999999999"}, ":tiny": {"N": "1E-10"}, ":e125": {"N": "1E+125"},
	":b": {"B": "AQ=="}, ":b12": {"B": "AQI="},
	":true": {"BOOL": true}, ":false": {"BOOL": false}, ":null": {"NULL": true},
	":ss": {"SS": ["b", "c"]}, ":ssa": {"SS": ["a"]}, ":ssab": {"SS": ["a", "b"]},
	":ns": {"NS": ["2", "3"]}, ":bs": {"BS": ["AQ=="]},
	":l": {"L": [{"S": "y"}]}, ":m": {"M": {"k": {"S": "v"}}},
	":tS": {"S": "S"}, ":tSS": {"S": "SS"}, ":tN": {"S": "N"}, ":tM": {"S": "M"}, ":tL": {"S": "L"},
	":tBad": {"S": "STRING"}
}`

var testNames = map[string]string{
	"#s": "status", "#a": "a", "#dot": "x.y", "#name": "name", "#k": "k", "#n": "n", "#l": "l", "#m": "m",
}

func newEnv(t testing.TB) *Env {
	t.Helper()
	return &Env{Names: testNames, Values: mustItem(t, testValuesJSON)}
}

// testItem is the item most evaluation tests run against.
const testItemJSON = `{
	"id": {"S": "k1"}, "n": {"N": "5"}, "s": {"S": "hello"}, "b": {"B": "AQID"},
	"ok": {"BOOL": true}, "no": {"BOOL": false}, "nul": {"NULL": true},
	"ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2"]}, "bs": {"BS": ["AQ==", "Ag=="]},
	"l": {"L": [{"S": "x"}, {"N": "1"}, {"M": {"c": {"S": "d"}}}]},
	"m": {"M": {"k": {"S": "v"}, "deep": {"M": {"z": {"N": "3"}}}, "lst": {"L": [{"N": "1"}]}}},
	"status": {"S": "open"}, "x.y": {"S": "dot"}, "name": {"S": "hello"}
}`

// wantErr checks that err is an *Error whose message starts with prefix.
func wantErr(t *testing.T, err error, prefix string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %q", prefix)
	}
	e, ok := err.(*Error)
	if !ok {
		t.Fatalf("error %T %v is not an *expr.Error", err, err)
	}
	if !strings.HasPrefix(e.Message, prefix) {
		t.Fatalf("error\n got: %s\nwant: %s...", e.Message, prefix)
	}
}
