// Command echo is a real Lambda function (aws-lambda-go) the lambdaruntime tests build and run.
// The event's "action" picks a behaviour; every answer reports what the function saw.
//
// ECHO_INIT (from the function environment) misbehaves during init instead: "exit" exits 2,
// "hang" never reaches the handler loop, "initerror" reports /runtime/init/error and exits.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type request struct {
	Action  string `json:"action"`
	Ms      int    `json:"ms"`
	Code    int    `json:"code"`
	Message string `json:"message"`
}

type response struct {
	Echo        json.RawMessage   `json:"echo"`
	PID         int               `json:"pid"`
	RequestID   string            `json:"requestId"`
	FunctionARN string            `json:"functionArn"`
	TraceID     string            `json:"traceId"`
	DeadlineMs  int64             `json:"deadlineMs"`
	Custom      map[string]string `json:"custom,omitempty"`
	Env         map[string]string `json:"env,omitempty"`
	ChildPID    int               `json:"childPid,omitempty"`
	Invocations int               `json:"invocations"`
}

// ValidationError is a function error; aws-lambda-go reports its type name as errorType.
type ValidationError struct{ Msg string }

func (e *ValidationError) Error() string { return e.Msg }

var invocations int

// StreamError fails a response stream part-way (see the "badreader" action).
type StreamError struct{}

func (StreamError) Error() string { return "response stream broke" }

type brokenReader struct{ sent bool }

func (r *brokenReader) Read(p []byte) (int, error) {
	if !r.sent {
		r.sent = true
		return copy(p, `{"partial":`), nil
	}
	return 0, StreamError{}
}

func handle(ctx context.Context, raw json.RawMessage) (any, error) {
	invocations++
	var req request
	_ = json.Unmarshal(raw, &req)
	res := &response{Echo: raw, PID: os.Getpid(), Invocations: invocations}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		res.RequestID = lc.AwsRequestID
		res.FunctionARN = lc.InvokedFunctionArn
		res.Custom = lc.ClientContext.Custom
	}
	if t, ok := ctx.Value("x-amzn-trace-id").(string); ok {
		res.TraceID = t
	}
	if d, ok := ctx.Deadline(); ok {
		res.DeadlineMs = d.UnixMilli()
	}
	switch req.Action {
	case "error":
		return nil, &ValidationError{Msg: req.Message}
	case "panic":
		panic(req.Message)
	case "exit":
		os.Exit(req.Code)
	case "sleep":
		time.Sleep(time.Duration(req.Ms) * time.Millisecond)
	case "env":
		res.Env = map[string]string{}
		for _, kv := range os.Environ() {
			k, v, _ := strings.Cut(kv, "=")
			res.Env[k] = v
		}
	case "log":
		slog.New(slog.NewJSONHandler(os.Stdout, nil)).Info(req.Message, "requestId", res.RequestID)
		fmt.Fprintln(os.Stderr, "plain text on stderr:", req.Message)
		fmt.Print("partial line without newline")
	case "badreader":
		return &brokenReader{}, nil
	case "spawn":
		cmd := exec.Command("sleep", "60")
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		res.ChildPID = cmd.Process.Pid
	}
	return res, nil
}

func main() {
	switch os.Getenv("ECHO_INIT") {
	case "exit":
		fmt.Fprintln(os.Stderr, "init failed, exiting")
		os.Exit(2)
	case "hang":
		time.Sleep(time.Hour)
	case "initerror":
		url := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime/init/error"
		body := []byte(`{"errorType":"Runtime.ConfigError","errorMessage":"missing TABLE"}`)
		if resp, err := http.Post(url, "application/json", bytes.NewReader(body)); err == nil {
			resp.Body.Close()
		}
		os.Exit(1)
	}
	lambda.Start(handle)
}
