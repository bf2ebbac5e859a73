package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	mgmttypes "github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/coder/websocket"

	"holdfast/shared/platform/wsconn"
)

func dialWS(ctx context.Context, query string) (*websocket.Conn, *http.Response, error) {
	return websocket.Dial(ctx, cloud.WSURL()+"?"+query, nil)
}

func readJSON(t *testing.T, ctx context.Context, c *websocket.Conn) map[string]any {
	t.Helper()
	_, data, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("frame is not JSON: %s", data)
	}
	return m
}

func connectionsStore() *wsconn.Store {
	return &wsconn.Store{DB: dynamodb.NewFromConfig(awsCfg), Table: cloud.Deployment.Functions["WsConnectFunction"].Env["CONNECTIONS_TABLE"]}
}

func TestWebSocketConnectIsAuthorizedByToken(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for name, q := range map[string]string{
		"no token":      "doctorId=D1",
		"garbage token": "doctorId=D1&token=abc.def.ghi",
		"expired token": "doctorId=D1&token=" + expiredToken(t),
	} {
		_, resp, err := dialWS(ctx, q)
		if err == nil {
			t.Fatalf("%s: connected", name)
		}
		if resp == nil || resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("%s: want 401, got %v (%v)", name, resp, err)
		}
	}
	_, resp, err := dialWS(ctx, "doctorId=not%20valid!&token="+token(t, "p1", "patient"))
	if err == nil || resp == nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad doctorId: want 400 from $connect, got %v (%v)", resp, err)
	}
}

func TestWebSocketPushThroughConnectionsAndGone(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	doctor := uniq("D")
	c, _, err := dialWS(ctx, "doctorId="+doctor+"&token="+token(t, "p1", "patient"))
	if err != nil {
		t.Fatal(err)
	}
	// A function answers through @connections: ping → pong.
	if err := c.Write(ctx, websocket.MessageText, []byte(`{"action":"ping"}`)); err != nil {
		t.Fatal(err)
	}
	pong := readJSON(t, ctx, c)
	if pong["type"] != "pong" {
		t.Fatalf("want pong, got %v", pong)
	}
	id, _ := pong["connectionId"].(string)
	if id == "" {
		t.Fatalf("pong carries no connectionId: %v", pong)
	}
	// The connection is stored under its topic, with an expiry about 2 h out.
	store := connectionsStore()
	conns, err := store.ByTopic(ctx, "doctor#"+doctor, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(conns) != 1 || conns[0].ID != id || conns[0].Subject != "p1" {
		t.Fatalf("stored connections = %+v, want %s", conns, id)
	}
	if d := time.Until(conns[0].ExpiresAt); d < 110*time.Minute || d > 125*time.Minute {
		t.Fatalf("expiry in %v, want ~2h", d)
	}
	// A server-side post reaches the client.
	mgmt := apigatewaymanagementapi.NewFromConfig(awsCfg, func(o *apigatewaymanagementapi.Options) {
		o.BaseEndpoint = aws.String(cloud.ManagementURL())
	})
	if _, err := mgmt.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: &id, Data: []byte(`{"type":"hello"}`)}); err != nil {
		t.Fatal(err)
	}
	if m := readJSON(t, ctx, c); m["type"] != "hello" {
		t.Fatalf("want hello, got %v", m)
	}
	info, err := mgmt.GetConnection(ctx, &apigatewaymanagementapi.GetConnectionInput{ConnectionId: &id})
	if err != nil || info.ConnectedAt == nil {
		t.Fatalf("get connection: %v %+v", err, info)
	}
	// Closed: $disconnect forgets it; a post now is 410 Gone.
	c.Close(websocket.StatusNormalClosure, "bye")
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err = mgmt.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: &id, Data: []byte(`{}`)})
		var gone *mgmttypes.GoneException
		if errors.As(err, &gone) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("post to closed connection: want GoneException, got %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The sender removes a gone connection it still had on record.
	stale := wsconn.Connection{ID: id, Topic: "doctor#" + doctor, ConnectedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
	if err := store.Put(ctx, stale); err != nil {
		t.Fatal(err)
	}
	sender := &wsconn.Sender{API: mgmt, Store: store}
	if err := sender.Send(ctx, id, []byte(`{}`)); !errors.Is(err, wsconn.ErrGone) {
		t.Fatalf("send to gone: %v", err)
	}
	if _, ok, _ := store.Get(ctx, id, time.Now()); ok {
		t.Fatal("gone connection still stored")
	}
}

func TestWebSocketUnknownActionAndMalformedFrame(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, _, err := dialWS(ctx, "token="+token(t, "p2", "patient"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	for frame, code := range map[string]string{`{"action":"dance"}`: "unknown_action", `not json`: "malformed_message", strings.Repeat("x", 5000): "malformed_message"} {
		if err := c.Write(ctx, websocket.MessageText, []byte(frame)); err != nil {
			t.Fatal(err)
		}
		if m := readJSON(t, ctx, c); m["code"] != code {
			t.Fatalf("frame %.20q: want %s, got %v", frame, code, m)
		}
	}
}
