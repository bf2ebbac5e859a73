package dynamo_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"holdfast/shared/localcloud/dynamo"
	"holdfast/shared/localcloud/dynamo/attr"
	"holdfast/shared/localcloud/emulator"
)

// The differential test replays a corpus of real DynamoDB requests, recorded during an e2e run
// (HOLDFAST_DYNAMODB_RECORD=file), against the engine and the moto wrapper, each from empty,
// and requires their normalised answers to agree except where an exception below says why.
//
// Make a corpus from a recording:
//
//	HOLDFAST_DYNAMODB_RECORD=/tmp/rec.jsonl go test -count=1 -run 'TestLoanLifecycle' ./shared/e2e/
//	go test -run TestDifferential ./shared/localcloud/dynamo/ -differential.from /tmp/rec.jsonl
var corpusFrom = flag.String("differential.from", "", "rewrite testdata/differential/corpus.jsonl from this recording")

const corpusPath = "testdata/differential/corpus.jsonl"

// maxCorpus keeps the committed corpus small; table definitions are always kept.
const maxCorpus = 1200

type recorded struct {
	Target string          `json:"target"`
	Body   json.RawMessage `json:"body"`
}

// volatile are response fields that differ between any two servers, or between two runs of one:
// identities, clocks, sizes and capacity (the engine's capacity is checked by the conformance
// suite against DynamoDB's rules; moto reports its own).
var volatile = map[string]bool{
	"ConsumedCapacity": true, "CreationDateTime": true, "TableId": true, "TableArn": true, "IndexArn": true,
	"LatestStreamArn": true, "LatestStreamLabel": true, "StreamArn": true, "StreamLabel": true,
	"TableSizeBytes": true, "IndexSizeBytes": true, "ItemCount": true, "ProvisionedThroughput": true,
	"BillingModeSummary": true, "DeletionProtectionEnabled": true, "TableClassSummary": true,
	"WarmThroughput": true, "IndexStatus": true, "TableStatus": true, "ItemCollectionMetrics": true,
	"message": true, "Message": true,
}

// differentialExceptions are where moto's answers differ from DynamoDB's documented ones, by
// operation; the differences are logged, not failed.
var differentialExceptions = map[string]string{
	// moto describes a table with every field of its own (e.g. no GSI Projection NonKey order,
	// provisioned fields for on-demand tables); the engine follows DescribeTable's reference.
	"CreateTable":   "moto's TableDescription carries fields and defaults of its own",
	"DescribeTable": "moto's TableDescription carries fields and defaults of its own",
	"DeleteTable":   "moto's TableDescription carries fields and defaults of its own",
}

