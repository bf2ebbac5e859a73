// Package localcloud is `holdfast local`: the whole system on one machine without Docker. It
// finds or starts the AWS emulator, creates every resource template.yaml declares, runs every
// function's real bootstrap behind an emulated Lambda Runtime API, and serves the HTTP API
// (route matching and JWT checks as API Gateway does), the WebSocket API with its @connections
// endpoint, SQS and DynamoDB-stream event source mappings, and schedules. What it cannot
// emulate it names in the README; it must never answer for a function or an AWS service.
package localcloud

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"holdfast/shared/localcloud/emulator"
	"holdfast/shared/localcloud/lambdaruntime"
	"holdfast/shared/localcloud/stack"
	"holdfast/shared/platform/jwtauth"
)

// Options configure a local cloud.
type Options struct {
	TemplatePath string // default template.yaml
	BinDir       string // host-built bootstraps: <BinDir>/<function dir>/bootstrap; default .build/host
	StateDir     string // dev issuer keys etc.; default .holdfast (git-ignored)
	HTTPAddr     string // default 127.0.0.1:3000; port 0 picks a free one
	WSAddr       string // default 127.0.0.1:3001
	Endpoint     string // an emulator to use if it answers (AWS_ENDPOINT_URL)
	// DynamoDBDir keeps the embedded DynamoDB's data across restarts (make run keeps it in
	// .holdfast/dynamodb); empty starts empty and keeps nothing, as every test does.
	DynamoDBDir  string
	Params       map[string]string // template parameter overrides on top of the local ones
	Version      string
	MaxInstances int       // per function; default 8
	FunctionLogs io.Writer // function processes' output; default os.Stderr
	EmulatorLogs io.Writer // moto_server's output; default discarded
	Log          *slog.Logger
}

// Cloud is a running local cloud.
type Cloud struct {
	Emulator   *emulator.Emulator
	Deployment *stack.Deployment
	Issuer     *jwtauth.DevIssuer
	Clock      *Clock
	Runtime    *lambdaruntime.Manager

	httpURL, wsURL string
	httpSrv, wsSrv *http.Server
	ws             *wsGateway
	async          *asyncSources
	log            *slog.Logger
	closeOnce      sync.Once
}

// HTTPURL is the HTTP API's base URL.
func (c *Cloud) HTTPURL() string { return c.httpURL }

// WSURL is the WebSocket API's URL (ws://host:port/<stage>).
func (c *Cloud) WSURL() string { return c.wsURL }

// ManagementURL is the @connections endpoint functions are given.
func (c *Cloud) ManagementURL() string {
	return strings.Replace(c.wsURL, "ws://", "http://", 1)
}

