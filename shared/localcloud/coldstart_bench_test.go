package localcloud

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"holdfast/shared/localcloud/emulator"
	"holdfast/shared/localcloud/lambdaruntime"
)

// BenchmarkColdStartFunctions starts each real, host-built function (make build-host) as the
// local cloud does and reports process start → first Runtime API poll (init) and → first
// invocation answered, and the stripped binary size. Figures only; nothing is asserted.
func BenchmarkColdStartFunctions(b *testing.B) {
	bins, _ := filepath.Glob(filepath.Join("..", "..", ".build", "host", "*", "bootstrap"))
	if len(bins) == 0 {
		b.Fatal("no host binaries: run `make build-host` first")
	}
	emu, err := emulator.Start(context.Background(), emulator.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer emu.Close()
	// Enough environment for every function to initialise and answer (tables that do not exist
	// answer quickly with an error, which is an answer).
	env := map[string]string{
		"HOLDFAST_MODE": "local", "EVENT_BUS_NAME": "bus", "IDEMPOTENCY_TABLE": "t", "AUDIT_TABLE": "t",
		"CONNECTIONS_TABLE": "t", "LENDING_TABLE": "t", "CLINIC_TABLE": "t", "NOTIFY_TABLE": "t",
		"JWT_ISSUER": "https://issuer", "JWT_AUDIENCE": "aud", "JWKS_URL": "http://127.0.0.1:1/jwks",
	}
	for k, v := range emu.Env() {
		env[k] = v
	}
	for _, bin := range bins {
		bin, _ := filepath.Abs(bin)
		name := filepath.Base(filepath.Dir(bin))
		b.Run(name, func(b *testing.B) {
			st, _ := os.Stat(bin)
			var initTotal, firstTotal float64
			for i := 0; i < b.N; i++ {
				p := lambdaruntime.NewPool(lambdaruntime.Function{Name: name, Bootstrap: bin, Env: env}, io.Discard)
				res, err := p.Invoke(context.Background(), []byte(`{}`), lambdaruntime.InvokeOptions{})
				if err != nil {
					b.Fatal(err)
				}
				initTotal += float64(res.InitDuration.Microseconds()) / 1000
				firstTotal += float64((res.InitDuration + res.Duration).Microseconds()) / 1000
				p.Close()
			}
			b.ReportMetric(initTotal/float64(b.N), "init-ms")
			b.ReportMetric(firstTotal/float64(b.N), "first-answer-ms")
			b.ReportMetric(float64(st.Size())/(1<<20), "binary-MiB")
		})
	}
}
