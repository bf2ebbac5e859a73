// Package lambdahttp turns a route handler into a Lambda function behind an API Gateway HTTP
// API (payload v2, through aws-lambda-go-api-proxy's httpadapter.NewV2), wrapped in the one
// middleware chain: correlation → claims → authz → audit (mutating routes) → idempotency
// (keys the chain keeps) → handler. A function's main is one call to Start; tests run the
// very same chain in-process through New and Invoke. It must never let a route skip the chain,
// start a route without a policy entry, or hold business logic.
package lambdahttp

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"holdfast/shared/platform/audit"
	"holdfast/shared/platform/authz"
	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/config"
	"holdfast/shared/platform/correlation"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/httpapi"
	"holdfast/shared/platform/idempotency"
	"holdfast/shared/platform/lambdastart"
	"holdfast/shared/platform/problem"
)

// Build makes a route's handler from the function's dependencies; it runs once per cold start.
type Build func(ctx context.Context, d *httpapi.Deps) (httpapi.Handler, error)

// Function is one route's Lambda handler.
type Function struct {
	route   string
	adapter *httpadapter.HandlerAdapterV2
	log     *slog.Logger
}

// Start is a route function's whole main:
//
//	func main() { lambdahttp.Start("GET /api/v1/me", lendingapi.GetMe) }
//
// It reads the environment, builds the chain and serves invocations; a misconfigured
// function logs why (the start-up line lambdastart.Boot writes for every function) and exits
// before taking traffic.
func Start(routeKey string, build Build) {
	lambdastart.Boot(func(ctx context.Context, cfg config.Config, awsCfg aws.Config) (lambdastart.Handler[events.APIGatewayV2HTTPRequest, events.APIGatewayV2HTTPResponse], error) {
		fn, err := New(ctx, routeKey, httpapi.NewDeps(cfg, awsCfg, clock.ForMode(cfg.Mode), os.Stdout), build)
		if err != nil {
			return nil, err
		}
		return fn.Invoke, nil
	}, "route", routeKey)
}

// New builds routeKey's function under its policy-table entry.
func New(ctx context.Context, routeKey string, d *httpapi.Deps, build Build) (*Function, error) {
	p, ok := authz.Lookup(routeKey)
	if !ok {
		return nil, fmt.Errorf("route %q has no entry in the authz policy table", routeKey)
	}
	return Assemble(ctx, routeKey, p, d, build)
}

// Assemble builds a function under an explicit policy. Production code uses New, which takes
// the policy from the one table; Assemble exists so platform tests can exercise the chain on
// routes that are not (yet) in it.
func Assemble(ctx context.Context, routeKey string, p authz.Policy, d *httpapi.Deps, build Build) (*Function, error) {
	h, err := build(ctx, d)
	if err != nil {
		return nil, fmt.Errorf("build %s: %w", routeKey, err)
	}
	if h == nil {
		return nil, fmt.Errorf("build %s: no handler", routeKey)
	}
	mws := []httpapi.Middleware{
		routeGuard(routeKey),
		httpapi.Claims(d.Config.RolesClaim, d.Config.TenantClaim, d.Logger),
		authz.Middleware(routeKey, p, d.Logger),
	}
	if p.Mutating {
		if d.Config.AuditTable == "" {
			return nil, fmt.Errorf("%s is mutating but AUDIT_TABLE is not set", routeKey)
		}
		rec := audit.NewRecorder(audit.NewStore(d.DynamoDB, d.Config.AuditTable, d.Clock), d.Clock, d.Logger, d.Metrics)
		mws = append(mws, rec.Middleware(routeKey, p.Action))
	}
	if p.Idempotency.ChainKeepsRecords() {
		if d.Config.IdempotencyTable == "" {
			return nil, fmt.Errorf("%s takes an Idempotency-Key but IDEMPOTENCY_TABLE is not set", routeKey)
		}
		store := idempotency.NewStore(d.DynamoDB, d.Config.IdempotencyTable, d.Clock)
		mws = append(mws, idempotency.Middleware(store, routeKey, p.Idempotency == authz.IdempotencyRequired, d.Logger))
	}
	srv := httpapi.Serve(httpapi.ServeOptions{Route: routeKey, Logger: d.Logger, TrustedProxies: d.Config.TrustedProxies},
		httpapi.Chain(h, mws...))
	return &Function{route: routeKey, adapter: httpadapter.NewV2(srv), log: d.Logger}, nil
}

// routeGuard refuses an invocation meant for another route: the policy applied must be the
// route's own, so a template wiring mistake fails closed.
func routeGuard(routeKey string) httpapi.Middleware {
	return func(next httpapi.Handler) httpapi.Handler {
		return func(r *http.Request) (*httpapi.Response, error) {
			if rc, ok := core.GetAPIGatewayV2ContextFromContext(r.Context()); ok &&
				rc.RouteKey != "" && rc.RouteKey != routeKey {
				return nil, errs.Internal(fmt.Errorf("function for %q invoked for route %q", routeKey, rc.RouteKey))
			}
			return next(r)
		}
	}
}

// Route is the route key this function serves.
func (f *Function) Route() string { return f.route }

// Invoke handles one API Gateway event: the Lambda handler, and the in-process entry for tests.
func (f *Function) Invoke(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	resp, err := f.adapter.ProxyWithContext(httpapi.WithEvent(ctx, &ev), ev)
	if err == nil {
		return resp, nil
	}
	// The adapter could not even form a request (e.g. a body flagged base64 that is not):
	// answer with a problem rather than a Lambda error, which API Gateway would turn into a
	// bare 500 without a correlation ID.
	id := correlation.Accept(headerOf(ev, correlation.Header))
	ctx = correlation.With(ctx, id)
	f.log.ErrorContext(ctx, "event not convertible to a request", "route", f.route, "error", err)
	out := httpapi.ErrorResponse(ctx, errs.BadRequest(errs.CodeMalformedJSON, "The request could not be read.").WithCause(err))
	return events.APIGatewayV2HTTPResponse{
		StatusCode: out.Status,
		Headers:    map[string]string{"Content-Type": problem.ContentType, correlation.Header: id, "Cache-Control": "no-store"},
		Body:       string(out.Body),
	}, nil
}

func headerOf(ev events.APIGatewayV2HTTPRequest, name string) string {
	for k, v := range ev.Headers {
		if http.CanonicalHeaderKey(k) == http.CanonicalHeaderKey(name) {
			return v
		}
	}
	return ""
}