func (o *Options) defaults() {
	if o.TemplatePath == "" {
		o.TemplatePath = "template.yaml"
	}
	if o.BinDir == "" {
		o.BinDir = filepath.Join(".build", "host")
	}
	if o.StateDir == "" {
		o.StateDir = ".holdfast"
	}
	if o.HTTPAddr == "" {
		o.HTTPAddr = "127.0.0.1:3000"
	}
	if o.WSAddr == "" {
		o.WSAddr = "127.0.0.1:3001"
	}
	if o.Version == "" {
		o.Version = "local"
	}
	if o.MaxInstances == 0 {
		o.MaxInstances = 8
	}
	if o.FunctionLogs == nil {
		o.FunctionLogs = os.Stderr
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
}

// Start brings the whole system up. On error everything already started is stopped.
func Start(ctx context.Context, opts Options) (_ *Cloud, err error) {
	opts.defaults()
	c := &Cloud{Clock: &Clock{}, log: opts.Log}
	defer func() {
		if err != nil {
			c.Close()
		}
	}()
	tpl, err := stack.Load(opts.TemplatePath)
	if err != nil {
		return nil, err
	}
	httpLn, err := net.Listen("tcp", opts.HTTPAddr)
	if err != nil {
		return nil, fmt.Errorf("HTTP API listen on %s: %w", opts.HTTPAddr, err)
	}
	wsLn, err := net.Listen("tcp", opts.WSAddr)
	if err != nil {
		httpLn.Close()
		return nil, fmt.Errorf("WebSocket API listen on %s: %w", opts.WSAddr, err)
	}
	c.httpURL = "http://" + httpLn.Addr().String()
	c.Emulator, err = emulator.Start(ctx, emulator.Options{Endpoint: opts.Endpoint, Log: opts.EmulatorLogs, DataDir: opts.DynamoDBDir,
		Now: c.Clock.Now})
	if err != nil {
		httpLn.Close()
		wsLn.Close()
		return nil, err
	}
	cfg, err := c.Emulator.AWSConfig(ctx)
	if err != nil {
		return nil, err
	}
	if c.Issuer, err = jwtauth.LoadOrCreateDevIssuer(opts.StateDir); err != nil {
		return nil, err
	}
	params := map[string]string{
		"Stage": "local", "Mode": "local", "Version": opts.Version,
		"JwtIssuer": c.Issuer.Issuer, "JwtAudience": c.Issuer.Audience,
		"JwksUrl": c.httpURL + "/.well-known/jwks.json",
	}
	for k, v := range opts.Params {
		params[k] = v
	}
	pseudo := map[string]string{"AWS::Region": emulator.Region, "AWS::AccountId": emulator.AccountID,
		"AWS::StackName": "holdfast-local", "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}
	if c.Deployment, err = stack.Deploy(ctx, tpl, stack.NewClients(cfg), params, pseudo); err != nil {
		return nil, fmt.Errorf("deploy template: %w", err)
	}
	d := c.Deployment
	// The engine runs in this process only beside a moto this process started, so kept tables
	// always meet a fresh bus and fresh queues here.
	if opts.DynamoDBDir != "" && c.Emulator.Engine != nil {
		n, err := forgetPublished(ctx, dynamodb.NewFromConfig(cfg), d)
		if err != nil {
			return nil, err
		}
		if n > 0 {
			c.log.Info("kept tables, new event bus: relay markers cleared so the kept streams publish again", "markers", n)
		}
	}
	stage := "local"
	if d.WebSocket != nil && d.WebSocket.Stage != "" {
		stage = d.WebSocket.Stage
	}
	c.wsURL = "ws://" + wsLn.Addr().String() + "/" + stage

	c.Runtime = lambdaruntime.NewManager(opts.FunctionLogs)
	for _, fn := range d.Functions {
		// Absolute: a function process starts in its own folder (LAMBDA_TASK_ROOT).
		bin, err := filepath.Abs(filepath.Join(opts.BinDir, fn.CodeDir, "bootstrap"))
		if err != nil {
			return nil, err
		}
		if _, err := os.Stat(bin); err != nil {
			return nil, fmt.Errorf("function %s: %s is missing; build host binaries first (make build-host): %w", fn.LogicalID, bin, err)
		}
		env := map[string]string{}
		for k, v := range fn.Env {
			env[k] = v
		}
		for k, v := range c.Emulator.Env() {
			env[k] = v
		}
		env["AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI"] = c.ManagementURL()
		if err := c.Runtime.Add(lambdaruntime.Function{Name: fn.LogicalID, Bootstrap: bin, Env: env,
			Timeout: fn.Timeout, MaxConcurrency: opts.MaxInstances, MemoryMB: fn.MemoryMB}); err != nil {
			return nil, err
		}
	}

	gw := &httpGateway{routes: compileRoutes(d.Routes), invoker: c.Runtime, verifier: c.Issuer.Verifier(),
		clock: c.Clock, apiID: "localhttp", account: emulator.AccountID, local: c.adminHandler()}
	c.httpSrv = &http.Server{Handler: gw, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = c.httpSrv.Serve(httpLn) }()

	var wsHandler http.Handler = http.NotFoundHandler()
	if d.WebSocket != nil {
		c.ws = newWSGateway(d.WebSocket, c.Runtime, c.Clock, emulator.AccountID, emulator.Region, c.log)
		wsHandler = c.ws
	}
	c.wsSrv = &http.Server{Handler: wsHandler, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = c.wsSrv.Serve(wsLn) }()

	if c.async, err = startAsync(ctx, c, cfg); err != nil {
		return nil, err
	}
	return c, nil
}

// Close stops everything the cloud started: event sources, servers, sockets, function
// processes and (if it started one) the emulator. Safe to call more than once.
func (c *Cloud) Close() {
	c.closeOnce.Do(func() {
		if c.async != nil {
			c.async.stop()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if c.httpSrv != nil {
			_ = c.httpSrv.Shutdown(ctx)
		}
		if c.ws != nil {
			c.ws.Close()
		}
		if c.wsSrv != nil {
			_ = c.wsSrv.Shutdown(ctx)
		}
		if c.Runtime != nil {
			_ = c.Runtime.Close()
		}
		if c.Emulator != nil {
			_ = c.Emulator.Close()
		}
	})
}

// LocalAdminRole is the role a token needs for the local cloud's /__local/ endpoints (clock,
// schedules, function stats): they move time and fire jobs for everyone, so the public HTTP
// port serves them only to a dev-issuer token of an admin (`holdfast clock` and `holdfast
// schedule` mint one from the state directory).
const LocalAdminRole = "admin"

// requireLocalAdmin guards /__local/: 401 without a valid dev-issuer token, 403 without the
// admin role. The JWKS stays public, as an issuer's is.
func (c *Cloud) requireLocalAdmin(next http.Handler) http.Handler {
	verifier := c.Issuer.Verifier()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/__local/") {
			next.ServeHTTP(w, r)
			return
		}
		raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		claims, err := verifier.Verify(r.Context(), strings.TrimSpace(raw))
		if !ok || err != nil {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"code": "unauthenticated",
				"detail": "the local cloud's endpoints need a dev-issuer token of an admin: holdfast token --sub you --role admin"})
			return
		}
		roles, _ := claims["roles"].([]any)
		for _, role := range roles {
			if role == LocalAdminRole {
				next.ServeHTTP(w, r)
				return
			}
		}
		writeJSON(w, http.StatusForbidden, map[string]string{"code": "forbidden", "detail": "the local cloud's endpoints are for the admin role"})
	})
}

