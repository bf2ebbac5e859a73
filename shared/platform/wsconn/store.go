// Package wsconn keeps WebSocket connections and talks to them: the $connect authorizer (a
// JWT in the `token` query parameter, checked against the issuer's JWKS), the connection store
// (CONNECTIONS_TABLE, ~2 h expiry, indexed by topic), and a sender over the API Gateway
// management API that removes a connection answered with 410 Gone. It must never trust a
// connection's topic or identity from anything but the authorizer and the $connect query.
package wsconn

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"holdfast/shared/platform/dynamoitem"
)

// TTL is how long a connection record lives without renewal; API Gateway closes idle sockets
// after 10 minutes and any socket after 2 hours, and $disconnect is best effort.
const TTL = 2 * time.Hour

// Connection is one stored socket.
type Connection struct {
	ID          string
	Topic       string // e.g. "doctor#D1"; empty when the client watches nothing
	Subject     string // JWT subject from the authorizer
	Roles       string
	ConnectedAt time.Time
	ExpiresAt   time.Time
}

// Store is the connection table.
type Store struct {
	DB    *dynamodb.Client
	Table string
}

func connKey(id string) map[string]types.AttributeValue {
	return dynamoitem.Key("CONN#"+id, "META")
}

// Put records a connection (idempotent for a retried $connect).
func (s *Store) Put(ctx context.Context, c Connection) error {
	item := connKey(c.ID)
	item["connectionId"] = dynamoitem.S(c.ID)
	item["connectedAt"] = dynamoitem.S(dynamoitem.Time(c.ConnectedAt))
	item["expiresAt"] = dynamoitem.N(c.ExpiresAt.Unix())
	if c.Subject != "" {
		item["sub"] = dynamoitem.S(c.Subject)
	}
	if c.Roles != "" {
		item["roles"] = dynamoitem.S(c.Roles)
	}
	if c.Topic != "" {
		item["topic"] = dynamoitem.S(c.Topic)
		item["gsi1pk"] = dynamoitem.S("TOPIC#" + c.Topic)
		item["gsi1sk"] = dynamoitem.S(dynamoitem.Time(c.ConnectedAt) + "#" + c.ID)
	}
	if _, err := s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: item}); err != nil {
		return fmt.Errorf("put connection: %w", err)
	}
	return nil
}

// Delete removes a connection; deleting one that is gone already is not an error.
func (s *Store) Delete(ctx context.Context, id string) error {
	if _, err := s.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.Table, Key: connKey(id)}); err != nil {
		return fmt.Errorf("delete connection: %w", err)
	}
	return nil
}

// Get reads one connection; ok is false when it is absent or past its expiry (TTL deletion is
// lazy on AWS and absent on some emulators, so expiry is checked on read).
func (s *Store) Get(ctx context.Context, id string, now time.Time) (Connection, bool, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: connKey(id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return Connection{}, false, fmt.Errorf("get connection: %w", err)
	}
	if out.Item == nil {
		return Connection{}, false, nil
	}
	c := decode(out.Item)
	return c, c.ExpiresAt.After(now), nil
}

// ByTopic lists the live connections watching a topic.
func (s *Store) ByTopic(ctx context.Context, topic string, now time.Time) ([]Connection, error) {
	var out []Connection
	p := dynamodb.NewQueryPaginator(s.DB, &dynamodb.QueryInput{
		TableName: &s.Table, IndexName: aws.String("gsi1"),
		KeyConditionExpression:    aws.String("gsi1pk = :t"),
		FilterExpression:          aws.String("expiresAt > :now"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": dynamoitem.S("TOPIC#" + topic), ":now": dynamoitem.N(now.Unix())},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("query connections: %w", err)
		}
		for _, it := range page.Items {
			out = append(out, decode(it))
		}
	}
	return out, nil
}

func decode(it map[string]types.AttributeValue) Connection {
	s := func(k string) string {
		if v, ok := it[k].(*types.AttributeValueMemberS); ok {
			return v.Value
		}
		return ""
	}
	c := Connection{ID: s("connectionId"), Topic: s("topic"), Subject: s("sub"), Roles: s("roles")}
	c.ConnectedAt = dynamoitem.TimeOrZero(s("connectedAt"))
	if v, ok := it["expiresAt"].(*types.AttributeValueMemberN); ok {
		if n, err := strconv.ParseInt(v.Value, 10, 64); err == nil {
			c.ExpiresAt = time.Unix(n, 0)
		}
	}
	return c
}

// ErrGone means the connection no longer exists at API Gateway.
var ErrGone = errors.New("connection gone")

func dynamodbClient(cfg aws.Config) *dynamodb.Client { return dynamodb.NewFromConfig(cfg) }
