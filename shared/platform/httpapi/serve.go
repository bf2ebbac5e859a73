package httpapi

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"time"

	"github.com/awslabs/aws-lambda-go-api-proxy/core"

	"holdfast/shared/platform/correlation"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/identity"
	"holdfast/shared/platform/logging"
)

// ServeOptions configure the outermost step of the chain.
type ServeOptions struct {
	Route          string // API Gateway route key, e.g. "GET /api/v1/me"
	Logger         *slog.Logger
	TrustedProxies []netip.Prefix
}

// Serve is the outermost step of every route: it accepts or creates the correlation ID, notes
// the client's address, runs h, turns an error (or a panic) into a problem response, and
// writes the response with X-Correlation-Id on every answer.
func Serve(opts ServeOptions, h Handler) http.Handler {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := correlation.Accept(Header(r, correlation.Header))
		ctx := correlation.With(r.Context(), id)
		ctx = logging.WithRequest(ctx, opts.Route, start)
		ctx = withClient(ctx, Client{
			IP:        SourceIP(gatewaySourceIP(r), Header(r, "X-Forwarded-For"), opts.TrustedProxies),
			UserAgent: Header(r, "User-Agent"),
		})
		r = r.WithContext(ctx)
		for k, v := range PathParams(ctx) {
			r.SetPathValue(k, v)
		}

		resp, err := call(h, r)
		if err == nil && resp == nil {
			err = fmt.Errorf("handler for %s returned neither a response nor an error", opts.Route)
		}
		if err != nil {
			resp = ErrorResponse(ctx, err)
			if resp.Status >= 500 {
				log.ErrorContext(ctx, "request failed", "status", resp.Status, "code", resp.ErrorCode, "error", err)
			}
		}
		write(w, resp, id)
		attrs := []any{"method", r.Method, "path", r.URL.Path, "status", resp.Status, "sourceIp", ClientFrom(ctx).IP}
		if resp.ErrorCode != "" {
			attrs = append(attrs, "code", resp.ErrorCode)
		}
		log.InfoContext(ctx, "request", attrs...)
	})
}

// call runs h, turning a panic into an internal error: a bug must cost one request a 500,
// never the whole instance.
func call(h Handler, r *http.Request) (resp *Response, err error) {
	defer func() {
		if v := recover(); v != nil {
			resp, err = nil, errs.Internal(fmt.Errorf("panic: %v\n%s", v, debug.Stack()))
		}
	}()
	return h(r)
}

func write(w http.ResponseWriter, resp *Response, correlationID string) {
	h := w.Header()
	for k, vs := range resp.Header {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	h.Set(correlation.Header, correlationID)
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-store")
	}
	h.Set("X-Content-Type-Options", "nosniff")
	if len(resp.Body) > 0 && h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	w.WriteHeader(resp.Status)
	if len(resp.Body) > 0 {
		_, _ = w.Write(resp.Body) // the adapter buffers; a write cannot fail there
	}
}

// Claims is the chain's claims step: it builds the caller from the request API Gateway's JWT
// authorizer let through (identity.FromGateway: claims in requestContext.authorizer.jwt.claims,
// roles from the verified bearer token's exact array). No claims means an anonymous caller;
// whether that is allowed is authz's decision. Claims that do not agree with the bearer token
// are refused as unauthenticated; a role name that is not a known role is ignored and logged.
func Claims(rolesClaim, tenantClaim string, log *slog.Logger) Middleware {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return func(next Handler) Handler {
		return func(r *http.Request) (*Response, error) {
			var p identity.Principal
			if rc, ok := core.GetAPIGatewayV2ContextFromContext(r.Context()); ok &&
				rc.Authorizer != nil && rc.Authorizer.JWT != nil {
				var ignored []string
				var err error
				p, ignored, err = identity.FromGateway(rc.Authorizer.JWT.Claims, Header(r, "Authorization"), rolesClaim, tenantClaim)
				if err != nil {
					log.WarnContext(r.Context(), "caller refused", "error", err)
					return nil, errs.Unauthenticated().WithCause(err)
				}
				if len(ignored) > 0 {
					log.WarnContext(r.Context(), "unknown roles ignored", "sub", p.Subject, "roles", ignored)
				}
			}
			return next(r.WithContext(identity.With(r.Context(), p)))
		}
	}
}
