package health_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"holdfast/shared/localcloud/emulator/emulatortest"
	"holdfast/shared/platform/config"
	"holdfast/shared/platform/health"
	"holdfast/shared/platform/lambdahttp"
	"holdfast/shared/platform/platformtest"
)

func TestMain(m *testing.M) { emulatortest.Main(m) }

func healthCall(t *testing.T, cfg config.Config, withBus, withTables bool) (int, health.Report, map[string]string) {
	t.Helper()
	d := platformtest.Deps(t, platformtest.Options{Config: cfg, NoTables: !withTables})
	if withBus {
		if _, err := eventbridge.NewFromConfig(d.AWS).CreateEventBus(context.Background(), &eventbridge.CreateEventBusInput{Name: aws.String(cfg.EventBusName)}); err != nil {
			t.Fatal(err)
		}
	}
	fn, err := lambdahttp.New(context.Background(), "GET /api/v1/health", d, health.Handler)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := fn.Invoke(context.Background(), platformtest.Call{Path: "/api/v1/health"}.Event())
	if err != nil {
		t.Fatal(err)
	}
	var rep health.Report
	platformtest.JSON(t, resp, &rep)
	return resp.StatusCode, rep, resp.Headers
}

func TestAllDependenciesAnswer(t *testing.T) {
	cfg := platformtest.Config()
	cfg.EventBusName = "holdfast-bus"
	status, rep, headers := healthCall(t, cfg, true, true)
	if status != 200 || rep.Status != "ok" || rep.Version != "test" || headers["Cache-Control"] != "no-store" {
		t.Fatalf("%d %+v", status, rep)
	}
	for _, name := range []string{"auditTable", "idempotencyTable", "lendingTable", "eventBus"} {
		if dep, ok := rep.Dependencies[name]; !ok || !dep.OK || dep.Error != "" || dep.LatencyMs < 0 {
			t.Errorf("%s: %+v", name, dep)
		}
	}
	if len(rep.Dependencies) != 4 {
		t.Errorf("%+v", rep.Dependencies)
	}
}

func TestMissingDependencyIs503WithCodeOnly(t *testing.T) {
	cfg := platformtest.Config()
	cfg.EventBusName = "holdfast-bus"
	status, rep, _ := healthCall(t, cfg, false, true)
	if status != 503 || rep.Status != "degraded" {
		t.Fatalf("%d %+v", status, rep)
	}
	if dep := rep.Dependencies["eventBus"]; dep.OK || dep.Error != "ResourceNotFoundException" {
		t.Fatalf("%+v", dep)
	}
	if !rep.Dependencies["auditTable"].OK {
		t.Fatalf("%+v", rep.Dependencies)
	}
	status, rep, _ = healthCall(t, cfg, true, false)
	if status != 503 || rep.Dependencies["lendingTable"].Error != "ResourceNotFoundException" || !rep.Dependencies["eventBus"].OK {
		t.Fatalf("%d %+v", status, rep)
	}
}
