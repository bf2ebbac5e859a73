package emulator

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// startWrapper starts moto through moto_server_atomic.py, as Start does when nothing is found
// at an endpoint.
func startWrapper(t *testing.T) *Emulator {
	t.Helper()
	t.Setenv("MOTO_SERVER", "") // else Start runs whatever it names
	e, err := Start(testContext(t), Options{})
	if err != nil {
		t.Fatalf("start the atomic moto wrapper: %v", err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// startPlainMoto starts moto_server itself, without the wrapper, on a free port in a process
// group of its own, and kills it when the test ends.
func startPlainMoto(t *testing.T) *Emulator {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		t.Fatalf("the test needs moto_server on PATH (pip install 'moto[server]'): %v", err)
	}
	e, err := startMoto(testContext(t), []string{bin}, io.Discard)
	if err != nil {
		t.Fatalf("start plain moto_server: %v", err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func TestCheckEndpointRefusesPlainMoto(t *testing.T) {
	ctx := testContext(t)
	t.Setenv(AllowPlainMotoEnv, "")
	plain := startPlainMoto(t)

	err := CheckEndpoint(ctx, plain.Endpoint)
	if !errors.Is(err, ErrPlainMoto) {
		t.Fatalf("CheckEndpoint(plain moto) = %v, want ErrPlainMoto", err)
	}
	for _, want := range []string{plain.Endpoint, "loses committed DynamoDB writes",
		"40 acknowledged, 32 posted", "HOLDFAST_ALLOW_PLAIN_MOTO=1", "Unset AWS_ENDPOINT_URL"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the refusal does not say %q:\n%v", want, err)
		}
	}

	t.Run("override", func(t *testing.T) {
		t.Setenv(AllowPlainMotoEnv, "1")
		if err := CheckEndpoint(ctx, plain.Endpoint); err != nil {
			t.Fatalf("with %s=1: %v", AllowPlainMotoEnv, err)
		}
	})
}

func TestCheckEndpointAcceptsTheWrapperAndWhatIsNotMoto(t *testing.T) {
	ctx := testContext(t)
	t.Setenv(AllowPlainMotoEnv, "")

	t.Run("atomic wrapper", func(t *testing.T) {
		if err := CheckEndpoint(ctx, startWrapper(t).Endpoint); err != nil {
			t.Fatalf("CheckEndpoint(wrapper) = %v", err)
		}
	})
	t.Run("not moto", func(t *testing.T) {
		for name, h := range map[string]http.HandlerFunc{
			"404 everywhere": http.NotFound,
			"200 everywhere": func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				_, _ = io.WriteString(w, `<html><head><title>LocalStack</title></head></html>`)
			},
		} {
			srv := httptest.NewServer(h)
			if err := CheckEndpoint(ctx, srv.URL); err != nil {
				t.Errorf("%s: CheckEndpoint = %v", name, err)
			}
			srv.Close()
		}
	})
	t.Run("no answer", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close()
		err := CheckEndpoint(ctx, srv.URL)
		if err == nil || errors.Is(err, ErrPlainMoto) {
			t.Fatalf("CheckEndpoint(closed port) = %v, want an error that is not ErrPlainMoto", err)
		}
	})
}

// DynamoDB on moto needs the atomic wrapper: when the moto that starts is a plain one (here
// named by MOTO_SERVER; in life, a moto the wrapper refuses), HOLDFAST_DYNAMODB=moto is refused
// with ErrPlainMoto, while the default, with DynamoDB on the engine, accepts it for the rest.
func TestStartRefusesPlainMotoForDynamoDB(t *testing.T) {
	plain, err := exec.LookPath("moto_server")
	if err != nil {
		t.Fatal("moto_server is not on PATH: install moto with `pip install 'moto[server]'`")
	}
	t.Setenv("MOTO_SERVER", plain)
	t.Setenv(AllowPlainMotoEnv, "")
	ctx := context.Background()
	if e, err := Start(ctx, Options{DynamoDB: DynamoDBMoto}); !errors.Is(err, ErrPlainMoto) {
		if e != nil {
			e.Close()
		}
		t.Fatalf("DynamoDB on a plain moto_server: %v, want ErrPlainMoto", err)
	}
	e, err := Start(ctx, Options{DynamoDB: DynamoDBEngine})
	if err != nil {
		t.Fatalf("the engine beside a plain moto_server: %v", err)
	}
	defer e.Close()
	if e.Engine == nil || e.DynamoDBEndpoint == "" {
		t.Fatal("no engine started")
	}
}
