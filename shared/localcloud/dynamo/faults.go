package dynamo

import (
	"math/rand/v2"
	"sync"
)

// FaultRule makes a share of requests fail, for fault-injection runs. It is off by default and
// set through the admin endpoint (POST /holdfast/faults) or SetFaults.
type FaultRule struct {
	// Rate is the share of matching requests that fail, 0…1.
	Rate float64 `json:"rate"`
	// Kind is ThrottlingException, ProvisionedThroughputExceededException or InternalServerError
	// (the request is refused and not applied), or "reset": the request is applied and its
	// response dropped by resetting the connection.
	Kind string `json:"kind"`
	// Operations and Tables narrow the rule; empty matches every one. Tables matches the
	// requests that name one table in TableName (not batches or transactions).
	Operations []string `json:"operations,omitempty"`
	Tables     []string `json:"tables,omitempty"`
	// Seed makes the choice of failing requests reproducible; 0 picks one.
	Seed uint64 `json:"seed,omitempty"`
}

// Fault kinds.
const (
	FaultThrottling = "ThrottlingException"
	FaultThroughput = "ProvisionedThroughputExceededException"
	FaultInternal   = "InternalServerError"
	FaultReset      = "reset"
)

type faultInjector struct {
	mu       sync.Mutex
	rule     FaultRule
	rng      *rand.Rand
	injected map[string]int64
}

func newFaultInjector() *faultInjector {
	return &faultInjector{rng: rand.New(rand.NewPCG(1, 2)), injected: map[string]int64{}}
}

func (f *faultInjector) set(r FaultRule) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rule = r
	seed := r.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	f.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	f.injected = map[string]int64{}
}

// pick decides whether this request fails, and how ("" for not).
func (f *faultInjector) pick(op, table string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.rule
	if r.Rate <= 0 || r.Kind == "" {
		return ""
	}
	if len(r.Operations) > 0 && !contains(r.Operations, op) {
		return ""
	}
	if len(r.Tables) > 0 && !contains(r.Tables, table) {
		return ""
	}
	if f.rng.Float64() >= r.Rate {
		return ""
	}
	f.injected[r.Kind]++
	return r.Kind
}

func (f *faultInjector) snapshot() (FaultRule, map[string]int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := make(map[string]int64, len(f.injected))
	for k, v := range f.injected {
		m[k] = v
	}
	return f.rule, m
}

func contains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

// SetFaults replaces the fault rule (a zero rule switches injection off).
func (e *Engine) SetFaults(r FaultRule) error {
	switch r.Kind {
	case "", FaultThrottling, FaultThroughput, FaultInternal, FaultReset:
	default:
		return validationf("unknown fault kind %q: use %s, %s, %s or %s", r.Kind, FaultThrottling, FaultThroughput, FaultInternal, FaultReset)
	}
	if r.Rate < 0 || r.Rate > 1 {
		return validationf("fault rate %v is outside 0…1", r.Rate)
	}
	e.faults.set(r)
	return nil
}
