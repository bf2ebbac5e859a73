package localcloud

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/uuid"

	"holdfast/shared/localcloud/lambdaruntime"
	"holdfast/shared/localcloud/stack"
	"holdfast/shared/platform/jwtauth"
)

// maxPayload is API Gateway's HTTP API request payload limit.
const maxPayload = 10 << 20

// route is a compiled template route.
type route struct {
	stack.HTTPRoute
	segments []string // literal segment, "{name}", or "{name+}"
}

func compileRoutes(rs []stack.HTTPRoute) []route {
	out := make([]route, 0, len(rs))
	for _, r := range rs {
		out = append(out, route{HTTPRoute: r, segments: strings.Split(strings.Trim(r.Path, "/"), "/")})
	}
	// API Gateway prefers the most specific route: more literal segments first, greedy last.
	sort.SliceStable(out, func(i, j int) bool { return specificity(out[i]) > specificity(out[j]) })
	return out
}

func specificity(r route) int {
	s := 0
	for _, seg := range r.segments {
		switch {
		case strings.HasSuffix(seg, "+}"):
		case strings.HasPrefix(seg, "{"):
			s++
		default:
			s += 100
		}
	}
	if r.Method != "ANY" {
		s += 1
	}
	return s
}

func (r route) match(method, path string) (map[string]string, bool) {
	if r.Method != method && r.Method != "ANY" {
		return nil, false
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	params := map[string]string{}
	for i, seg := range r.segments {
		if strings.HasSuffix(seg, "+}") {
			if i >= len(parts) {
				return nil, false
			}
			params[seg[1:len(seg)-2]] = strings.Join(parts[i:], "/")
			return params, true
		}
		if i >= len(parts) {
			return nil, false
		}
		if strings.HasPrefix(seg, "{") {
			if parts[i] == "" {
				return nil, false
			}
			v, err := url.PathUnescape(parts[i])
			if err != nil {
				return nil, false
			}
			params[seg[1:len(seg)-1]] = v
			continue
		}
		if seg != parts[i] {
			return nil, false
		}
	}
	return params, len(parts) == len(r.segments)
}

// httpGateway emulates an API Gateway HTTP API (payload format 2.0) with a JWT authorizer.
type httpGateway struct {
	routes   []route
	invoker  lambdaruntime.Invoker
	verifier *jwtauth.Verifier
	clock    *Clock
	apiID    string
	account  string
	local    http.Handler // the local cloud's own endpoints (/__local/..., /.well-known/...)
}

// ServeHTTP answers one request as API Gateway would: the local cloud's own endpoints aside, it
// matches a route, runs the JWT authorizer, reads the payload, builds the payload 2.0 event,
// invokes the route's function and writes its response, answering for the gateway itself
// (404, 401, 400, 413, 503, 500) where API Gateway does.
func (g *httpGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if isLocalEndpoint(r.URL.Path) {
		g.local.ServeHTTP(w, r)
		return
	}
	reqID := uuid.NewString()
	w.Header().Set("Apigw-Requestid", reqID)
	rt, params, ok := g.findRoute(r)
	if !ok {
		// API Gateway answers 404 for an unknown method on a known path too.
		gatewayError(w, http.StatusNotFound, "Not Found")
		return
	}
	claims, ok := g.authorize(r, rt)
	if !ok {
		w.Header().Set("Www-Authenticate", `Bearer error="invalid_token"`)
		gatewayError(w, http.StatusUnauthorized, "Unauthorized")
		return
	}
	body, status := readPayload(r)
	if status != 0 {
		gatewayError(w, status, http.StatusText(status))
		return
	}
	now := g.clock.Now()
	ev := g.requestEvent(r, rt, params, claims, body, reqID, now)
	res, status := g.invoke(r.Context(), rt.Function, ev, reqID, now)
	if status != 0 {
		gatewayError(w, status, http.StatusText(status))
		return
	}
	writeLambdaResponse(w, res.Payload)
}

// isLocalEndpoint reports a path the local cloud serves itself, not a template route.
func isLocalEndpoint(path string) bool {
	return strings.HasPrefix(path, "/__local/") || strings.HasPrefix(path, "/.well-known/")
}

// findRoute finds the first (most specific) route for the request, and its path parameters.
func (g *httpGateway) findRoute(r *http.Request) (*route, map[string]string, bool) {
	rawPath := r.URL.EscapedPath() // API Gateway routes on the path as sent: %2F stays inside a segment
	for i := range g.routes {
		if params, ok := g.routes[i].match(r.Method, rawPath); ok {
			return &g.routes[i], params, true
		}
	}
	return nil, nil, false
}

// authorize is the JWT authorizer: a public route needs nothing (nil claims), any other a valid
// bearer token, whose claims it returns flattened as API Gateway passes them on.
func (g *httpGateway) authorize(r *http.Request, rt *route) (map[string]string, bool) {
	if rt.Public {
		return nil, true
	}
	c, err := g.verifier.Verify(r.Context(), bearer(r.Header.Get("Authorization")))
	if err != nil {
		return nil, false
	}
	return jwtauth.FlattenClaims(c), true
}

// readPayload reads the request body up to API Gateway's limit; status is non-zero when the
// request must be refused.
func readPayload(r *http.Request) (body []byte, status int) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxPayload+1))
	if err != nil {
		return nil, http.StatusBadRequest
	}
	if len(body) > maxPayload {
		return nil, http.StatusRequestEntityTooLarge
	}
	return body, 0
}