func TestDifferential(t *testing.T) {
	if *corpusFrom != "" {
		writeCorpus(t, *corpusFrom)
	}
	corpus := readCorpus(t)
	if len(corpus) < 100 {
		t.Fatalf("the corpus has %d requests; regenerate it (see the comment above)", len(corpus))
	}
	eng, err := dynamo.New(dynamo.Options{TTLInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := dynamo.Listen(eng, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	moto, err := emulator.Start(context.Background(), emulator.Options{DynamoDB: emulator.DynamoDBMoto})
	if err != nil {
		t.Fatal(err)
	}
	defer moto.Close()
	agreed, excused := 0, map[string]int{}
	for i, r := range corpus {
		es, eb := post(t, srv.URL, r)
		ms, mb := post(t, moto.Endpoint, r)
		en, mn := normalise(t, r.Target, es, eb), normalise(t, r.Target, ms, mb)
		if en == mn {
			agreed++
			continue
		}
		op := r.Target[strings.IndexByte(r.Target, '.')+1:]
		if why := createdUpdatedNew(r, eb, mb); why != "" {
			excused[op+" UPDATED_NEW"]++
			t.Logf("request %d %s differs (exception: %s)", i, op, why)
			continue
		}
		if why, ok := differentialExceptions[op]; ok {
			excused[op]++
			t.Logf("request %d %s differs (exception: %s)", i, op, why)
			continue
		}
		t.Errorf("request %d %s %s\nengine: %s\nmoto:   %s", i, op, r.Body, en, mn)
	}
	t.Logf("%d requests: %d agree, excused %v", len(corpus), agreed, excused)
}

// createdUpdatedNew excuses one known moto difference: an UpdateItem with ReturnValues
// UPDATED_NEW that creates its item. moto returns the key attributes too; DynamoDB returns "only
// the updated attributes, as they appear after the UpdateItem operation" (API Reference,
// UpdateItem → ReturnValues), and the keys are not updated. Anything else about the answer must
// still agree: with the keys taken out of moto's, the two are equal.
func createdUpdatedNew(r recorded, engine, moto []byte) string {
	var in struct {
		ReturnValues string
		Key          map[string]any
	}
	if !strings.HasSuffix(r.Target, ".UpdateItem") || json.Unmarshal(r.Body, &in) != nil || in.ReturnValues != "UPDATED_NEW" {
		return ""
	}
	var e, m struct{ Attributes map[string]any }
	if json.Unmarshal(engine, &e) != nil || json.Unmarshal(moto, &m) != nil || m.Attributes == nil {
		return ""
	}
	for k := range in.Key {
		if _, inEngine := e.Attributes[k]; !inEngine {
			delete(m.Attributes, k)
		}
	}
	if canon(clean(e.Attributes)) != canon(clean(m.Attributes)) {
		return ""
	}
	return "moto's UPDATED_NEW for an item the update creates includes the key attributes"
}

func post(t *testing.T, url string, r recorded) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url+"/", bytes.NewReader(r.Body))
	req.Header.Set("X-Amz-Target", r.Target)
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=test/20261204/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", r.Target, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// normalise is an answer without what legitimately differs: volatile fields, the order of a
// Scan's items and of set members, number spelling, and an error's message (its type stays).
func normalise(t *testing.T, target string, status int, body []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Sprintf("%d %q", status, body)
	}
	if m, ok := v.(map[string]any); ok {
		if typ, ok := m["__type"].(string); ok {
			return fmt.Sprintf("%d %s", status, typ[strings.LastIndexByte(typ, '#')+1:])
		}
		if strings.HasSuffix(target, ".Scan") {
			if items, ok := m["Items"].([]any); ok {
				sort.Slice(items, func(i, j int) bool { return canon(items[i]) < canon(items[j]) })
			}
			delete(m, "LastEvaluatedKey")
		}
	}
	return fmt.Sprintf("%d %s", status, canon(clean(v)))
}

func clean(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k := range x {
			if volatile[k] {
				delete(x, k)
				continue
			}
			switch k {
			case "N":
				if s, ok := x[k].(string); ok {
					if c, err := attr.CanonicalNumber(s); err == nil {
						x[k] = c
					}
				}
			case "SS", "NS", "BS":
				if l, ok := x[k].([]any); ok {
					for i, e := range l {
						if s, ok := e.(string); ok && k == "NS" {
							if c, err := attr.CanonicalNumber(s); err == nil {
								l[i] = c
							}
						}
					}
					sort.Slice(l, func(i, j int) bool { return canon(l[i]) < canon(l[j]) })
				}
			}
			x[k] = clean(x[k])
		}
		return x
	case []any:
		for i := range x {
			x[i] = clean(x[i])
		}
		return x
	}
	return v
}

func canon(v any) string {
	b, _ := json.Marshal(v) // maps marshal with sorted keys
	return string(b)
}

func readCorpus(t *testing.T) []recorded {
	t.Helper()
	f, err := os.Open(corpusPath)
	if err != nil {
		t.Fatalf("differential corpus: %v", err)
	}
	defer f.Close()
	var out []recorded
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var r recorded
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("corpus line %d: %v", len(out)+1, err)
		}
		out = append(out, r)
	}
	return out
}

// writeCorpus keeps a recording's DynamoDB requests (stream reads name opaque per-server
// iterators, so they stay with the conformance suite), table definitions first.
func writeCorpus(t *testing.T, from string) {
	t.Helper()
	f, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var tables, rest [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var r recorded
		if json.Unmarshal(sc.Bytes(), &r) != nil || !strings.HasPrefix(r.Target, "DynamoDB_20120810.") {
			continue
		}
		line := append([]byte(nil), sc.Bytes()...)
		switch strings.TrimPrefix(r.Target, "DynamoDB_20120810.") {
		case "CreateTable", "UpdateTimeToLive":
			tables = append(tables, line)
		default:
			if len(rest) < maxCorpus {
				rest = append(rest, line)
			}
		}
	}
	if err := os.MkdirAll(filepath.Dir(corpusPath), 0o755); err != nil {
		t.Fatal(err)
	}
	out := bytes.Join(append(tables, rest...), []byte("\n"))
	if err := os.WriteFile(corpusPath, append(out, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %d table and %d item requests to %s", len(tables), len(rest), corpusPath)
}
