// Package emulator finds or starts the AWS emulator the local cloud and the tests run against:
// the endpoint in AWS_ENDPOINT_URL when one answers there, else a moto_server of our own on a
// free loopback port. It must never point code at real AWS or pretend to be a service itself.
package emulator

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Region and AccountID are what the emulator answers as; moto's default account is 123456789012.
const (
	Region    = "us-east-1"
	AccountID = "123456789012"
)

// Options say where to look for an emulator and where a started one logs.
type Options struct {
	// Endpoint is tried first (usually os.Getenv("AWS_ENDPOINT_URL")); empty skips the try.
	Endpoint string
	// Log receives a started moto_server's output; nil discards it.
	Log io.Writer
}

// Emulator is a running (or found) AWS emulator.
type Emulator struct {
	Endpoint string
	cmd      *exec.Cmd
	done     chan struct{}
	cleanup  func()
}

// ErrNoEmulator says neither an endpoint nor moto_server could be had, and how to get one.
var ErrNoEmulator = errors.New("no AWS emulator: set AWS_ENDPOINT_URL to a running one " +
	"(LocalStack or moto_server), or install moto with `pip install 'moto[server]'` so " +
	"moto_server is on PATH")

// atomicMoto is moto_server with DynamoDB made atomic (see the file and
// docs/decisions/0002-atomic-dynamodb-in-moto.md): moto 5.2 loses committed writes when a
// concurrent TransactWriteItems is cancelled, which real DynamoDB never does.
//
//go:embed moto_server_atomic.py
var atomicMoto []byte

// Start returns the emulator at opts.Endpoint if it answers, else starts a moto server: the
// one named by MOTO_SERVER, else moto with atomic DynamoDB (run by the python3 that has moto),
// else plain moto_server.
func Start(ctx context.Context, opts Options) (*Emulator, error) {
	if opts.Endpoint != "" && answers(ctx, opts.Endpoint) {
		return &Emulator{Endpoint: opts.Endpoint}, nil
	}
	out := opts.Log
	if out == nil {
		out = io.Discard
	}
	argv, cleanup, err := motoCommand()
	if err != nil {
		return nil, err
	}
	e, err := startMoto(ctx, argv, out)
	if err != nil && cleanup != nil {
		// The atomic wrapper refuses a moto it was not written for; plain moto still serves.
		cleanup()
		cleanup = nil
		if plain, lerr := exec.LookPath("moto_server"); lerr == nil {
			fmt.Fprintf(out, "emulator: atomic DynamoDB wrapper unavailable (%v); starting plain moto_server\n", err)
			e, err = startMoto(ctx, []string{plain}, out)
		}
	}
	if err != nil {
		return nil, err
	}
	e.cleanup = cleanup
	return e, nil
}

// motoCommand chooses how to start moto; cleanup removes a temporary script, if any.
func motoCommand() (argv []string, cleanup func(), err error) {
	if bin := os.Getenv("MOTO_SERVER"); bin != "" {
		return []string{bin}, nil, nil
	}
	python := os.Getenv("HOLDFAST_PYTHON")
	if python == "" {
		python = "python3"
	}
	if p, err := exec.LookPath(python); err == nil && exec.Command(p, "-c", "import moto.server").Run() == nil {
		f, err := os.CreateTemp("", "moto_server_atomic-*.py")
		if err != nil {
			return nil, nil, fmt.Errorf("write atomic moto wrapper: %w", err)
		}
		if _, err := f.Write(atomicMoto); err != nil {
			f.Close()
			os.Remove(f.Name())
			return nil, nil, fmt.Errorf("write atomic moto wrapper: %w", err)
		}
		f.Close()
		return []string{p, f.Name()}, func() { os.Remove(f.Name()) }, nil
	}
	plain, err := exec.LookPath("moto_server")
	if err != nil {
		return nil, nil, ErrNoEmulator
	}
	return []string{plain}, nil, nil
}

func startMoto(ctx context.Context, argv []string, out io.Writer) (*Emulator, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(argv[0], append(argv[1:], "-H", "127.0.0.1", "-p", strconv.Itoa(port))...)
	cmd.Stdout, cmd.Stderr = out, out
	// Own process group, and die with us: no orphaned emulator after a crash or Ctrl-C.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start moto_server: %w", err)
	}
	e := &Emulator{Endpoint: "http://127.0.0.1:" + strconv.Itoa(port), cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(e.done) }()
	deadline := time.Now().Add(30 * time.Second)
	for !answers(ctx, e.Endpoint) {
		select {
		case <-e.done:
			return nil, fmt.Errorf("moto_server exited before answering: %w", ErrNoEmulator)
		case <-ctx.Done():
			e.Close()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			e.Close()
			return nil, fmt.Errorf("moto_server did not answer within 30s on %s", e.Endpoint)
		}
	}
	return e, nil
}

// Owned reports whether this process started the emulator (and so may reset it freely).
func (e *Emulator) Owned() bool { return e.cmd != nil }

// Reset clears all emulator state (moto's /moto-api/reset; milliseconds).
func (e *Emulator) Reset(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.Endpoint+"/moto-api/reset", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("reset emulator: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("reset emulator: HTTP %d", resp.StatusCode)
	}
	return nil
}

// AWSConfig is an SDK config aimed at the emulator with dummy static credentials. It opens a
// new loopback connection per request: moto's server closes kept-alive connections under load,
// and a response lost that way makes the SDK retry a write the emulator already applied (seen
// as a ResourceInUse on CreateTable and a 409 on an idempotency record).
func (e *Emulator) AWSConfig(ctx context.Context, optFns ...func(*config.LoadOptions) error) (aws.Config, error) {
	opts := append([]func(*config.LoadOptions) error{
		config.WithHTTPClient(awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
			t.DisableKeepAlives = true
		})),
		config.WithRegion(Region),
		config.WithBaseEndpoint(e.Endpoint),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("test", "test", "")),
	}, optFns...)
	return config.LoadDefaultConfig(ctx, opts...)
}

// Env is the environment a function process needs to reach the emulator.
func (e *Emulator) Env() map[string]string {
	return map[string]string{
		"AWS_ENDPOINT_URL":      e.Endpoint,
		"AWS_REGION":            Region,
		"AWS_DEFAULT_REGION":    Region,
		"AWS_ACCESS_KEY_ID":     "test",
		"AWS_SECRET_ACCESS_KEY": "test",
	}
}

// Close stops a moto_server this process started; a found emulator is left running.
func (e *Emulator) Close() error {
	if e.cleanup != nil {
		defer e.cleanup()
	}
	if e.cmd == nil || e.cmd.Process == nil {
		return nil
	}
	_ = syscall.Kill(-e.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-e.done:
	case <-time.After(3 * time.Second):
		_ = syscall.Kill(-e.cmd.Process.Pid, syscall.SIGKILL)
		<-e.done
	}
	return nil
}

func answers(ctx context.Context, endpoint string) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return true
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
