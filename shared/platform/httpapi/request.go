package httpapi

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"
)

type eventKey struct{}

// WithEvent returns ctx carrying the raw API Gateway event. The adapter splits multi-value
// headers on commas (losing the caller's exact bytes) and drops path parameters; the raw
// event keeps both.
func WithEvent(ctx context.Context, ev *events.APIGatewayV2HTTPRequest) context.Context {
	return context.WithValue(ctx, eventKey{}, ev)
}

func eventFrom(ctx context.Context) *events.APIGatewayV2HTTPRequest {
	ev, _ := ctx.Value(eventKey{}).(*events.APIGatewayV2HTTPRequest)
	return ev
}

// Header returns a request header exactly as the caller sent it (API Gateway joins repeated
// headers with commas).
func Header(r *http.Request, name string) string {
	if ev := eventFrom(r.Context()); ev != nil {
		for k, v := range ev.Headers {
			if strings.EqualFold(k, name) {
				return v
			}
		}
		return ""
	}
	return strings.Join(r.Header.Values(name), ",")
}

// PathParams returns the route's path parameters as the gateway event gave them, for middleware
// that handles any route (authz, audit). Serve also sets each as r.PathValue(name), which is how
// a handler reads one.
func PathParams(ctx context.Context) map[string]string {
	if ev := eventFrom(ctx); ev != nil && ev.PathParameters != nil {
		return ev.PathParameters
	}
	return map[string]string{}
}

// Client is what the platform knows about the caller's connection.
type Client struct {
	IP        string
	UserAgent string
}

type clientKey struct{}

func withClient(ctx context.Context, c Client) context.Context {
	return context.WithValue(ctx, clientKey{}, c)
}

// ClientFrom returns the caller's connection details.
func ClientFrom(ctx context.Context) Client {
	c, _ := ctx.Value(clientKey{}).(Client)
	return c
}

// gatewaySourceIP is API Gateway's requestContext.http.sourceIp, or the peer address when the
// request did not come through the gateway adapter.
func gatewaySourceIP(r *http.Request) string {
	if rc, ok := core.GetAPIGatewayV2ContextFromContext(r.Context()); ok && rc.HTTP.SourceIP != "" {
		return rc.HTTP.SourceIP
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// SourceIP picks the client address. The gateway's sourceIp is the truth unless it is one of
// the trusted proxies; then X-Forwarded-For is read right to left, skipping trusted hops, and
// the right-most untrusted hop is the client (entries left of it could be forged by anyone).
func SourceIP(sourceIP, xff string, trusted []netip.Prefix) string {
	src, err := netip.ParseAddr(sourceIP)
	if err != nil || !isTrusted(src.Unmap(), trusted) || xff == "" {
		return sourceIP
	}
	client := src.Unmap()
	hops := strings.Split(xff, ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseHop(hops[i])
		if !ok {
			break // a trusted proxy never writes garbage: stop at the last good hop
		}
		client = a
		if !isTrusted(a, trusted) {
			break
		}
	}
	return client.String()
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}
