package wsconn

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"holdfast/shared/platform/dynamoitem"
)

// GrantPrefix starts every display token: a read-only, short-lived credential that lets an
// unattended screen (the clinic board) watch exactly one topic. It is not a JWT and carries no
// identity; the connection store keeps only its SHA-256, with the topic and expiry (TTL and
// the sweeper remove it like an expired connection).
const GrantPrefix = "hfd_"

var grantPattern = regexp.MustCompile(`^hfd_[A-Za-z0-9_-]{32,128}$`)

// IsGrantToken reports whether tok has the shape of a display token.
func IsGrantToken(tok string) bool { return grantPattern.MatchString(tok) }

func grantKey(tok string) map[string]types.AttributeValue {
	sum := sha256.Sum256([]byte(tok))
	return dynamoitem.Key("GRANT#"+hex.EncodeToString(sum[:]), "META")
}

// PutGrant records a display token for topic until expiresAt; a token is stored once.
func (s *Store) PutGrant(ctx context.Context, tok, topic string, issuedBy string, expiresAt time.Time) error {
	if !IsGrantToken(tok) {
		return fmt.Errorf("put grant: malformed display token")
	}
	item := grantKey(tok)
	item["topic"] = dynamoitem.S(topic)
	item["kind"] = dynamoitem.S("display-grant")
	item["issuedBy"] = dynamoitem.S(issuedBy)
	item["expiresAt"] = dynamoitem.N(expiresAt.Unix())
	if _, err := s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: item,
		ConditionExpression: aws.String("attribute_not_exists(pk)")}); err != nil {
		return fmt.Errorf("put grant: %w", err)
	}
	return nil
}

// GrantTopic returns the topic a display token may watch; ok is false for an unknown or
// expired token.
func (s *Store) GrantTopic(ctx context.Context, tok string, now time.Time) (topic string, ok bool, err error) {
	if !IsGrantToken(tok) {
		return "", false, nil
	}
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: grantKey(tok), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return "", false, fmt.Errorf("get grant: %w", err)
	}
	if out.Item == nil {
		return "", false, nil
	}
	t, _ := out.Item["topic"].(*types.AttributeValueMemberS)
	exp, _ := out.Item["expiresAt"].(*types.AttributeValueMemberN)
	if t == nil || exp == nil {
		return "", false, nil
	}
	e, perr := strconv.ParseInt(exp.Value, 10, 64)
	if perr != nil || !time.Unix(e, 0).After(now) {
		return "", false, nil
	}
	return t.Value, true, nil
}
