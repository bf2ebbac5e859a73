// Command holdfast is the operator CLI: the local cloud, dev tokens, schedules and the clock.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"holdfast/shared/localcloud"
	"holdfast/shared/platform/identity"
	"holdfast/shared/platform/jwtauth"
)

const usage = `holdfast — operator CLI

  holdfast local [flags]                       start the local cloud (make run does this)
  holdfast token --sub ID --role R[,R] [flags] print a token the local cloud accepts
  holdfast schedule list                       list the template's schedules
  holdfast schedule run NAME [--as-of T]       fire a schedule now, with time T (RFC 3339)
  holdfast clock [--set T | --advance D | --reset]  read or move the local cloud's clock
  holdfast ledger verify [--account ID]        verify one chain or the whole ledger (DynamoDB via the SDK)
  holdfast dlq redrive [--stage S] [--notification ID] [--channel C]  re-drive dead-lettered notifications

Every command that talks to a running local cloud takes --url (default http://127.0.0.1:3000).
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "local":
		err = runLocal(os.Args[2:])
	case "token":
		err = runToken(os.Args[2:], os.Stdout)
	case "schedule":
		err = runSchedule(os.Args[2:], os.Stdout)
	case "clock":
		err = runClock(os.Args[2:], os.Stdout)
	case "dlq":
		err = runDLQ(os.Args[2:], os.Stdout)
	case "ledger":
		err = runLedger(os.Args[2:], os.Stdout, os.Stderr)
	case "-h", "--help", "help":
		fmt.Print(usage)
		return
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "holdfast:", err)
		os.Exit(1)
	}
}

func runLocal(args []string) error {
	fs := flag.NewFlagSet("local", flag.ContinueOnError)
	httpAddr := fs.String("http", envOr("HOLDFAST_HTTP_ADDR", "127.0.0.1:3000"), "HTTP API address")
	wsAddr := fs.String("ws", envOr("HOLDFAST_WS_ADDR", "127.0.0.1:3001"), "WebSocket API address")
	tpl := fs.String("template", "template.yaml", "SAM template")
	bin := fs.String("bin", ".build/host", "host-built bootstraps")
	state := fs.String("state", ".holdfast", "local state (dev issuer keys)")
	version := fs.String("version", envOr("HOLDFAST_VERSION", "local"), "version reported by health")
	quiet := fs.Bool("quiet", false, "discard function logs")
	fresh := fs.Bool("fresh", os.Getenv("FRESH") == "1", "start with empty tables (the embedded DynamoDB keeps its data in <state>/dynamodb otherwise)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dataDir := filepath.Join(*state, "dynamodb")
	if *fresh {
		if err := os.RemoveAll(dataDir); err != nil {
			return fmt.Errorf("--fresh: %w", err)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	// HOLDFAST_CPUPROFILE=file profiles the local cloud's own process (gateway, runtime API,
	// embedded DynamoDB, mappings) until it stops: `go tool pprof .build/holdfast file`.
	if path := os.Getenv("HOLDFAST_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			return fmt.Errorf("HOLDFAST_CPUPROFILE: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("HOLDFAST_CPUPROFILE: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	opts := localcloud.Options{TemplatePath: *tpl, BinDir: *bin, StateDir: *state, HTTPAddr: *httpAddr, WSAddr: *wsAddr,
		Endpoint: os.Getenv("AWS_ENDPOINT_URL"), Version: *version, Log: log, DynamoDBDir: dataDir}
	if *quiet {
		opts.FunctionLogs = io.Discard
	}
	started := time.Now()
	cloud, err := localcloud.Start(ctx, opts)
	if err != nil {
		return err
	}
	defer cloud.Close()
	d := cloud.Deployment
	fmt.Printf("HTTP API       %s\n", cloud.HTTPURL())
	fmt.Printf("WebSocket API  %s\n", cloud.WSURL())
	fmt.Printf("emulator       %s\n", cloud.Emulator.Endpoint)
	if cloud.Emulator.DynamoDBEndpoint != "" {
		fmt.Printf("dynamodb       %s (embedded engine; AWS_ENDPOINT_URL_DYNAMODB)\n", cloud.Emulator.DynamoDBEndpoint)
	}
	fmt.Printf("token          go run ./cmd/holdfast token --sub alice --role customer\n")
	fmt.Printf("ready: %d functions, %d routes, %d queue mappings, %d stream mappings, %d schedules in %s (Ctrl-C stops everything)\n",
		len(d.Functions), len(d.Routes), len(d.SQS), len(d.Streams), len(d.Schedules), time.Since(started).Round(time.Millisecond))
	<-ctx.Done()
	fmt.Println("stopping…")
	return nil
}

func runToken(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	sub := fs.String("sub", "", "subject (user id)")
	roles := fs.String("role", "", "role or comma-separated roles")
	tenant := fs.String("tenant", "", "tenant (service callers)")
	ttl := fs.Duration("ttl", 12*time.Hour, "lifetime")
	state := fs.String("state", ".holdfast", "local state (dev issuer keys)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *sub == "" || *roles == "" {
		return errors.New("token: --sub and --role are required")
	}
	names := strings.Split(*roles, ",")
	for _, r := range names {
		if !identity.KnownRole(r) {
			return fmt.Errorf("token: %q is not a role (want one of %s, comma-separated, no spaces)", r, strings.Join(identity.AllRoles(), ", "))
		}
	}
	iss, err := jwtauth.LoadOrCreateDevIssuer(*state)
	if err != nil {
		return err
	}
	tok, err := iss.Mint(jwtauth.TokenSpec{Subject: *sub, Roles: names, Tenant: *tenant, TTL: *ttl})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(out, tok)
	return err
}

func runSchedule(args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New("schedule: want list or run NAME")
	}
	fs := flag.NewFlagSet("schedule", flag.ContinueOnError)
	base := fs.String("url", envOr("HOLDFAST_URL", "http://127.0.0.1:3000"), "local cloud URL")
	asOf := fs.String("as-of", "", "time to deliver (RFC 3339); default: the local clock's now")
	state := fs.String("state", ".holdfast", "local state (dev issuer keys), to sign the admin token")
	call := func(method, url string, body any, out io.Writer) error {
		return localCall(*state, method, url, body, out)
	}
	switch args[0] {
	case "list":
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		return call(http.MethodGet, *base+"/__local/schedules", nil, out)
	case "run":
		if len(args) < 2 {
			return errors.New("schedule run: want a schedule NAME (see schedule list)")
		}
		if err := fs.Parse(args[2:]); err != nil {
			return err
		}
		body := map[string]string{}
		if *asOf != "" {
			if _, err := time.Parse(time.RFC3339Nano, *asOf); err != nil {
				return fmt.Errorf("--as-of: %w", err)
			}
			body["asOf"] = *asOf
		}
		return call(http.MethodPost, *base+"/__local/schedules/"+args[1]+"/run", body, out)
	}
	return fmt.Errorf("schedule: unknown subcommand %q", args[0])
}

func runClock(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("clock", flag.ContinueOnError)
	base := fs.String("url", envOr("HOLDFAST_URL", "http://127.0.0.1:3000"), "local cloud URL")
	state := fs.String("state", ".holdfast", "local state (dev issuer keys), to sign the admin token")
	call := func(method, url string, body any, out io.Writer) error {
		return localCall(*state, method, url, body, out)
	}
	set := fs.String("set", "", "set now to this RFC 3339 time")
	adv := fs.String("advance", "", "move forward by a Go duration (72h)")
	reset := fs.Bool("reset", false, "back to real time")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case *reset:
		return call(http.MethodPost, *base+"/__local/clock", map[string]any{"reset": true}, out)
	case *set != "":
		return call(http.MethodPost, *base+"/__local/clock", map[string]any{"now": *set}, out)
	case *adv != "":
		return call(http.MethodPost, *base+"/__local/clock", map[string]any{"advance": *adv}, out)
	}
	return call(http.MethodGet, *base+"/__local/clock", nil, out)
}

// localCall calls a /__local/ endpoint with an admin token signed by the dev issuer in state.
func localCall(state, method, url string, body any, out io.Writer) error {
	iss, err := jwtauth.LoadOrCreateDevIssuer(state)
	if err != nil {
		return err
	}
	tok, err := iss.Mint(jwtauth.TokenSpec{Subject: "holdfast-cli", Roles: []string{localcloud.LocalAdminRole}, TTL: 5 * time.Minute})
	if err != nil {
		return err
	}
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := (&http.Client{Timeout: 60 * time.Second}).Do(req)
	if err != nil {
		return fmt.Errorf("is the local cloud running (make run)? %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	fmt.Fprint(out, string(b))
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: HTTP %d", method, url, resp.StatusCode)
	}
	return nil
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
