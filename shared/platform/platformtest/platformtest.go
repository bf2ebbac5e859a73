// Package platformtest is test support for code built on the platform: tables created through
// the real SDK on the package's emulator exactly as template.yaml declares them (read by the
// local cloud's own stack package), dependencies aimed at that emulator, and synthetic API
// Gateway v2 events. It must never be imported by non-test code, and never fake an AWS service.
package platformtest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"holdfast/shared/localcloud/emulator/emulatortest"
	"holdfast/shared/localcloud/stack"
	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/config"
	"holdfast/shared/platform/httpapi"
)

// Table names used by Config.
const (
	AuditTable       = "holdfast-audit"
	IdempotencyTable = "holdfast-idempotency"
	LendingTable     = "holdfast-lending"
)

// Table is one table of template.yaml, by its logical ID, and the name a test gives it.
type Table struct {
	LogicalID string // e.g. "LendingTable"
	Name      string // the physical name in the test's emulator
}

var (
	templateOnce sync.Once
	template     *stack.Template
	templateErr  error
)

// Template is the repository's template.yaml, found above the working directory (a test runs
// in its package's directory) and read once.
func Template(tb testing.TB) *stack.Template {
	tb.Helper()
	templateOnce.Do(func() {
		dir, err := os.Getwd()
		if err != nil {
			templateErr = err
			return
		}
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				template, templateErr = stack.Load(filepath.Join(dir, "template.yaml"))
				return
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				templateErr = errors.New("no go.mod above the working directory")
				return
			}
			dir = parent
		}
	})
	if templateErr != nil {
		tb.Fatalf("template.yaml: %v", templateErr)
	}
	return template
}

// CreateTables creates each table as template.yaml declares it (keys, indexes, stream, TTL),
// under the test's name for it, through the local cloud's own stack.CreateTable, or fails the
// test. A table of that name already there is kept: the emulator is reset before every test,
// so it can only be this create's own, retried by the SDK after a lost answer.
func CreateTables(tb testing.TB, db *dynamodb.Client, tables ...Table) {
	tb.Helper()
	tpl := Template(tb)
	for _, tbl := range tables {
		if _, err := stack.CreateTable(context.Background(), tpl, db, tbl.LogicalID, tbl.Name); err != nil {
			tb.Fatalf("create table %s as template.yaml's %s: %v", tbl.Name, tbl.LogicalID, err)
		}
	}
}

// CreateTable creates one table of template.yaml (see CreateTables) and returns its
// description, with its stream's ARN when it has one.
func CreateTable(tb testing.TB, db *dynamodb.Client, logicalID, name string) *types.TableDescription {
	tb.Helper()
	desc, err := stack.CreateTable(context.Background(), Template(tb), db, logicalID, name)
	if err != nil {
		tb.Fatalf("create table %s as template.yaml's %s: %v", name, logicalID, err)
	}
	return desc
}

// Config is a function configuration naming the test tables.
func Config() config.Config {
	cfg, err := config.FromEnv(func(k string) string {
		return map[string]string{
			"HOLDFAST_VERSION":         "test",
			"AWS_LAMBDA_FUNCTION_NAME": "holdfast-test",
			"AUDIT_TABLE":              AuditTable,
			"IDEMPOTENCY_TABLE":        IdempotencyTable,
			"LENDING_TABLE":            LendingTable,
			"LOG_LEVEL":                "DEBUG",
		}[k]
	})
	if err != nil {
		panic(err) // constant input: cannot fail
	}
	return cfg
}

// Options adjust Deps.
type Options struct {
	Config config.Config // zero value: Config()
	Clock  clock.Clock   // nil: a Fixed clock at 2025-01-15T10:00:00Z
	Out    io.Writer     // logs and metrics; nil: the test's output
	// NoTables skips creating the tables Config names (to test a missing dependency).
	NoTables bool
}

// Deps resets the package's emulator and returns dependencies aimed at it, with the audit,
// idempotency and lending tables of the configuration created.
func Deps(tb testing.TB, opts Options) *httpapi.Deps {
	tb.Helper()
	cfg := opts.Config
	if cfg.AuditTable == "" && cfg.IdempotencyTable == "" && cfg.LendingTable == "" {
		cfg = Config()
	}
	clk := opts.Clock
	if clk == nil {
		clk = clock.NewFixed(time.Date(2025, 1, 15, 10, 0, 0, 0, time.UTC))
	}
	out := opts.Out
	if out == nil {
		out = tb.Output()
	}
	d := httpapi.NewDeps(cfg, emulatortest.Config(tb), clk, out)
	if !opts.NoTables {
		var tables []Table
		if cfg.AuditTable != "" {
			tables = append(tables, Table{"AuditTable", cfg.AuditTable})
		}
		if cfg.IdempotencyTable != "" {
			tables = append(tables, Table{"IdempotencyTable", cfg.IdempotencyTable})
		}
		if cfg.LendingTable != "" {
			tables = append(tables, Table{"LendingTable", cfg.LendingTable})
		}
		CreateTables(tb, d.DynamoDB, tables...)
	}
	return d
}

