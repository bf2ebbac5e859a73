// Package emulator finds or starts the AWS emulators the local cloud and the tests run against:
// the endpoint in AWS_ENDPOINT_URL when one answers there (it then serves every service), else
// Holdfast's embedded DynamoDB engine (shared/localcloud/dynamo) for DynamoDB and DynamoDB
// Streams and a moto_server of our own for the rest, each on a free loopback port.
// HOLDFAST_DYNAMODB=moto serves DynamoDB from moto instead, for comparison. It must never point
// code at real AWS.
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
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"holdfast/shared/localcloud/dynamo"
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
	// DynamoDB picks what serves DynamoDB when the emulators are started here: "engine" (the
	// embedded engine) or "moto". Empty means $HOLDFAST_DYNAMODB, else "engine".
	DynamoDB string
	// Now is the clock the engine judges TTL expiry by (the local cloud's movable clock);
	// nil is real time.
	Now func() time.Time
	// DataDir keeps the engine's tables across restarts (make run); empty keeps them in memory,
	// as every test does.
	DataDir string
}

// Emulator is a running (or found) AWS emulator.
type Emulator struct {
	// Endpoint serves every service but DynamoDB (moto, or the endpoint found), and DynamoDB
	// too when DynamoDBEndpoint is empty.
	Endpoint string
	// DynamoDBEndpoint is the embedded engine's URL when it serves DynamoDB and its streams.
	DynamoDBEndpoint string
	// Engine is the embedded engine, when it runs in this process.
	Engine *dynamo.Engine

	engineSrv  *dynamo.Server
	recordFile *os.File
	cmd        *exec.Cmd
	done       chan struct{}
	cleanup    func()
}

// DynamoDBURL is where DynamoDB is served: the engine, or the one endpoint.
func (e *Emulator) DynamoDBURL() string {
	if e.DynamoDBEndpoint != "" {
		return e.DynamoDBEndpoint
	}
	return e.Endpoint
}

// Which DynamoDB an emulator serves.
const (
	DynamoDBEngine = "engine"
	DynamoDBMoto   = "moto"
)

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

// Start returns the emulator at opts.Endpoint if it answers (refusing a plain moto_server, see
// CheckEndpoint), else starts a moto server (the one named by MOTO_SERVER, else the atomic
// wrapper run by the python3 that has moto, else plain moto_server) and, unless DynamoDB is
// "moto", the embedded DynamoDB engine beside it.
func Start(ctx context.Context, opts Options) (*Emulator, error) {
	if opts.Endpoint != "" && answers(ctx, opts.Endpoint) {
		if err := CheckEndpoint(ctx, opts.Endpoint); err != nil {
			return nil, err
		}
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
	which := opts.DynamoDB
	if which == "" {
		which = os.Getenv("HOLDFAST_DYNAMODB")
	}
	switch which {
	case "", DynamoDBEngine:
		if err := e.startEngine(opts.DataDir, opts.Now); err != nil {
			e.Close()
			return nil, err
		}
	case DynamoDBMoto:
		// DynamoDB on moto needs the atomic wrapper; a fallback to plain moto_server (the
		// wrapper refused this moto) would lose committed writes.
		if err := CheckEndpoint(ctx, e.Endpoint); err != nil {
			e.Close()
			return nil, fmt.Errorf("HOLDFAST_DYNAMODB=moto needs the atomic wrapper, and a plain moto_server started: %w", err)
		}
	default:
		e.Close()
		return nil, fmt.Errorf("HOLDFAST_DYNAMODB=%q: use %q (the embedded engine, the default) or %q", which, DynamoDBEngine, DynamoDBMoto)
	}
	return e, nil
}

func (e *Emulator) startEngine(dir string, now func() time.Time) error {
	eng, err := dynamo.New(dynamo.Options{Dir: dir, TTLNow: now})
	if err != nil {
		return fmt.Errorf("embedded DynamoDB: %w", err)
	}
	srv, err := dynamo.Listen(eng, "127.0.0.1:0")
	if err != nil {
		eng.Close()
		return fmt.Errorf("embedded DynamoDB: %w", err)
	}
	e.Engine, e.engineSrv, e.DynamoDBEndpoint = eng, srv, srv.URL
	// HOLDFAST_DYNAMODB_RECORD=file records every DynamoDB request, for the differential corpus
	// (shared/localcloud/dynamo/differential_test.go).
	if path := os.Getenv("HOLDFAST_DYNAMODB_RECORD"); path != "" {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			srv.Close()
			return fmt.Errorf("HOLDFAST_DYNAMODB_RECORD: %w", err)
		}
		eng.Record(f)
		e.recordFile = f
	}
	return nil
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

// Reset clears all emulator state (the engine's tables and moto's /moto-api/reset; milliseconds).
func (e *Emulator) Reset(ctx context.Context) error {
	if e.Engine != nil {
		e.Engine.Reset()
	}
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

// AWSConfig is an SDK config aimed at the emulator with dummy static credentials, over
// kept-alive loopback connections. DynamoDB and DynamoDB Streams go to the embedded engine when
// it runs, as AWS_ENDPOINT_URL_DYNAMODB and AWS_ENDPOINT_URL_DYNAMODB_STREAMS send a function's
// SDK there.
func (e *Emulator) AWSConfig(ctx context.Context, optFns ...func(*config.LoadOptions) error) (aws.Config, error) {
	opts := append([]func(*config.LoadOptions) error{
		config.WithRegion(Region),
		config.WithBaseEndpoint(e.Endpoint),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("test", "test", "")),
	}, optFns...)
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return cfg, err
	}
	// Set after loading: the SDK insists on its own client type while it applies a CA bundle,
	// which plain-HTTP loopback endpoints never use.
	cfg.HTTPClient = e.httpClient()
	if e.DynamoDBEndpoint != "" {
		// Service endpoints the SDK resolves ahead of BaseEndpoint, as it does for the
		// AWS_ENDPOINT_URL_<SERVICE> variables.
		cfg.ConfigSources = append([]any{serviceEndpoints{
			"DynamoDB": e.DynamoDBEndpoint, "DynamoDB Streams": e.DynamoDBEndpoint}}, cfg.ConfigSources...)
	}
	return cfg, nil
}

