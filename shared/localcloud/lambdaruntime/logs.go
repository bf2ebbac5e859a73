package lambdaruntime

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"sync"
	"time"
)

// How function output reaches the logs writer
//
// Every line a process writes to stdout or stderr becomes exactly one JSON object followed by
// "\n", written with a single Write call, so the whole stream is JSON lines whatever the
// functions print and lines of concurrently running instances never interleave:
//
//   - a line that already is a JSON object (slog's JSON handler, AWS_LAMBDA_LOG_FORMAT=JSON) is
//     written unchanged except that "function":"<Name>" is inserted as its first field; if the
//     object already has a top-level "function" key it is written untouched;
//   - any other line (Go's log package, panics, fmt.Println) is wrapped as
//     {"time":…,"function":"<Name>","stream":"stdout"|"stderr","msg":"<the line>"};
//   - after each invocation the pool writes a Lambda-style platform report,
//     {"time":…,"type":"platform.report","function":…,"record":{"requestId":…,"status":…,
//     "metrics":{"durationMs":…,"initDurationMs":…}}}, with "errorType" when it failed.
//
// Lines longer than maxLogLine are cut into several records, as CloudWatch would.

const maxLogLine = 256 * 1024

// lockedWriter serialises writes of whole lines to a writer shared by many instances (and, in a
// Manager, many pools).
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func newLockedWriter(w io.Writer) *lockedWriter {
	if w == nil {
		w = io.Discard
	}
	if lw, ok := w.(*lockedWriter); ok {
		return lw
	}
	return &lockedWriter{w: w}
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// lineWriter is the Stdout or Stderr of one process: it splits the byte stream into lines and
// hands each, tagged, to the shared writer. exec.Cmd copies into it from one goroutine; the
// mutex only orders that against the final flush.
type lineWriter struct {
	mu       sync.Mutex
	out      *lockedWriter
	function string
	stream   string
	buf      []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			w.buf = append(w.buf, p...)
			for len(w.buf) >= maxLogLine {
				w.emit(w.buf[:maxLogLine])
				w.buf = append(w.buf[:0], w.buf[maxLogLine:]...)
			}
			break
		}
		if len(w.buf) > 0 {
			w.buf = append(w.buf, p[:i]...)
			w.emit(w.buf)
			w.buf = w.buf[:0]
		} else {
			w.emit(p[:i])
		}
		p = p[i+1:]
	}
	// Never report a write error to the process: a broken log sink must not kill a function.
	return n, nil
}

// flush emits a last line that had no newline; called once the process has exited.
func (w *lineWriter) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.emit(w.buf)
		w.buf = nil
	}
}

func (w *lineWriter) emit(line []byte) {
	line = bytes.TrimSuffix(line, []byte("\r"))
	if len(bytes.TrimSpace(line)) == 0 {
		return
	}
	_, _ = w.out.Write(formatLine(w.function, w.stream, line, time.Now()))
}

// formatLine turns one output line into one JSON line (see the comment at the top of the file).
func formatLine(function, stream string, line []byte, now time.Time) []byte {
	trimmed := bytes.TrimSpace(line)
	var fields map[string]json.RawMessage
	if len(trimmed) >= 2 && trimmed[0] == '{' && json.Unmarshal(trimmed, &fields) == nil {
		if _, ok := fields["function"]; ok {
			return append(append([]byte(nil), trimmed...), '\n')
		}
		out := make([]byte, 0, len(trimmed)+len(function)+16)
		out = append(out, `{"function":`...)
		out = strconv.AppendQuote(out, function)
		rest := bytes.TrimSpace(trimmed[1:])
		if rest[0] != '}' {
			out = append(out, ',')
		}
		out = append(out, rest...)
		return append(out, '\n')
	}
	rec := struct {
		Time     string `json:"time"`
		Function string `json:"function"`
		Stream   string `json:"stream"`
		Msg      string `json:"msg"`
	}{now.UTC().Format(time.RFC3339Nano), function, stream, string(line)}
	b, err := json.Marshal(rec)
	if err != nil { // cannot happen for these field types
		return []byte("{}\n")
	}
	return append(b, '\n')
}

// reportRecord is the platform.report line written after each invocation.
type reportRecord struct {
	Time     string `json:"time"`
	Type     string `json:"type"`
	Function string `json:"function"`
	Record   struct {
		RequestID string `json:"requestId"`
		Status    string `json:"status"`
		ErrorType string `json:"errorType,omitempty"`
		ColdStart bool   `json:"coldStart"`
		Metrics   struct {
			DurationMs     float64  `json:"durationMs"`
			InitDurationMs *float64 `json:"initDurationMs,omitempty"`
		} `json:"metrics"`
	} `json:"record"`
}

func (p *Pool) writeReport(res Result, status string) {
	var r reportRecord
	r.Time = time.Now().UTC().Format(time.RFC3339Nano)
	r.Type = "platform.report"
	r.Function = p.fn.Name
	r.Record.RequestID = res.RequestID
	r.Record.Status = status
	if res.Err != nil {
		r.Record.ErrorType = res.Err.ErrorType
	}
	r.Record.ColdStart = res.ColdStart
	r.Record.Metrics.DurationMs = ms(res.Duration)
	if res.ColdStart {
		init := ms(res.InitDuration)
		r.Record.Metrics.InitDurationMs = &init
	}
	b, err := json.Marshal(r)
	if err != nil {
		return
	}
	_, _ = p.logs.Write(append(b, '\n'))
}

func ms(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}
