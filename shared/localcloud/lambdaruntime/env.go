package lambdaruntime

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"
)

const (
	defaultTimeout        = 30 * time.Second
	defaultInitTimeout    = 10 * time.Second
	defaultMaxConcurrency = 8
	defaultMemoryMB       = 128
	defaultAccountID      = "123456789012"
	defaultRegion         = "us-east-1"
)

// withDefaults fills the zero values of fn as types.go documents them.
func withDefaults(fn Function) Function {
	if fn.Timeout <= 0 {
		fn.Timeout = defaultTimeout
	}
	if fn.InitTimeout <= 0 {
		fn.InitTimeout = defaultInitTimeout
	}
	if fn.MaxConcurrency <= 0 {
		fn.MaxConcurrency = defaultMaxConcurrency
	}
	if fn.MemoryMB <= 0 {
		fn.MemoryMB = defaultMemoryMB
	}
	if fn.AccountID == "" {
		fn.AccountID = defaultAccountID
	}
	env := make(map[string]string, len(fn.Env))
	for k, v := range fn.Env {
		env[k] = v
	}
	fn.Env = env
	return fn
}

// region is the function's region: the template's AWS_REGION / AWS_DEFAULT_REGION, else the
// region the local cloud itself runs in (its AWS_REGION / AWS_DEFAULT_REGION), else us-east-1.
func region(fn Function) string {
	for _, v := range []string{fn.Env["AWS_REGION"], fn.Env["AWS_DEFAULT_REGION"],
		os.Getenv("AWS_REGION"), os.Getenv("AWS_DEFAULT_REGION")} {
		if v != "" {
			return v
		}
	}
	return defaultRegion
}

func functionARN(fn Function) string {
	return "arn:aws:lambda:" + region(fn) + ":" + fn.AccountID + ":function:" + fn.Name
}

// processEnv is the complete environment of one instance. The parent's environment is NOT
// inherited (a function sees only what the template gives it, as on Lambda) except PATH and
// HOME, which a process needs to run at all.
//
// Precedence: the variables Lambda reserves (runtime API, function name/version/memory, handler,
// task root, log group/stream, initialization type) always win over fn.Env; fn.Env wins over
// the defaults (AWS_REGION, AWS_DEFAULT_REGION, TZ, AWS_LAMBDA_LOG_FORMAT, PATH, HOME).
func processEnv(fn Function, runtimeAPI, instanceID string) []string {
	env := map[string]string{
		"TZ":                    "UTC",
		"AWS_LAMBDA_LOG_FORMAT": "JSON",
		"AWS_REGION":            region(fn),
		"AWS_DEFAULT_REGION":    region(fn),
	}
	for _, k := range []string{"PATH", "HOME"} {
		if v, ok := os.LookupEnv(k); ok {
			env[k] = v
		}
	}
	for k, v := range fn.Env {
		env[k] = v
	}
	taskRoot := filepath.Dir(fn.Bootstrap)
	if abs, err := filepath.Abs(taskRoot); err == nil {
		taskRoot = abs
	}
	reserved := map[string]string{
		"AWS_LAMBDA_RUNTIME_API":          runtimeAPI,
		"AWS_LAMBDA_FUNCTION_NAME":        fn.Name,
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(fn.MemoryMB),
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/" + fn.Name,
		"AWS_LAMBDA_LOG_STREAM_NAME":      time.Now().UTC().Format("2006/01/02") + "/[$LATEST]" + instanceID,
		"_HANDLER":                        "bootstrap",
		"LAMBDA_TASK_ROOT":                taskRoot,
	}
	for k, v := range reserved {
		env[k] = v
	}
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error
	return hex.EncodeToString(b)
}

// newRequestID returns a random (version 4) UUID, the shape of Lambda request IDs.
func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// newTraceID returns an X-Ray trace header value, the shape Lambda passes in
// Lambda-Runtime-Trace-Id.
func newTraceID(now time.Time) string {
	return fmt.Sprintf("Root=1-%08x-%s;Parent=%s;Sampled=0", now.Unix(), randomHex(12), randomHex(8))
}