// requestEvent is the request as API Gateway hands it to a function (payload format 2.0).
func (g *httpGateway) requestEvent(r *http.Request, rt *route, params, claims map[string]string, body []byte, reqID string, now time.Time) events.APIGatewayV2HTTPRequest {
	ev := events.APIGatewayV2HTTPRequest{
		Version:        "2.0",
		RouteKey:       rt.RouteKey(),
		RawPath:        r.URL.EscapedPath(),
		RawQueryString: r.URL.RawQuery,
		PathParameters: params,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:     rt.RouteKey(),
			AccountID:    g.account,
			APIID:        g.apiID,
			Stage:        "$default",
			RequestID:    reqID,
			DomainName:   r.Host,
			DomainPrefix: strings.Split(r.Host, ".")[0],
			Time:         now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch:    now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: r.Method, Path: r.URL.Path, Protocol: r.Proto, SourceIP: sourceIP(r), UserAgent: r.UserAgent(),
			},
		},
	}
	if claims != nil {
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims, Scopes: nil},
		}
	}
	ev.Headers, ev.Cookies = eventHeaders(r)
	ev.QueryStringParameters = queryParameters(r)
	ev.Body, ev.IsBase64Encoded = eventBody(r.Header.Get("Content-Type"), body)
	return ev
}

// eventHeaders are the request's headers as payload 2.0 carries them: lower-case names, repeated
// values joined by commas, cookies apart, and the headers API Gateway adds.
func eventHeaders(r *http.Request) (headers map[string]string, cookies []string) {
	headers = map[string]string{}
	for k, vs := range r.Header {
		lk := strings.ToLower(k)
		if lk == "cookie" {
			for _, v := range vs {
				for _, c := range strings.Split(v, ";") {
					cookies = append(cookies, strings.TrimSpace(c))
				}
			}
			continue
		}
		headers[lk] = strings.Join(vs, ",")
	}
	headers["host"] = r.Host
	headers["x-forwarded-for"] = joinNonEmpty(r.Header.Get("X-Forwarded-For"), sourceIP(r))
	headers["x-forwarded-proto"] = "http"
	return headers, cookies
}

// queryParameters are the query's parameters, repeated values joined by commas (nil for none).
func queryParameters(r *http.Request) map[string]string {
	q := r.URL.Query()
	if len(q) == 0 {
		return nil
	}
	out := make(map[string]string, len(q))
	for k, vs := range q {
		out[k] = strings.Join(vs, ",")
	}
	return out
}

// eventBody is the body as payload 2.0 carries it: text as is, anything else in base64.
func eventBody(contentType string, body []byte) (string, bool) {
	switch {
	case len(body) == 0:
		return "", false
	case isText(contentType):
		return string(body), false
	default:
		return base64.StdEncoding.EncodeToString(body), true
	}
}

// invoke runs the route's function within the HTTP API integration limit, passing the local
// cloud's clock and a trace ID; status is non-zero when the gateway must answer for it.
func (g *httpGateway) invoke(ctx context.Context, function string, ev events.APIGatewayV2HTTPRequest, reqID string, now time.Time) (lambdaruntime.Result, int) {
	payload, _ := json.Marshal(ev)
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second) // HTTP API integration limit
	defer cancel()
	res, err := g.invoker.Invoke(ctx, function, payload, lambdaruntime.InvokeOptions{
		ClientContextCustom: map[string]string{ClockKey: now.Format(time.RFC3339Nano)},
		TraceID:             "Root=1-" + strconv.FormatInt(now.Unix(), 16) + "-" + strings.ReplaceAll(reqID, "-", "")[:24],
	})
	switch {
	case errors.Is(err, context.DeadlineExceeded) || (res.Err != nil && res.Err.ErrorType == "Sandbox.Timedout"):
		return res, http.StatusServiceUnavailable
	case err != nil || res.Err != nil:
		return res, http.StatusInternalServerError
	}
	return res, 0
}

// writeLambdaResponse applies API Gateway's payload 2.0 response rules.
func writeLambdaResponse(w http.ResponseWriter, payload []byte) {
	var out struct {
		StatusCode        int                 `json:"statusCode"`
		Headers           map[string]string   `json:"headers"`
		MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
		Body              *string             `json:"body"`
		IsBase64Encoded   bool                `json:"isBase64Encoded"`
		Cookies           []string            `json:"cookies"`
	}
	if err := json.Unmarshal(payload, &out); err != nil || out.StatusCode == 0 {
		// Without a statusCode, API Gateway treats the whole JSON as a 200 body.
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(payload)
		return
	}
	for k, v := range out.Headers {
		w.Header().Set(k, v)
	}
	for k, vs := range out.MultiValueHeaders {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	for _, c := range out.Cookies {
		w.Header().Add("Set-Cookie", c)
	}
	body := []byte{}
	if out.Body != nil {
		body = []byte(*out.Body)
		if out.IsBase64Encoded {
			b, err := base64.StdEncoding.DecodeString(*out.Body)
			if err != nil {
				gatewayError(w, http.StatusInternalServerError, "Internal Server Error")
				return
			}
			body = b
		}
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(out.StatusCode)
	_, _ = w.Write(body)
}

// gatewayError answers as API Gateway itself does: {"message": "..."}.
func gatewayError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`{"message":"` + msg + `"}`))
}

func bearer(h string) string {
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return strings.TrimSpace(h)
}

func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func joinNonEmpty(a, b string) string {
	if a == "" {
		return b
	}
	return a + ", " + b
}

func isText(ct string) bool {
	ct = strings.ToLower(ct)
	return ct == "" || strings.HasPrefix(ct, "text/") || strings.Contains(ct, "json") ||
		strings.Contains(ct, "xml") || strings.Contains(ct, "x-www-form-urlencoded") || strings.Contains(ct, "javascript") ||
		strings.Contains(ct, "yaml")
}
