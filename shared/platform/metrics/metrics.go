// Package metrics writes business and operational metrics as CloudWatch Embedded Metric Format:
// one JSON line per emission on the function's stdout, which Lambda ships to CloudWatch Logs
// and CloudWatch turns into metrics with no API call on the request path. It must never call
// the CloudWatch API, block a request on metric delivery, or use high-cardinality values
// (IDs, amounts) as dimensions — those belong in properties.
package metrics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"sync"
	"time"

	"holdfast/shared/platform/correlation"
)

// Namespace is the CloudWatch namespace of every Holdfast metric.
const Namespace = "Holdfast"

// Unit is a CloudWatch metric unit.
type Unit string

// The units in use.
const (
	Count        Unit = "Count"
	Milliseconds Unit = "Milliseconds"
	Seconds      Unit = "Seconds"
	Bytes        Unit = "Bytes"
	Percent      Unit = "Percent"
	None         Unit = "None"
)

// Metric is one named value.
type Metric struct {
	Name  string
	Unit  Unit
	Value float64
}

// EMF limits (CloudWatch embedded metric format specification).
const (
	maxMetrics    = 100
	maxDimensions = 30
)

// Emitter writes EMF documents. Safe for concurrent use; lines never interleave.
type Emitter struct {
	mu        sync.Mutex
	w         io.Writer
	namespace string
	dims      map[string]string
	now       func() time.Time
}

// Option adjusts an Emitter.
type Option func(*Emitter)

// WithNow sets the timestamp source (tests); the default is real time.
func WithNow(now func() time.Time) Option { return func(e *Emitter) { e.now = now } }

// New returns an emitter writing to w under namespace, adding dims to every metric.
func New(w io.Writer, namespace string, dims map[string]string, opts ...Option) *Emitter {
	e := &Emitter{w: w, namespace: namespace, dims: maps.Clone(dims), now: time.Now}
	for _, o := range opts {
		o(e)
	}
	return e
}

type metricDef struct {
	Name string `json:"Name"`
	Unit Unit   `json:"Unit"`
}

type directive struct {
	Namespace  string      `json:"Namespace"`
	Dimensions [][]string  `json:"Dimensions"`
	Metrics    []metricDef `json:"Metrics"`
}

type awsMeta struct {
	Timestamp         int64       `json:"Timestamp"`
	CloudWatchMetrics []directive `json:"CloudWatchMetrics"`
}

// Emit writes one EMF line with ms under the emitter's dimensions merged with dims.
// The request's correlation ID, when ctx has one, rides along as a property.
func (e *Emitter) Emit(ctx context.Context, dims map[string]string, ms ...Metric) error {
	if len(ms) == 0 {
		return errors.New("metrics: nothing to emit")
	}
	if len(ms) > maxMetrics {
		return fmt.Errorf("metrics: %d metrics in one document, at most %d", len(ms), maxMetrics)
	}
	all := maps.Clone(e.dims)
	if all == nil {
		all = map[string]string{}
	}
	maps.Copy(all, dims)
	if len(all) > maxDimensions {
		return fmt.Errorf("metrics: %d dimensions, at most %d", len(all), maxDimensions)
	}
	doc := make(map[string]any, len(all)+len(ms)+2)
	for k, v := range all {
		if k == "" || v == "" {
			return fmt.Errorf("metrics: empty dimension %q=%q", k, v)
		}
		doc[k] = v
	}
	defs := make([]metricDef, 0, len(ms))
	for _, m := range ms {
		if m.Name == "" || m.Name == "_aws" {
			return fmt.Errorf("metrics: bad metric name %q", m.Name)
		}
		if _, clash := doc[m.Name]; clash {
			return fmt.Errorf("metrics: metric %q repeats a dimension or metric name", m.Name)
		}
		if math.IsNaN(m.Value) || math.IsInf(m.Value, 0) {
			return fmt.Errorf("metrics: %s is not finite", m.Name)
		}
		unit := m.Unit
		if unit == "" {
			unit = None
		}
		defs = append(defs, metricDef{Name: m.Name, Unit: unit})
		doc[m.Name] = m.Value
	}
	if id := correlation.FromContext(ctx); id != "" {
		if _, clash := doc["correlationId"]; !clash {
			doc["correlationId"] = id
		}
	}
	// Two dimension sets: the full one, and the empty one as a roll-up across every function
	// and dimension value, which is what account-wide alarms (no dimensions) watch.
	dimSets := [][]string{{}}
	if dimSet := slices.Sorted(maps.Keys(all)); len(dimSet) > 0 {
		dimSets = [][]string{dimSet, {}}
	}
	doc["_aws"] = awsMeta{
		Timestamp: e.now().UnixMilli(),
		CloudWatchMetrics: []directive{{
			Namespace:  e.namespace,
			Dimensions: dimSets,
			Metrics:    defs,
		}},
	}
	line, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("metrics: encode: %w", err)
	}
	line = append(line, '\n')
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, err := e.w.Write(line); err != nil {
		return fmt.Errorf("metrics: write: %w", err)
	}
	return nil
}

// Count emits a single Count of 1 named name.
func (e *Emitter) Count(ctx context.Context, name string, dims map[string]string) error {
	return e.Emit(ctx, dims, Metric{Name: name, Unit: Count, Value: 1})
}