// serviceEndpoints is a config source naming per-service base endpoints by SDK service ID.
type serviceEndpoints map[string]string

func (s serviceEndpoints) GetServiceBaseEndpoint(_ context.Context, sdkID string) (string, bool, error) {
	v, ok := s[sdkID]
	return v, ok, nil
}

// hostClient keeps connections alive to both (the moto wrapper serves HTTP/1.1 keep-alive
// correctly; wrapper_test.go shows it under load). A DynamoDB request that the SDK resolved to the shared endpoint
// (AWS_ENDPOINT_URL set, even empty, in this process makes the SDK skip service endpoints) is
// sent to the engine all the same: in one emulator, DynamoDB has one home.
type hostClient struct {
	engineHost string
	engine     aws.HTTPClient
	other      aws.HTTPClient
}

func (c hostClient) Do(r *http.Request) (*http.Response, error) {
	if c.engineHost != "" {
		if r.URL.Host != c.engineHost && strings.HasPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB") {
			r.URL.Host, r.Host = c.engineHost, c.engineHost
		}
		if r.URL.Host == c.engineHost {
			return c.engine.Do(r)
		}
	}
	return c.other.Do(r)
}

func (e *Emulator) httpClient() aws.HTTPClient {
	c := hostClient{
		engine: awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
			t.MaxIdleConnsPerHost = 64
		}),
		other: awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
			t.MaxIdleConnsPerHost = 64
		}),
	}
	if e.DynamoDBEndpoint != "" {
		c.engineHost = strings.TrimPrefix(e.DynamoDBEndpoint, "http://")
	}
	return c
}

// Env is the environment a function process needs to reach the emulator.
func (e *Emulator) Env() map[string]string {
	env := map[string]string{
		"AWS_ENDPOINT_URL":      e.Endpoint,
		"AWS_REGION":            Region,
		"AWS_DEFAULT_REGION":    Region,
		"AWS_ACCESS_KEY_ID":     "test",
		"AWS_SECRET_ACCESS_KEY": "test",
	}
	if e.DynamoDBEndpoint != "" {
		env["AWS_ENDPOINT_URL_DYNAMODB"] = e.DynamoDBEndpoint
		env["AWS_ENDPOINT_URL_DYNAMODB_STREAMS"] = e.DynamoDBEndpoint
	}
	return env
}

// Close stops a moto_server this process started; a found emulator is left running.
func (e *Emulator) Close() error {
	if e.cleanup != nil {
		defer e.cleanup()
	}
	if e.engineSrv != nil {
		if err := e.engineSrv.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "emulator: embedded DynamoDB:", err)
		}
		e.engineSrv = nil
	}
	if e.recordFile != nil {
		e.recordFile.Close()
		e.recordFile = nil
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
