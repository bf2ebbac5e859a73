package localcloud

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/coder/websocket"
	"github.com/google/uuid"

	"holdfast/shared/localcloud/lambdaruntime"
	"holdfast/shared/localcloud/stack"
)

// maxFrame is API Gateway's WebSocket frame / @connections payload limit (128 KiB).
const maxFrame = 128 << 10

// wsGateway emulates an API Gateway WebSocket API and its @connections management endpoint.
type wsGateway struct {
	api     *stack.WebSocketAPI
	invoker lambdaruntime.Invoker
	clock   *Clock
	account string
	region  string
	log     *slog.Logger

	mu    sync.Mutex
	conns map[string]*wsConn
	wg    sync.WaitGroup
}

type wsConn struct {
	id          string
	c           *websocket.Conn
	connectedAt time.Time
	sourceIP    string
	userAgent   string
	authorizer  map[string]any
	headers     map[string]string

	mu         sync.Mutex // serialises writes and lastActive
	lastActive time.Time
	cancel     context.CancelFunc
}

func newWSGateway(api *stack.WebSocketAPI, inv lambdaruntime.Invoker, clock *Clock, account, region string, log *slog.Logger) *wsGateway {
	return &wsGateway{api: api, invoker: inv, clock: clock, account: account, region: region, log: log, conns: map[string]*wsConn{}}
}

func (g *wsGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if i := strings.Index(r.URL.Path, "/@connections/"); i >= 0 {
		g.manage(w, r, r.URL.Path[i+len("/@connections/"):])
		return
	}
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		gatewayError(w, http.StatusBadRequest, "Bad Request")
		return
	}
	g.connect(w, r)
}

func newConnectionID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// baseContext is the requestContext API Gateway sends for every WebSocket event.
func (g *wsGateway) baseContext(c *wsConn, routeKey, eventType string) map[string]any {
	now := g.clock.Now()
	ctx := map[string]any{
		"routeKey": routeKey, "eventType": eventType, "messageDirection": "IN",
		"extendedRequestId": uuid.NewString(), "requestId": uuid.NewString(),
		"requestTime":      now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
		"requestTimeEpoch": now.UnixMilli(), "stage": g.api.Stage, "apiId": g.api.APIID,
		"domainName": "127.0.0.1", "connectionId": c.id, "connectedAt": c.connectedAt.UnixMilli(),
		"identity": map[string]any{"sourceIp": c.sourceIP, "userAgent": c.userAgent},
	}
	if c.authorizer != nil {
		ctx["authorizer"] = c.authorizer
	}
	return ctx
}

func (g *wsGateway) invoke(ctx context.Context, fn string, ev any) (lambdaruntime.Result, error) {
	payload, _ := json.Marshal(ev)
	return g.invoker.Invoke(ctx, fn, payload, lambdaruntime.InvokeOptions{
		ClientContextCustom: map[string]string{ClockKey: g.clock.Now().Format(time.RFC3339Nano)},
	})
}

func (g *wsGateway) connect(w http.ResponseWriter, r *http.Request) {
	c := &wsConn{id: newConnectionID(), connectedAt: g.clock.Now(), sourceIP: sourceIP(r), userAgent: r.UserAgent(), headers: map[string]string{}}
	for k, vs := range r.Header {
		c.headers[k] = strings.Join(vs, ",")
	}
	query := map[string]string{}
	for k, vs := range r.URL.Query() {
		query[k] = strings.Join(vs, ",")
	}
	if g.api.Authorizer != "" {
		if g.api.IdentityQuery != "" && query[g.api.IdentityQuery] == "" {
			gatewayError(w, http.StatusUnauthorized, "Unauthorized") // identity source missing: API Gateway does not even call the authorizer
			return
		}
		ev := map[string]any{
			"type":                  "REQUEST",
			"methodArn":             "arn:aws:execute-api:" + g.region + ":" + g.account + ":" + g.api.APIID + "/" + g.api.Stage + "/$connect",
			"headers":               c.headers,
			"queryStringParameters": query,
			"stageVariables":        map[string]string{},
			"requestContext":        g.baseContext(c, "$connect", "CONNECT"),
		}
		res, err := g.invoke(r.Context(), g.api.Authorizer, ev)
		if err != nil || res.Err != nil {
			if res.Err != nil && res.Err.ErrorMessage == "Unauthorized" {
				gatewayError(w, http.StatusUnauthorized, "Unauthorized")
				return
			}
			gatewayError(w, http.StatusInternalServerError, "Internal Server Error")
			return
		}
		var out events.APIGatewayCustomAuthorizerResponse
		if json.Unmarshal(res.Payload, &out) != nil || !allows(out.PolicyDocument) {
			gatewayError(w, http.StatusForbidden, "Forbidden")
			return
		}
		c.authorizer = map[string]any{"principalId": out.PrincipalID}
		for k, v := range out.Context {
			c.authorizer[k] = v
		}
	}
	connectEv := map[string]any{
		"headers": c.headers, "queryStringParameters": query, "isBase64Encoded": false,
		"requestContext": g.baseContext(c, "$connect", "CONNECT"),
	}
	if fn := g.api.Routes["$connect"]; fn != "" {
		res, err := g.invoke(r.Context(), fn, connectEv)
		if err != nil || res.Err != nil {
			gatewayError(w, http.StatusInternalServerError, "Internal Server Error")
			return
		}
		var out struct {
			StatusCode int `json:"statusCode"`
		}
		_ = json.Unmarshal(res.Payload, &out)
		if out.StatusCode != 0 && (out.StatusCode < 200 || out.StatusCode > 299) {
			w.WriteHeader(out.StatusCode)
			return
		}
	}
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return
	}
	ws.SetReadLimit(maxFrame)
	ctx, cancel := context.WithCancel(context.Background())
	c.c, c.cancel, c.lastActive = ws, cancel, c.connectedAt
	g.mu.Lock()
	g.conns[c.id] = c
	g.mu.Unlock()
	g.wg.Add(1)
	go g.readLoop(ctx, c)
}

