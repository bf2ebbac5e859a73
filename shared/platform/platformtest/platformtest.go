// Package platformtest is test support for code built on the platform: the platform tables
// created through the real SDK on the package's emulator (one helper, exactly the key schemas
// template.yaml declares), dependencies aimed at that emulator, and synthetic API Gateway v2
// events. It must never be imported by non-test code, and never fake an AWS service.
package platformtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"holdfast/shared/localcloud/emulator/emulatortest"
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

func attr(name string) types.AttributeDefinition {
	return types.AttributeDefinition{AttributeName: aws.String(name), AttributeType: types.ScalarAttributeTypeS}
}

func key(name string, kt types.KeyType) types.KeySchemaElement {
	return types.KeySchemaElement{AttributeName: aws.String(name), KeyType: kt}
}

func gsi(n string) types.GlobalSecondaryIndex {
	return types.GlobalSecondaryIndex{
		IndexName:  aws.String(n),
		KeySchema:  []types.KeySchemaElement{key(n+"pk", types.KeyTypeHash), key(n+"sk", types.KeyTypeRange)},
		Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
	}
}

// AuditTableInput is the audit table: pk/sk plus gsi1..gsi3 (gsiNpk/gsiNsk), projecting ALL.
func AuditTableInput(name string) *dynamodb.CreateTableInput {
	return &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{attr("pk"), attr("sk"),
			attr("gsi1pk"), attr("gsi1sk"), attr("gsi2pk"), attr("gsi2sk"), attr("gsi3pk"), attr("gsi3sk")},
		KeySchema:              []types.KeySchemaElement{key("pk", types.KeyTypeHash), key("sk", types.KeyTypeRange)},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{gsi("gsi1"), gsi("gsi2"), gsi("gsi3")},
	}
}

// IdempotencyTableInput is the idempotency table: HASH pk only (TTL on expiresAt is set by
// CreateTables).
func IdempotencyTableInput(name string) *dynamodb.CreateTableInput {
	return &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{attr("pk")},
		KeySchema:            []types.KeySchemaElement{key("pk", types.KeyTypeHash)},
	}
}

// PKSKTableInput is a product table's primary key: pk/sk strings.
func PKSKTableInput(name string) *dynamodb.CreateTableInput {
	return &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{attr("pk"), attr("sk")},
		KeySchema:            []types.KeySchemaElement{key("pk", types.KeyTypeHash), key("sk", types.KeyTypeRange)},
	}
}

// ProductTableInput is a product table as template.yaml declares one: pk/sk strings, gsi1..gsiN
// (gsiNpk/gsiNsk, projecting ALL) and, when stream is set, a NEW_AND_OLD_IMAGES stream.
func ProductTableInput(name string, gsis int, stream bool) *dynamodb.CreateTableInput {
	in := PKSKTableInput(name)
	for i := 1; i <= gsis; i++ {
		n := fmt.Sprintf("gsi%d", i)
		in.AttributeDefinitions = append(in.AttributeDefinitions, attr(n+"pk"), attr(n+"sk"))
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, gsi(n))
	}
	if stream {
		in.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewAndOldImages}
	}
	return in
}

// CreateTables creates each table (and the idempotency TTL) or fails the test.
func CreateTables(tb testing.TB, db *dynamodb.Client, inputs ...*dynamodb.CreateTableInput) {
	tb.Helper()
	ctx := context.Background()
	for _, in := range inputs {
		if _, err := db.CreateTable(ctx, in); err != nil && !sameTableExists(ctx, db, in, err) {
			tb.Fatalf("create table %s: %v", aws.ToString(in.TableName), err)
		}
		if len(in.KeySchema) == 1 {
			if _, err := db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
				TableName: in.TableName,
				TimeToLiveSpecification: &types.TimeToLiveSpecification{
					AttributeName: aws.String("expiresAt"), Enabled: aws.Bool(true)},
			}); err != nil {
				tb.Fatalf("TTL on %s: %v", aws.ToString(in.TableName), err)
			}
		}
	}
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
		var inputs []*dynamodb.CreateTableInput
		if cfg.AuditTable != "" {
			inputs = append(inputs, AuditTableInput(cfg.AuditTable))
		}
		if cfg.IdempotencyTable != "" {
			inputs = append(inputs, IdempotencyTableInput(cfg.IdempotencyTable))
		}
		if cfg.LendingTable != "" {
			inputs = append(inputs, ProductTableInput(cfg.LendingTable, 2, true)) // as template.yaml declares it
		}
		CreateTables(tb, d.DynamoDB, inputs...)
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
	Roles      []string // flattened the way API Gateway flattens array claims: "[a b]"
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
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims},
		}
	}
	return ev
}

// JSON decodes a response body into v or fails the test.
func JSON(tb testing.TB, resp events.APIGatewayV2HTTPResponse, v any) {
	tb.Helper()
	if err := json.Unmarshal([]byte(resp.Body), v); err != nil {
		tb.Fatalf("response %d body %q: %v", resp.StatusCode, resp.Body, err)
	}
}

// sameTableExists reports whether a CreateTable that failed with ResourceInUseException met a
// table with exactly the requested key schema. The emulator is reset before every test, so
// that table is this create's own, retried by the SDK after its first answer was lost (moto
// sometimes sends a response whose CRC32 header does not match the body).
func sameTableExists(ctx context.Context, db *dynamodb.Client, in *dynamodb.CreateTableInput, err error) bool {
	var inUse *types.ResourceInUseException
	if !errors.As(err, &inUse) {
		return false
	}
	out, derr := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: in.TableName})
	if derr != nil || len(out.Table.KeySchema) != len(in.KeySchema) {
		return false
	}
	for i, k := range in.KeySchema {
		got := out.Table.KeySchema[i]
		if aws.ToString(got.AttributeName) != aws.ToString(k.AttributeName) || got.KeyType != k.KeyType {
			return false
		}
	}
	return len(out.Table.GlobalSecondaryIndexes) == len(in.GlobalSecondaryIndexes)
}
