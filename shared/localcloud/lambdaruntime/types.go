// Package lambdaruntime runs a Lambda function's bootstrap as real processes behind an emulated
// Lambda Runtime API, so the local cloud invokes exactly the binary that would be deployed.
// It must never run function code in-process or fake a function's answer.
package lambdaruntime

import (
	"context"
	"time"
)

// Function describes one deployable function as the template defines it.
type Function struct {
	Name           string            // logical ID from template.yaml
	Bootstrap      string            // path to the host-built bootstrap binary
	Env            map[string]string // resolved environment (template Globals + function)
	Timeout        time.Duration     // per invocation; 0 means 30s
	MaxConcurrency int               // instances at most; 0 means 8
	MemoryMB       int               // reported in the context only

	// InitTimeout bounds process start → first GET /next (Lambda's init phase); 0 means 10s.
	InitTimeout time.Duration
	// AccountID goes into the invoked function ARN; "" means 123456789012 (moto's account).
	AccountID string
}

// InvokeOptions carries what API Gateway, SQS or a schedule would put around a payload.
type InvokeOptions struct {
	// ClientContextCustom becomes the Lambda client context's "custom" map
	// (lambdacontext.ClientContext.Custom in aws-lambda-go).
	ClientContextCustom map[string]string
	TraceID             string
}

// FunctionError is what a function reported through /runtime/invocation/{id}/error, or what the
// runtime itself reports (Runtime.ExitError, Sandbox.Timedout).
type FunctionError struct {
	ErrorType    string `json:"errorType"`
	ErrorMessage string `json:"errorMessage"`
}

func (e *FunctionError) Error() string { return e.ErrorType + ": " + e.ErrorMessage }

// Result of one invocation.
type Result struct {
	// Payload is the function's response. When Err is set it is the error document instead
	// ({"errorType":…,"errorMessage":…}, as the function sent it when it reported the error),
	// i.e. what Lambda's Invoke API returns alongside X-Amz-Function-Error: Unhandled.
	Payload      []byte
	Err          *FunctionError // non-nil when the invocation failed (function or runtime error)
	ColdStart    bool           // a new process was started for this invocation
	InitDuration time.Duration  // process start → first /next poll, for cold starts
	Duration     time.Duration  // invocation handed out → response received
	RequestID    string
}

// Invoker is what the gateway, event source mappings and schedules call.
type Invoker interface {
	Invoke(ctx context.Context, function string, payload []byte, opts InvokeOptions) (Result, error)
}
