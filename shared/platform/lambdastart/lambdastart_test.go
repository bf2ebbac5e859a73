package lambdastart

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"holdfast/shared/platform/config"
)

// childEnv marks the test binary re-run as a function that must fail to start.
const childEnv = "LAMBDASTART_TEST_CHILD"

func TestMain(m *testing.M) {
	switch os.Getenv(childEnv) {
	case "":
		os.Exit(m.Run())
	case "build-fails":
		Start(func(context.Context, *Deps) (Handler[string, string], error) {
			return nil, errors.New("LENDING_TABLE is not set")
		})
	default:
		Start(func(context.Context, *Deps) (Handler[string, string], error) {
			return func(context.Context, string) (string, error) { return "", nil }, nil
		})
	}
	os.Exit(3) // Start returned: it must exit or serve, never return
}

// startChild runs this test binary as a function and returns its exit code and stderr.
func startChild(t *testing.T, mode string, env ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append([]string{childEnv + "=" + mode, "PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"AWS_REGION=us-east-1", "AWS_LAMBDA_FUNCTION_NAME=LoanAssess"}, env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("child did not exit with a failure: %v\n%s", err, stderr.String())
	}
	return exit.ExitCode(), stderr.String()
}

// failureLine checks out is exactly the one start-up failure line and returns it.
func failureLine(t *testing.T, out string) map[string]any {
	t.Helper()
	var line map[string]any
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &line); err != nil || strings.Count(strings.TrimSpace(out), "\n") != 0 {
		t.Fatalf("want one JSON line, got %q (%v)", out, err)
	}
	if line["level"] != "ERROR" || line["msg"] != "function cannot start" || line["function"] != "LoanAssess" {
		t.Fatalf("failure line: %v", line)
	}
	if _, ok := line["err"]; ok {
		t.Fatalf("the reason goes under \"error\": %v", line)
	}
	return line
}

func TestAMisconfiguredFunctionLogsOneJSONLineAndExits(t *testing.T) {
	code, out := startChild(t, "config", "HOLDFAST_MODE=sideways")
	line := failureLine(t, out)
	if code != 1 || !strings.Contains(line["error"].(string), "HOLDFAST_MODE") {
		t.Fatalf("exit %d, line %v", code, line)
	}
}

func TestAFailedBuildLogsTheSameLine(t *testing.T) {
	code, out := startChild(t, "build-fails")
	line := failureLine(t, out)
	if code != 1 || line["error"] != "LENDING_TABLE is not set" {
		t.Fatalf("exit %d, line %v", code, line)
	}
}

func TestFailCarriesTheCallersAttributes(t *testing.T) {
	var buf bytes.Buffer
	fail(&buf, "LoanAssess", errors.New("no policy"), "route", "GET /api/v1/x")
	line := failureLine(t, buf.String())
	if line["route"] != "GET /api/v1/x" || line["error"] != "no policy" {
		t.Fatalf("%v", line)
	}
}

func TestBootReadsEachConfigurationOnce(t *testing.T) {
	t.Setenv("AWS_REGION", "ap-south-1")
	t.Setenv("HOLDFAST_MODE", "local")
	t.Setenv("LENDING_TABLE", "lending")
	calls := 0
	h, cfg, err := boot(context.Background(), func(_ context.Context, cfg config.Config, awsCfg aws.Config) (Handler[int, int], error) {
		calls++
		if cfg.LendingTable != "lending" || cfg.Mode != config.ModeLocal || awsCfg.Region != "ap-south-1" {
			t.Errorf("assemble got %+v, region %q", cfg, awsCfg.Region)
		}
		return func(_ context.Context, n int) (int, error) { return n + 1, nil }, nil
	})
	if err != nil || calls != 1 || cfg.LendingTable != "lending" {
		t.Fatalf("calls %d, err %v", calls, err)
	}
	if n, err := h(context.Background(), 41); n != 42 || err != nil {
		t.Fatal(n, err)
	}
	if _, _, err := boot(context.Background(), func(context.Context, config.Config, aws.Config) (Handler[int, int], error) {
		return nil, nil
	}); err == nil {
		t.Fatal("a build without a handler started")
	}
}

func TestDepsLogJSONUnderTheFunctionName(t *testing.T) {
	var buf bytes.Buffer
	cfg, err := config.FromEnv(func(k string) string {
		return map[string]string{"AWS_LAMBDA_FUNCTION_NAME": "NotifyEmail", "LOG_LEVEL": "warn"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	d := NewDeps(cfg, aws.Config{}, &buf)
	d.Logger.Info("hidden")
	d.Logger.Warn("shown", "error", errors.New("x"))
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil || line["msg"] != "shown" || line["function"] != "NotifyEmail" {
		t.Fatalf("%q %v", buf.String(), err)
	}
	if d.Clock == nil || d.Calendar.Location().String() != config.DefaultBusinessTimezone || d.Metrics == nil {
		t.Fatalf("%+v", d)
	}
}

type counter struct{ built int }

func (c *counter) add(_ context.Context, n int) (int, error) { return c.built + n, nil }

func TestMethodBuildsTheValueOnce(t *testing.T) {
	builds := 0
	b := Method(func(context.Context, *Deps) (*counter, error) { builds++; return &counter{built: builds}, nil }, (*counter).add)
	h, err := b(context.Background(), &Deps{})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if n, _ := h(context.Background(), 10); n != 11 {
			t.Fatal(n)
		}
	}
	if builds != 1 {
		t.Fatalf("built %d times", builds)
	}
	if _, err := Method(func(context.Context, *Deps) (*counter, error) { return nil, errors.New("no table") }, (*counter).add)(context.Background(), &Deps{}); err == nil {
		t.Fatal("a failed build made a handler")
	}
}