func allows(p events.APIGatewayCustomAuthorizerPolicy) bool {
	allowed := false
	for _, s := range p.Statement {
		if s.Effect == "Deny" {
			return false
		}
		if s.Effect == "Allow" {
			allowed = true
		}
	}
	return allowed
}

func (g *wsGateway) readLoop(ctx context.Context, c *wsConn) {
	defer g.wg.Done()
	status, reason := 1000, "Client disconnected"
	for {
		_, data, err := c.c.Read(ctx)
		if err != nil {
			if cs := websocket.CloseStatus(err); cs != -1 {
				status = int(cs)
			} else if ctx.Err() != nil {
				status, reason = 1001, "Going away"
			} else {
				status, reason = 1006, "Connection lost"
			}
			break
		}
		c.mu.Lock()
		c.lastActive = g.clock.Now()
		c.mu.Unlock()
		g.message(ctx, c, data)
	}
	g.mu.Lock()
	delete(g.conns, c.id)
	g.mu.Unlock()
	if fn := g.api.Routes["$disconnect"]; fn != "" {
		rc := g.baseContext(c, "$disconnect", "DISCONNECT")
		rc["disconnectStatusCode"], rc["disconnectReason"] = status, reason
		ictx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if _, err := g.invoke(ictx, fn, map[string]any{"headers": c.headers, "isBase64Encoded": false, "requestContext": rc}); err != nil {
			g.log.Warn("websocket $disconnect failed", "connectionId", c.id, "error", err)
		}
		cancel()
	}
	c.c.CloseNow()
}

func (g *wsGateway) message(ctx context.Context, c *wsConn, data []byte) {
	routeKey := "$default"
	if g.api.SelectionField != "" {
		var body map[string]any
		if json.Unmarshal(data, &body) == nil {
			if v, ok := body[g.api.SelectionField].(string); ok {
				if _, known := g.api.Routes[v]; known {
					routeKey = v
				}
			}
		}
	}
	fn := g.api.Routes[routeKey]
	rc := g.baseContext(c, routeKey, "MESSAGE")
	if fn == "" {
		g.send(ctx, c, `{"message": "Forbidden", "connectionId":"`+c.id+`", "requestId":"`+rc["requestId"].(string)+`"}`)
		return
	}
	rc["messageId"] = uuid.NewString()
	res, err := g.invoke(ctx, fn, map[string]any{"body": string(data), "isBase64Encoded": false, "requestContext": rc})
	if err != nil || res.Err != nil {
		g.send(ctx, c, `{"message": "Internal server error", "connectionId":"`+c.id+`", "requestId":"`+rc["requestId"].(string)+`"}`)
	}
}

func (g *wsGateway) send(ctx context.Context, c *wsConn, msg string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return c.c.Write(wctx, websocket.MessageText, []byte(msg))
}

// manage serves POST/GET/DELETE /{stage}/@connections/{id} as the API Gateway Management API.
func (g *wsGateway) manage(w http.ResponseWriter, r *http.Request, id string) {
	g.mu.Lock()
	c := g.conns[id]
	g.mu.Unlock()
	if c == nil {
		w.Header().Set("X-Amzn-Errortype", "GoneException")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusGone)
		_, _ = w.Write([]byte(`{"message":null}`))
		return
	}
	switch r.Method {
	case http.MethodPost:
		data, err := io.ReadAll(io.LimitReader(r.Body, maxFrame+1))
		if err != nil {
			gatewayError(w, http.StatusBadRequest, "Bad Request")
			return
		}
		if len(data) > maxFrame {
			w.Header().Set("X-Amzn-Errortype", "PayloadTooLargeException")
			gatewayError(w, http.StatusRequestEntityTooLarge, "Message too long")
			return
		}
		if err := g.send(r.Context(), c, string(data)); err != nil {
			w.Header().Set("X-Amzn-Errortype", "GoneException")
			w.WriteHeader(http.StatusGone)
			return
		}
		w.WriteHeader(http.StatusOK)
	case http.MethodGet:
		c.mu.Lock()
		last := c.lastActive
		c.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"connectedAt":  c.connectedAt.UTC().Format(time.RFC3339Nano),
			"lastActiveAt": last.UTC().Format(time.RFC3339Nano),
			"identity":     map[string]string{"sourceIp": c.sourceIP, "userAgent": c.userAgent},
		})
	case http.MethodDelete:
		c.mu.Lock()
		_ = c.c.Close(websocket.StatusNormalClosure, "")
		c.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	default:
		gatewayError(w, http.StatusMethodNotAllowed, "Method Not Allowed")
	}
}

// Close drops every connection (each gets its $disconnect) and waits for them.
func (g *wsGateway) Close() {
	g.mu.Lock()
	for _, c := range g.conns {
		c.cancel()
	}
	g.mu.Unlock()
	g.wg.Wait()
}

// Connections is how many sockets are open (for tests and the ready line).
func (g *wsGateway) Connections() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.conns)
}
