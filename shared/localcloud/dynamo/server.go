package dynamo

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The JSON 1.0 protocol: POST / with X-Amz-Target "<service>.<Operation>" and a JSON body; a
// failure is an HTTP 4xx/5xx whose body names the error shape in __type (API Reference,
// "Error handling with DynamoDB" → Error components).
const (
	targetDynamoDB = "DynamoDB_20120810."
	targetStreams  = "DynamoDBStreams_20120810."
	errorPrefix    = "com.amazonaws.dynamodb.v20120810#"
	maxRequestBody = 16 << 20
)

type operation func(e *Engine, body []byte) (any, error)

func op[T any](f func(e *Engine, in *T) (any, error)) operation {
	return func(e *Engine, body []byte) (any, error) {
		in := new(T)
		if err := decode(body, in); err != nil {
			return nil, err
		}
		return f(e, in)
	}
}

// decode reads a request body; a value that is not valid is a ValidationException, JSON that
// does not fit the operation's shape a SerializationException, as in DynamoDB.
func decode(body []byte, v any) error {
	if len(body) == 0 {
		body = []byte("{}")
	}
	if err := json.Unmarshal(body, v); err != nil {
		if api := asAPI(err); api != nil {
			if a, ok := api.(*APIError); ok && a.Type == errValidation {
				return a
			}
		}
		return &APIError{Type: errSerialization, Status: 400, Message: "Start of structure or map found where not expected: " + err.Error()}
	}
	return nil
}

var dynamoOps = map[string]operation{
	"CreateTable":        op((*Engine).createTable),
	"DescribeTable":      op((*Engine).describeTable),
	"DeleteTable":        op((*Engine).deleteTable),
	"ListTables":         op((*Engine).listTables),
	"UpdateTimeToLive":   op((*Engine).updateTimeToLive),
	"DescribeTimeToLive": op((*Engine).describeTimeToLive),
	"PutItem":            op((*Engine).putItem),
	"GetItem":            op((*Engine).getItem),
	"UpdateItem":         op((*Engine).updateItem),
	"DeleteItem":         op((*Engine).deleteItem),
	"Query":              op((*Engine).query),
	"Scan":               op((*Engine).scan),
	"BatchGetItem":       op((*Engine).batchGetItem),
	"BatchWriteItem":     op((*Engine).batchWriteItem),
	"TransactGetItems":   op((*Engine).transactGetItems),
	"TransactWriteItems": func(e *Engine, body []byte) (any, error) {
		in := new(txWriteInput)
		if err := decode(body, in); err != nil {
			return nil, err
		}
		return e.transactWriteItems(in, body)
	},
}

var streamOps = map[string]operation{
	"ListStreams":      op((*Engine).listStreams),
	"DescribeStream":   op((*Engine).describeStream),
	"GetShardIterator": op((*Engine).getShardIterator),
	"GetRecords":       op((*Engine).getRecords),
}

// Do runs one operation on a JSON body, as the HTTP endpoint does (for in-process callers and
// tests): target is e.g. "DynamoDB_20120810.PutItem".
func (e *Engine) Do(target string, body []byte) ([]byte, error) {
	f, lerr := lookup(target)
	if lerr != nil {
		return nil, lerr
	}
	out, err := f(e, body)
	if err != nil {
		return nil, asAPI(err)
	}
	return marshal(out)
}

func lookup(target string) (operation, *APIError) {
	var ops map[string]operation
	var name string
	switch {
	case strings.HasPrefix(target, targetDynamoDB):
		ops, name = dynamoOps, strings.TrimPrefix(target, targetDynamoDB)
	case strings.HasPrefix(target, targetStreams):
		ops, name = streamOps, strings.TrimPrefix(target, targetStreams)
	default:
		return nil, &APIError{Type: errUnknownOperation, Status: 400, Message: "An unknown operation was requested: " + target}
	}
	f := ops[name]
	if f == nil {
		return nil, &APIError{Type: errUnknownOperation, Status: 400, Message: "An unknown operation was requested: " + name}
	}
	return f, nil
}

func marshal(out any) ([]byte, error) {
	if raw, ok := out.(json.RawMessage); ok {
		return raw, nil
	}
	return json.Marshal(out)
}

