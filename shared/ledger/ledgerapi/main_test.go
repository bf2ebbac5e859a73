package ledgerapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"holdfast/shared/ledger/ledgerapi"
	"holdfast/shared/ledger/ledgerstore"
	"holdfast/shared/localcloud/emulator/emulatortest"
	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/httpapi"
	"holdfast/shared/platform/lambdahttp"
	"holdfast/shared/platform/metrics"
	"holdfast/shared/platform/platformtest"
)

// TestMain gives the package its own emulator; its DynamoDB is atomic (decision 0002), which
// every concurrency test here relies on.
func TestMain(m *testing.M) { emulatortest.Main(m) }

// Route keys.
const (
	rDeposit   = "POST /api/v1/wallet/deposits"
	rWithdraw  = "POST /api/v1/wallet/withdrawals"
	rWallet    = "GET /api/v1/wallet"
	rStatement = "GET /api/v1/wallet/statement"
	rVerify    = "GET /api/v1/ledger/accounts/{id}/verify"
	rDigests   = "GET /api/v1/ledger/digests"
)

type env struct {
	t     *testing.T
	d     *httpapi.Deps
	clk   *clock.Fixed
	fns   map[string]*lambdahttp.Function
	store *ledgerstore.Store
}

func setup(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, clk: clock.NewFixed(time.Date(2025, 1, 31, 9, 30, 0, 0, time.UTC)), fns: map[string]*lambdahttp.Function{}}
	e.d = platformtest.Deps(t, platformtest.Options{Clock: e.clk, NoTables: true, Out: io.Discard})
	cfg := e.d.Config
	platformtest.CreateTables(t, e.d.DynamoDB, platformtest.Table{LogicalID: "AuditTable", Name: cfg.AuditTable},
		platformtest.Table{LogicalID: "IdempotencyTable", Name: cfg.IdempotencyTable},
		platformtest.Table{LogicalID: "LendingTable", Name: cfg.LendingTable})
	builds := map[string]lambdahttp.Build{rDeposit: ledgerapi.Deposit, rWithdraw: ledgerapi.Withdraw, rWallet: ledgerapi.GetWallet,
		rStatement: ledgerapi.Statement, rVerify: ledgerapi.VerifyAccount, rDigests: ledgerapi.Digests}
	for route, b := range builds {
		fn, err := lambdahttp.New(context.Background(), route, e.d, b)
		if err != nil {
			t.Fatal(err)
		}
		e.fns[route] = fn
	}
	var err error
	if e.store, err = ledgerstore.New(e.d.DynamoDB, ledgerstore.Options{Table: cfg.LendingTable, Logger: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) jobs() *ledgerapi.Jobs {
	return &ledgerapi.Jobs{Store: e.store, Log: slog.New(slog.DiscardHandler), Metrics: metrics.New(io.Discard, metrics.Namespace, nil)}
}

// do invokes route with c (method, path and route key filled in from route).
func (e *env) do(route string, c platformtest.Call) events.APIGatewayV2HTTPResponse {
	e.t.Helper()
	method, path, _ := strings.Cut(route, " ")
	c.Method, c.RouteKey = method, route
	if c.Path == "" {
		c.Path = path
	}
	if id, ok := c.PathParams["id"]; ok {
		c.Path = strings.Replace(path, "{id}", url.PathEscape(id), 1)
	}
	resp, err := e.fns[route].Invoke(context.Background(), c.Event())
	if err != nil {
		e.t.Fatal(err)
	}
	return resp
}

func customer(sub string) platformtest.Call {
	return platformtest.Call{Sub: sub, Roles: []string{"customer"}}
}

// move posts a deposit or withdrawal of amount with key.
func (e *env) move(route, sub, key, body string) events.APIGatewayV2HTTPResponse {
	e.t.Helper()
	c := customer(sub)
	c.Body = body
	if key != "" {
		c.Headers = map[string]string{"Idempotency-Key": key}
	}
	return e.do(route, c)
}

func amount(a string) string { return `{"amount":"` + a + `"}` }

func decode[T any](t *testing.T, resp events.APIGatewayV2HTTPResponse) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(resp.Body), &v); err != nil {
		t.Fatalf("%d %q: %v", resp.StatusCode, resp.Body, err)
	}
	return v
}

// lendingItems counts every item of the LENDING table (test inspection only).
func (e *env) lendingItems() int {
	e.t.Helper()
	out, err := e.d.DynamoDB.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(e.d.Config.LendingTable)})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(out.Items)
}

func (e *env) wallet(sub string) ledgerapi.WalletView {
	e.t.Helper()
	resp := e.do(rWallet, customer(sub))
	if resp.StatusCode != 200 {
		e.t.Fatalf("GET wallet: %d %s", resp.StatusCode, resp.Body)
	}
	return decode[ledgerapi.WalletView](e.t, resp)
}

// tamper rewrites one attribute of a stored chain entry, as an attacker with table access would.
func (e *env) tamper(account string, seq int, attr, value string) {
	e.t.Helper()
	_, err := e.d.DynamoDB.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
		TableName: aws.String(e.d.Config.LendingTable),
		Key: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "ACCT#" + account},
			"sk": &types.AttributeValueMemberS{Value: "ENTRY#" + pad20(seq)},
		},
		UpdateExpression:          aws.String("SET #a = :v"),
		ConditionExpression:       aws.String("attribute_exists(pk)"),
		ExpressionAttributeNames:  map[string]string{"#a": attr},
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": &types.AttributeValueMemberN{Value: value}},
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

func pad20(n int) string { return fmt.Sprintf("%020d", n) }
