package wsconn

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"holdfast/shared/platform/jwtauth"
)

// ErrUnauthorized is returned by the authorizer so API Gateway answers 401 (its contract:
// the error message must be exactly "Unauthorized").
var ErrUnauthorized = errors.New("Unauthorized")

// Authorizer is the $connect REQUEST authorizer.
type Authorizer struct {
	Verifier   *jwtauth.Verifier
	RolesClaim string
	Log        *slog.Logger
}

// Handle verifies the `token` query parameter and allows the connection with the caller's
// subject and roles in the authorizer context.
func (a *Authorizer) Handle(ctx context.Context, ev events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
	if tok := ev.QueryStringParameters["token"]; IsGrantToken(tok) {
		// A display token: admitted here by shape only, with no identity; $connect checks the
		// grant in the connection store and refuses the socket unless it is live and names
		// the topic asked for (the authorizer has no table access of its own).
		return events.APIGatewayCustomAuthorizerResponse{
			PrincipalID: "display",
			PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17", Statement: []events.IAMPolicyStatement{
				{Action: []string{"execute-api:Invoke"}, Effect: "Allow", Resource: []string{ev.MethodArn}},
			}},
			Context: map[string]any{"sub": "", "roles": "display", "display": "true"},
		}, nil
	}
	claims, err := a.Verifier.Verify(ctx, ev.QueryStringParameters["token"])
	if err != nil {
		a.Log.InfoContext(ctx, "websocket connect refused", "reason", err.Error())
		return events.APIGatewayCustomAuthorizerResponse{}, ErrUnauthorized
	}
	flat := jwtauth.FlattenClaims(claims)
	sub := flat["sub"]
	return events.APIGatewayCustomAuthorizerResponse{
		PrincipalID: sub,
		PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17", Statement: []events.IAMPolicyStatement{
			{Action: []string{"execute-api:Invoke"}, Effect: "Allow", Resource: []string{ev.MethodArn}},
		}},
		Context: map[string]any{"sub": sub, "roles": flat[a.RolesClaim]},
	}, nil
}

// idPattern bounds the ids a client may watch.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// TopicFromQuery maps $connect query parameters to the one topic a socket watches.
func TopicFromQuery(q map[string]string) (string, error) {
	if d, ok := q["doctorId"]; ok {
		if !idPattern.MatchString(d) {
			return "", errors.New("doctorId is not a valid id")
		}
		return "doctor#" + d, nil
	}
	return "", nil
}

// Handlers are the $connect, $disconnect and $default functions.
type Handlers struct {
	Store  *Store
	Sender *Sender
	Now    func(context.Context) time.Time
	Log    *slog.Logger
}

func authorizerString(rc events.APIGatewayWebsocketProxyRequestContext, key string) string {
	if m, ok := rc.Authorizer.(map[string]any); ok {
		if v, ok := m[key].(string); ok {
			return v
		}
	}
	return ""
}

func reply(status int, msg string) events.APIGatewayProxyResponse {
	return events.APIGatewayProxyResponse{StatusCode: status, Body: msg}
}

// Connect stores the connection with its topic; a bad topic refuses the socket with 400.
func (h *Handlers) Connect(ctx context.Context, ev events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	topic, err := TopicFromQuery(ev.QueryStringParameters)
	if err != nil {
		return reply(400, err.Error()), nil
	}
	now := h.Now(ctx)
	if authorizerString(ev.RequestContext, "display") == "true" {
		granted, ok, err := h.Store.GrantTopic(ctx, ev.QueryStringParameters["token"], now)
		if err != nil {
			h.Log.ErrorContext(ctx, "read display grant", "error", err)
			return reply(500, "internal error"), nil
		}
		if !ok {
			return reply(401, "display token unknown or expired"), nil
		}
		if topic != granted {
			return reply(403, "display token is for another topic"), nil
		}
	}
	c := Connection{ID: ev.RequestContext.ConnectionID, Topic: topic, ConnectedAt: now, ExpiresAt: now.Add(TTL),
		Subject: authorizerString(ev.RequestContext, "sub"), Roles: authorizerString(ev.RequestContext, "roles")}
	if err := h.Store.Put(ctx, c); err != nil {
		h.Log.ErrorContext(ctx, "store connection", "error", err)
		return reply(500, "internal error"), nil
	}
	return reply(200, "connected"), nil
}

// Disconnect forgets the connection (best effort: API Gateway may never call it).
func (h *Handlers) Disconnect(ctx context.Context, ev events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	if err := h.Store.Delete(ctx, ev.RequestContext.ConnectionID); err != nil {
		h.Log.WarnContext(ctx, "forget connection", "error", err)
	}
	return reply(200, "bye"), nil
}

// Message answers client frames on $default: {"action":"ping"} → {"type":"pong"}; anything
// else gets an error frame naming the problem. Answers go out through @connections, as
// every server push does.
func (h *Handlers) Message(ctx context.Context, ev events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	var msg struct {
		Action string `json:"action"`
	}
	out := map[string]any{}
	if len(ev.Body) > 4096 || json.Unmarshal([]byte(ev.Body), &msg) != nil {
		out = map[string]any{"type": "error", "code": "malformed_message", "detail": "frames are JSON objects with an action, at most 4 KiB"}
	} else {
		switch strings.ToLower(msg.Action) {
		case "ping":
			out = map[string]any{"type": "pong", "connectionId": ev.RequestContext.ConnectionID, "at": h.Now(ctx).UTC().Format(time.RFC3339Nano)}
		default:
			out = map[string]any{"type": "error", "code": "unknown_action", "detail": "supported actions: ping"}
		}
	}
	b, _ := json.Marshal(out)
	if err := h.Sender.Send(ctx, ev.RequestContext.ConnectionID, b); err != nil && !errors.Is(err, ErrGone) {
		return reply(500, "internal error"), err
	}
	return reply(200, ""), nil
}