// ServeHTTP is the endpoint: DynamoDB and DynamoDB Streams on POST /, a health answer on GET /,
// and the admin API under /holdfast/ (counters, faults, reset). SigV4 headers are accepted
// without being checked.
func (e *Engine) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/holdfast/") {
		e.serveAdmin(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "healthy: dynamodb."+Region+".amazonaws.com (holdfast)")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	if err != nil {
		writeError(w, &APIError{Type: errSerialization, Status: 400, Message: "could not read the request body"})
		return
	}
	if len(body) > maxRequestBody {
		writeError(w, validationf("Request size exceeded %d bytes", maxRequestBody))
		return
	}
	target := r.Header.Get("X-Amz-Target")
	f, aerr := lookup(target)
	if aerr != nil {
		if target == "" {
			aerr = &APIError{Type: errMissingAction, Status: 400, Message: "Missing Action: the request has no X-Amz-Target header"}
		}
		writeError(w, aerr)
		return
	}
	if rec := e.recorder.Load(); rec != nil {
		rec.record(target, body)
	}
	fault := ""
	if e.faults.active() {
		var probe struct{ TableName string }
		_ = json.Unmarshal(body, &probe)
		fault = e.faults.pick(target[strings.IndexByte(target, '.')+1:], probe.TableName)
		switch fault {
		case FaultThrottling:
			writeError(w, &APIError{Type: errThrottling, Status: 400, Message: "Rate of requests exceeds the allowed throughput (injected)."})
			return
		case FaultThroughput:
			writeError(w, &APIError{Type: errThroughput, Status: 400, Message: "The level of configured provisioned throughput for the table was exceeded (injected)."})
			return
		case FaultInternal:
			writeError(w, &APIError{Type: errInternal, Status: 500, Message: "Internal server error (injected)"})
			return
		}
	}
	out, err := f(e, body)
	if fault == FaultReset {
		resetConnection(w)
		return
	}
	if err != nil {
		writeError(w, asAPI(err))
		return
	}
	b, err := marshal(out)
	if err != nil {
		writeError(w, &APIError{Type: errInternal, Status: 500, Message: err.Error()})
		return
	}
	writeBody(w, http.StatusOK, b)
}

// resetConnection drops the response: the connection is closed with a TCP reset, as a network
// fault would, after the request was applied.
func resetConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	conn.Close()
}

func writeBody(w http.ResponseWriter, status int, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/x-amz-json-1.0")
	h.Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(b)), 10))
	h.Set("X-Amzn-Requestid", randomID(16))
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

func writeError(w http.ResponseWriter, err error) {
	var api *APIError
	if !errors.As(err, &api) {
		api = &APIError{Type: errInternal, Status: 500, Message: err.Error()}
	}
	body := map[string]any{"__type": errorPrefix + api.Type, "message": api.Message}
	if api.Item != nil {
		body["Item"] = api.Item
	}
	if api.Reasons != nil {
		body["CancellationReasons"] = api.Reasons
	}
	b, _ := json.Marshal(body)
	status := api.Status
	if status == 0 {
		status = 400
	}
	writeBody(w, status, b)
}

func (f *faultInjector) active() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rule.Rate > 0
}

// Admin API (not DynamoDB's): what the benchmark, the cost model and fault runs read and set.
//
//	GET  /holdfast/counters  → {"operations":[OpStats…], "faults":{"rule":…, "injected":{kind:n}}}
//	POST /holdfast/faults    ← FaultRule (a zero rule switches injection off)
//	POST /holdfast/reset     → every table, stream and counter dropped
func (e *Engine) serveAdmin(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/holdfast/counters" && r.Method == http.MethodGet:
		rule, injected := e.faults.snapshot()
		b, _ := json.Marshal(map[string]any{"operations": e.Stats(),
			"faults": map[string]any{"rule": rule, "injected": injected}})
		writeBody(w, 200, b)
	case r.URL.Path == "/holdfast/faults" && r.Method == http.MethodPost:
		var rule FaultRule
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&rule); err != nil {
			writeError(w, validationf("fault rule: %v", err))
			return
		}
		if err := e.SetFaults(rule); err != nil {
			writeError(w, err)
			return
		}
		writeBody(w, 200, []byte(`{}`))
	case r.URL.Path == "/holdfast/reset" && r.Method == http.MethodPost:
		e.Reset()
		writeBody(w, 200, []byte(`{}`))
	default:
		writeError(w, &APIError{Type: errUnknownOperation, Status: 404, Message: fmt.Sprintf("no admin route %s %s", r.Method, r.URL.Path)})
	}
}

// recorder appends every request the endpoint receives, one JSON line each ({"target",
// "body"}), for the differential corpus (HOLDFAST_DYNAMODB_RECORD names the file).
type recorder struct {
	mu sync.Mutex
	w  io.Writer
}

func (r *recorder) record(target string, body []byte) {
	line, _ := json.Marshal(struct {
		Target string          `json:"target"`
		Body   json.RawMessage `json:"body"`
	}{target, json.RawMessage(body)})
	r.mu.Lock()
	defer r.mu.Unlock()
	r.w.Write(append(line, '\n'))
}

// Record makes the endpoint append every request it receives to w (nil stops recording).
func (e *Engine) Record(w io.Writer) {
	if w == nil {
		e.recorder.Store(nil)
		return
	}
	e.recorder.Store(&recorder{w: w})
}

func epochSeconds(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }
