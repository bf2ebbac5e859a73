package metrics

import (
	"bytes"
	"context"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"holdfast/shared/platform/correlation"
)

func fixedNow() time.Time { return time.UnixMilli(1700000000123) }

func TestEmitExactJSON(t *testing.T) {
	var buf bytes.Buffer
	e := New(&buf, Namespace, map[string]string{"function": "me-get"}, WithNow(fixedNow))
	ctx := correlation.With(context.Background(), "c-1")
	if err := e.Emit(ctx, map[string]string{"route": "GET /api/v1/me"},
		Metric{Name: "ProfilesCreated", Unit: Count, Value: 1},
		Metric{Name: "Latency", Unit: Milliseconds, Value: 12.5}); err != nil {
		t.Fatal(err)
	}
	want := `{"Latency":12.5,"ProfilesCreated":1,"_aws":{"Timestamp":1700000000123,"CloudWatchMetrics":[{"Namespace":"Holdfast","Dimensions":[["function","route"],[]],"Metrics":[{"Name":"ProfilesCreated","Unit":"Count"},{"Name":"Latency","Unit":"Milliseconds"}]}]},"correlationId":"c-1","function":"me-get","route":"GET /api/v1/me"}` + "\n"
	if got := buf.String(); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestCountWithoutDimensions(t *testing.T) {
	var buf bytes.Buffer
	if err := New(&buf, "NS", nil, WithNow(fixedNow)).Count(context.Background(), "AuditWriteFailed", nil); err != nil {
		t.Fatal(err)
	}
	want := `{"AuditWriteFailed":1,"_aws":{"Timestamp":1700000000123,"CloudWatchMetrics":[{"Namespace":"NS","Dimensions":[[]],"Metrics":[{"Name":"AuditWriteFailed","Unit":"Count"}]}]}}` + "\n"
	if got := buf.String(); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestEmitRejectsBadInput(t *testing.T) {
	e := New(&bytes.Buffer{}, Namespace, map[string]string{"function": "f"})
	ctx := context.Background()
	cases := map[string]error{
		"none":        e.Emit(ctx, nil),
		"clash":       e.Emit(ctx, nil, Metric{Name: "function", Value: 1}),
		"nan":         e.Emit(ctx, nil, Metric{Name: "x", Value: math.NaN()}),
		"inf":         e.Emit(ctx, nil, Metric{Name: "x", Value: math.Inf(1)}),
		"empty name":  e.Emit(ctx, nil, Metric{Value: 1}),
		"empty value": e.Emit(ctx, map[string]string{"d": ""}, Metric{Name: "x", Value: 1}),
		"duplicate":   e.Emit(ctx, nil, Metric{Name: "x", Value: 1}, Metric{Name: "x", Value: 2}),
	}
	for name, err := range cases {
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestConcurrentLinesDoNotInterleave(t *testing.T) {
	var buf bytes.Buffer
	e := New(&buf, Namespace, nil)
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = e.Count(context.Background(), "N", nil)
		}()
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 50 {
		t.Fatalf("%d lines", len(lines))
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, `{"N":1,`) || !strings.HasSuffix(l, "}") {
			t.Fatalf("broken line %q", l)
		}
	}
}