// adminHandler serves the local cloud's own endpoints: the dev issuer's JWKS (on AWS the
// issuer, e.g. Cognito, serves it), and for local admins the movable clock, schedules and
// function stats.
func (c *Cloud) adminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/jwks.json", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, c.Issuer.JWKS())
	})
	mux.HandleFunc("GET /__local/clock", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"now": c.Clock.Now().Format(time.RFC3339Nano)})
	})
	mux.HandleFunc("POST /__local/clock", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Now     string `json:"now"`
			Advance string `json:"advance"`
			Reset   bool   `json:"reset"`
		}
		dec := json.NewDecoder(io.LimitReader(r.Body, 4096))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "body must be {now: RFC3339} | {advance: duration} | {reset: true}"})
			return
		}
		switch {
		case in.Reset:
			c.Clock.Reset()
		case in.Now != "":
			t, err := time.Parse(time.RFC3339Nano, in.Now)
			if err != nil {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": "now: " + err.Error()})
				return
			}
			c.Clock.Set(t)
		case in.Advance != "":
			d, err := time.ParseDuration(in.Advance)
			if err != nil {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": "advance: " + err.Error()})
				return
			}
			c.Clock.Advance(d)
		}
		writeJSON(w, http.StatusOK, map[string]string{"now": c.Clock.Now().Format(time.RFC3339Nano)})
	})
	mux.HandleFunc("GET /__local/schedules", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, c.Deployment.Schedules)
	})
	mux.HandleFunc("POST /__local/schedules/{name}/run", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			AsOf string `json:"asOf"`
		}
		dec := json.NewDecoder(io.LimitReader(r.Body, 4096))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil && !errors.Is(err, io.EOF) {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "body must be {asOf: RFC3339}"})
			return
		}
		asOf := c.Clock.Now()
		if in.AsOf != "" {
			t, err := time.Parse(time.RFC3339Nano, in.AsOf)
			if err != nil {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": "asOf: " + err.Error()})
				return
			}
			asOf = t
		}
		res, err := c.async.runSchedule(r.Context(), r.PathValue("name"), asOf)
		if err != nil {
			status := http.StatusBadGateway
			if errors.Is(err, errUnknownSchedule) {
				status = http.StatusNotFound
			}
			writeJSON(w, status, map[string]string{"error": err.Error()})
			return
		}
		out := map[string]any{"schedule": r.PathValue("name"), "asOf": asOf.Format(time.RFC3339Nano), "result": json.RawMessage(orNull(res.Payload))}
		if res.Err != nil {
			out["error"] = res.Err
		}
		writeJSON(w, http.StatusOK, out)
	})
	mux.HandleFunc("GET /__local/functions", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, c.Runtime.Stats())
	})
	return c.requireLocalAdmin(mux)
}

func orNull(b []byte) []byte {
	if len(b) == 0 || !json.Valid(b) {
		return []byte("null")
	}
	return b
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
