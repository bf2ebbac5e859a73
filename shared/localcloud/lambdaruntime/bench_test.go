package lambdaruntime

import (
	"context"
	"os"
	"testing"
	"time"
)

// These benchmarks print figures; they assert nothing about timings.
//
//	go test -run '^$' -bench . -benchtime 20x ./shared/localcloud/lambdaruntime/

// BenchmarkInvokeWarm measures one invocation of a warm instance: Runtime API hand-out,
// handler, response, over loopback HTTP.
func BenchmarkInvokeWarm(b *testing.B) {
	p := NewPool(echoFunction("BenchWarm"), nil)
	defer p.Close()
	ctx := context.Background()
	payload := []byte(`{"action":"echo","n":1}`)
	if res, err := p.Invoke(ctx, payload, InvokeOptions{}); err != nil || res.Err != nil {
		b.Fatal(err, res.Err)
	}
	var fnTime time.Duration
	b.ResetTimer()
	for b.Loop() {
		res, err := p.Invoke(ctx, payload, InvokeOptions{})
		if err != nil || res.Err != nil {
			b.Fatal(err, res.Err)
		}
		fnTime += res.Duration
	}
	b.ReportMetric(float64(fnTime.Microseconds())/float64(b.N), "handout-to-answer-us/op")
}

// BenchmarkColdStart measures a new process: start → first GET /next (init-ms) and start →
// first invocation answered (cold-invoke-ms), and reports the stripped echo bootstrap's size.
func BenchmarkColdStart(b *testing.B) {
	ctx := context.Background()
	payload := []byte(`{"action":"echo"}`)
	var initTotal, coldTotal time.Duration
	for b.Loop() {
		p := NewPool(echoFunction("BenchCold"), nil)
		start := time.Now()
		res, err := p.Invoke(ctx, payload, InvokeOptions{})
		cold := time.Since(start)
		if err != nil || res.Err != nil || !res.ColdStart {
			b.Fatal(err, res.Err, res.ColdStart)
		}
		initTotal += res.InitDuration
		coldTotal += cold
		b.StopTimer()
		_ = p.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(initTotal.Microseconds())/1000/float64(b.N), "init-ms/op")
	b.ReportMetric(float64(coldTotal.Microseconds())/1000/float64(b.N), "cold-invoke-ms/op")
	if fi, err := os.Stat(echoBootstrap); err == nil {
		b.ReportMetric(float64(fi.Size())/(1<<20), "bootstrap-stripped-MiB")
	}
}

// TestReportBinarySize prints the stripped size of the echo bootstrap (-ldflags "-s -w",
// -tags lambda.norpc); run with -v to see it.
func TestReportBinarySize(t *testing.T) {
	fi, err := os.Stat(echoBootstrap)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("echo bootstrap (stripped, lambda.norpc): %d bytes (%.2f MiB)", fi.Size(), float64(fi.Size())/(1<<20))
}
