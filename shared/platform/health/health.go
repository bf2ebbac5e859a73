// Package health answers GET /api/v1/health: the build version and whether each configured
// dependency (every table the function is configured with, and the event bus) answers.
// It must never expose resource names, AWS error messages or credentials — only a dependency's
// role name, its latency and an error code — and never change state.
package health

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"holdfast/shared/platform/httpapi"
)

// checkTimeout bounds each dependency probe.
const checkTimeout = 2 * time.Second

// Dependency is one probe's result.
type Dependency struct {
	OK        bool   `json:"ok"`
	LatencyMs int64  `json:"latencyMs"`
	Error     string `json:"error,omitempty"`
}

// Report is the health document.
type Report struct {
	Status       string                `json:"status"` // "ok" or "degraded"
	Version      string                `json:"version"`
	Dependencies map[string]Dependency `json:"dependencies"`
}

type probe func(ctx context.Context) error

// Handler builds the health route for the function's configuration.
func Handler(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
	probes := map[string]probe{}
	for role, table := range d.Config.Tables() {
		probes[role] = tableProbe(d.DynamoDB, table)
	}
	if bus := d.Config.EventBusName; bus != "" {
		eb := eventbridge.NewFromConfig(d.AWS)
		probes["eventBus"] = func(ctx context.Context) error {
			_, err := eb.DescribeEventBus(ctx, &eventbridge.DescribeEventBusInput{Name: aws.String(bus)})
			return err
		}
	}
	version := d.Config.Version
	return func(r *http.Request) (*httpapi.Response, error) {
		rep := Check(r.Context(), version, probes)
		status := http.StatusOK
		if rep.Status != "ok" {
			status = http.StatusServiceUnavailable
		}
		return httpapi.JSON(status, rep)
	}, nil
}

var errNotActive = errors.New("table_not_active")

func tableProbe(db *dynamodb.Client, table string) probe {
	return func(ctx context.Context) error {
		out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
		if err != nil {
			return err
		}
		if out.Table == nil || (out.Table.TableStatus != types.TableStatusActive && out.Table.TableStatus != types.TableStatusUpdating) {
			return errNotActive
		}
		return nil
	}
}

// Check runs every probe concurrently, each under its own timeout.
func Check(ctx context.Context, version string, probes map[string]probe) Report {
	rep := Report{Status: "ok", Version: version, Dependencies: make(map[string]Dependency, len(probes))}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name, p := range probes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pctx, cancel := context.WithTimeout(ctx, checkTimeout)
			defer cancel()
			start := time.Now()
			err := p(pctx)
			dep := Dependency{OK: err == nil, LatencyMs: time.Since(start).Milliseconds(), Error: errorCode(err)}
			mu.Lock()
			rep.Dependencies[name] = dep
			if !dep.OK {
				rep.Status = "degraded"
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return rep
}

type apiError interface{ ErrorCode() string }

// errorCode reduces an error to a code safe to show publicly.
func errorCode(err error) string {
	var api apiError
	switch {
	case err == nil:
		return ""
	case errors.Is(err, errNotActive):
		return errNotActive.Error()
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.As(err, &api) && api.ErrorCode() != "":
		return api.ErrorCode()
	}
	return "unreachable"
}
