// Package emulatortest gives a test package its own AWS emulator. A test that needs the emulator
// and cannot have one fails and says how to get it; it never skips.
package emulatortest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"holdfast/shared/localcloud/emulator"
)

var (
	mu     sync.Mutex
	shared *emulator.Emulator
)

// Main is for TestMain: it starts one moto_server for the package's tests (each test package
// gets its own, so packages running in parallel never reset each other), runs them, stops it.
//
//	func TestMain(m *testing.M) { emulatortest.Main(m) }
func Main(m *testing.M) {
	e, err := emulator.Start(context.Background(), emulator.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: the tests need an AWS emulator:", err)
		os.Exit(1)
	}
	mu.Lock()
	shared = e
	mu.Unlock()
	code := m.Run()
	e.Close()
	os.Exit(code)
}

// Get returns the package's emulator after resetting it, so each test starts from nothing.
func Get(tb testing.TB) *emulator.Emulator {
	tb.Helper()
	mu.Lock()
	e := shared
	mu.Unlock()
	if e == nil {
		tb.Fatal("emulatortest.Get: call emulatortest.Main(m) from TestMain")
	}
	if err := e.Reset(context.Background()); err != nil {
		tb.Fatalf("reset emulator: %v", err)
	}
	return e
}

// Config returns an SDK config for the (reset) package emulator.
func Config(tb testing.TB) aws.Config {
	tb.Helper()
	e := Get(tb)
	cfg, err := e.AWSConfig(context.Background())
	if err != nil {
		tb.Fatalf("aws config: %v", err)
	}
	return cfg
}