// Call describes one synthetic HTTP API request.
type Call struct {
	Method     string // default GET
	Path       string // raw path, e.g. /api/v1/me
	RouteKey   string // default "<Method> <Path>"
	PathParams map[string]string
	Query      string // raw query string without '?'
	Headers    map[string]string
	Body       string
	Sub        string   // empty: no JWT authorizer context at all
	Roles      []string // in the bearer token as an array; in the claims flattened as API Gateway does: "[a b]"
	Tenant     string
	Claims     map[string]string // extra claims, applied last
	SourceIP   string            // default 198.51.100.7
}

// Event renders the call as API Gateway (payload v2) would deliver it.
func (c Call) Event() events.APIGatewayV2HTTPRequest {
	method := c.Method
	if method == "" {
		method = "GET"
	}
	route := c.RouteKey
	if route == "" {
		route = method + " " + c.Path
	}
	src := c.SourceIP
	if src == "" {
		src = "198.51.100.7"
	}
	headers := map[string]string{}
	for k, v := range c.Headers {
		headers[strings.ToLower(k)] = v
	}
	if c.Body != "" {
		if _, ok := headers["content-type"]; !ok {
			headers["content-type"] = "application/json"
		}
	}
	ev := events.APIGatewayV2HTTPRequest{
		Version:        "2.0",
		RouteKey:       route,
		RawPath:        c.Path,
		RawQueryString: c.Query,
		Headers:        headers,
		PathParameters: c.PathParams,
		Body:           c.Body,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:   route,
			AccountID:  "123456789012",
			Stage:      "$default",
			RequestID:  "req-" + strings.ReplaceAll(c.Path, "/", "-"),
			DomainName: "api.example.test",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: method, Path: c.Path, Protocol: "HTTP/1.1", SourceIP: src, UserAgent: headers["user-agent"],
			},
		},
	}
	if c.Sub != "" || len(c.Claims) > 0 {
		claims := map[string]string{}
		if c.Sub != "" {
			claims["sub"] = c.Sub
		}
		if len(c.Roles) > 0 {
			claims["roles"] = "[" + strings.Join(c.Roles, " ") + "]"
		}
		if c.Tenant != "" {
			claims["tenant"] = c.Tenant
		}
		for k, v := range c.Claims {
			claims[k] = v
		}
		if _, ok := headers["authorization"]; !ok {
			headers["authorization"] = "Bearer " + c.token(claims)
		}
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims},
		}
	}
	return ev
}

// token is the bearer token the gateway verified before it flattened claims: the same claims,
// with the roles as the array the issuer put in the token. It is not signed: a function never
// checks the signature (the gateway's authorizer did).
func (c Call) token(claims map[string]string) string {
	payload := map[string]any{}
	for k, v := range claims {
		payload[k] = v
	}
	if len(c.Roles) > 0 {
		if _, extra := c.Claims["roles"]; !extra {
			payload["roles"] = c.Roles
		}
	}
	b, _ := json.Marshal(payload) // strings and a string slice always marshal
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + enc.EncodeToString(b) + ".c2lnbmF0dXJl"
}

// JSON decodes a response body into v or fails the test.
func JSON(tb testing.TB, resp events.APIGatewayV2HTTPResponse, v any) {
	tb.Helper()
	if err := json.Unmarshal([]byte(resp.Body), v); err != nil {
		tb.Fatalf("response %d body %q: %v", resp.StatusCode, resp.Body, err)
	}
}

// Items is every item of table, each rendered as canonical JSON, sorted: two calls compare
// equal only if nothing was written, changed or deleted in between.
func Items(tb testing.TB, db *dynamodb.Client, table string) []string {
	tb.Helper()
	var out []string
	var start map[string]types.AttributeValue
	for {
		page, err := db.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(table),
			ExclusiveStartKey: start, ConsistentRead: aws.Bool(true)})
		if err != nil {
			tb.Fatal(err)
		}
		for _, it := range page.Items {
			var m map[string]any
			if err := attributevalue.UnmarshalMap(it, &m); err != nil {
				tb.Fatal(err)
			}
			b, err := json.Marshal(m)
			if err != nil {
				tb.Fatal(err)
			}
			out = append(out, string(b))
		}
		if len(page.LastEvaluatedKey) == 0 {
			break
		}
		start = page.LastEvaluatedKey
	}
	sort.Strings(out)
	return out
}
