// Package idempotency makes a retried request safe: the Idempotency-Key header, scoped to the
// caller and the route, claims a record in IDEMPOTENCY_TABLE before the handler runs and keeps
// the answer for at least 24 hours. Same key + same request → the original status and body
// with Idempotent-Replayed: true; same key + different request → 422 idempotency_key_reuse;
// still running → 409 idempotency_in_flight; a 5xx releases the key so a retry can run.
//
// It must never run a handler twice for one key while a lease is held, never replay an answer
// to a different request, and never be the only guard of an exactly-once business write:
// a lease can expire under a handler slower than the lease, so business writes stay
// conditional (deterministic IDs with attribute_not_exists) as SPEC §0 asks. The function
// timeout must be shorter than the lease (30 s by default).
package idempotency

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/dynamoitem"
	"holdfast/shared/platform/errs"
)

// Defaults.
const (
	DefaultLease = 30 * time.Second
	MinRetention = 24 * time.Hour
)

// Problem codes.
const (
	CodeKeyRequired = "idempotency_key_required"
	CodeKeyInvalid  = "invalid_idempotency_key"
	CodeKeyReuse    = "idempotency_key_reuse"
	CodeInFlight    = "idempotency_in_flight"
)

const (
	stateInFlight = "IN_FLIGHT"
	stateDone     = "DONE"
	maxAttempts   = 4
)

// Stored is a kept answer.
type Stored struct {
	Status    int
	Header    http.Header
	Body      []byte
	ErrorCode string
}

// Lease is the right to run the request for a key, until Complete or Release.
type Lease struct {
	pk    string
	token string
}

// Store keeps idempotency records.
type Store struct {
	db        *dynamodb.Client
	table     string
	clock     clock.Clock
	lease     time.Duration
	retention time.Duration
}

// NewStore returns a store over table, with the default lease and the minimum retention.
func NewStore(db *dynamodb.Client, table string, clk clock.Clock) *Store {
	return &Store{db: db, table: table, clock: clk, lease: DefaultLease, retention: MinRetention}
}

// RecordKey is the partition key for a key used by subject on route.
func RecordKey(subject, route, key string) string {
	h := sha256.Sum256([]byte(subject + "\x00" + route + "\x00" + key))
	return "IDEMPOTENCY#" + hex.EncodeToString(h[:])
}

type record struct {
	PK          string            `dynamodbav:"pk"`
	State       string            `dynamodbav:"state"`
	RequestHash string            `dynamodbav:"requestHash"`
	Token       string            `dynamodbav:"token"`
	LeaseUntil  int64             `dynamodbav:"leaseUntil"` // epoch ms
	ExpiresAt   int64             `dynamodbav:"expiresAt"`  // epoch s (TTL)
	CreatedAt   string            `dynamodbav:"createdAt"`
	Subject     string            `dynamodbav:"subject"`
	Route       string            `dynamodbav:"route"`
	Status      int               `dynamodbav:"status,omitempty"`
	Headers     map[string]string `dynamodbav:"headers,omitempty"`
	Body        []byte            `dynamodbav:"body,omitempty"`
	ErrorCode   string            `dynamodbav:"errorCode,omitempty"`
}

// Begin claims key for a request whose fingerprint is requestHash. Exactly one of the results
// is set: a lease (run the request, then Complete or Release), a stored answer to replay, or
// an error (422 reuse, 409 in flight, or the store failing).
func (s *Store) Begin(ctx context.Context, subject, route, key, requestHash string) (*Lease, *Stored, error) {
	pk := RecordKey(subject, route, key)
	for attempt := 0; attempt < maxAttempts; attempt++ {
		now := s.clock.Now(ctx)
		fresh := record{
			PK: pk, State: stateInFlight, RequestHash: requestHash, Token: uuid.NewString(),
			LeaseUntil: now.Add(s.lease).UnixMilli(), ExpiresAt: now.Add(s.retention).Unix(),
			CreatedAt: now.Format(time.RFC3339Nano), Subject: subject, Route: route,
		}
		// An expired record (TTL deletion is lazy) counts as absent.
		old, err := s.put(ctx, fresh, "attribute_not_exists(pk) OR expiresAt < :now",
			map[string]types.AttributeValue{":now": dynamoitem.N(now.Unix())})
		if err != nil {
			return nil, nil, err
		}
		if old == nil {
			return &Lease{pk: pk, token: fresh.Token}, nil, nil
		}
		if old.PK == "" {
			continue // deleted (released) between our write and our read: try again
		}
		if old.RequestHash != requestHash {
			return nil, nil, errs.Unprocessable(CodeKeyReuse,
				"This Idempotency-Key was used with a different request.")
		}
		if old.State == stateDone {
			return nil, &Stored{Status: old.Status, Header: toHeader(old.Headers), Body: old.Body, ErrorCode: old.ErrorCode}, nil
		}
		if old.LeaseUntil > now.UnixMilli() {
			return nil, nil, inFlight()
		}
		// The holder's lease ran out (it crashed or timed out): take over its claim, and
		// only that claim.
		fresh.CreatedAt = old.CreatedAt
		taken, err := s.put(ctx, fresh, "#state = :inflight AND #token = :token",
			map[string]types.AttributeValue{
				":inflight": dynamoitem.S(stateInFlight),
				":token":    dynamoitem.S(old.Token),
			}, "#state", "state", "#token", "token")
		if err != nil {
			return nil, nil, err
		}
		if taken == nil {
			return &Lease{pk: pk, token: fresh.Token}, nil, nil
		}
	}
	return nil, nil, inFlight()
}

func inFlight() error {
	return errs.Conflict(CodeInFlight, "A request with this Idempotency-Key is still being processed; retry later.")
}

// put writes r under cond. It returns nil when written; otherwise the record that blocked it
// (a zero record if it vanished before it could be read).
func (s *Store) put(ctx context.Context, r record, cond string, values map[string]types.AttributeValue, names ...string) (*record, error) {
	av, err := attributevalue.MarshalMap(r)
	if err != nil {
		return nil, fmt.Errorf("idempotency: encode: %w", err)
	}
	in := &dynamodb.PutItemInput{
		TableName:                           aws.String(s.table),
		Item:                                av,
		ConditionExpression:                 aws.String(cond),
		ExpressionAttributeValues:           values,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}
	if len(names) > 0 {
		in.ExpressionAttributeNames = map[string]string{}
		for i := 0; i+1 < len(names); i += 2 {
			in.ExpressionAttributeNames[names[i]] = names[i+1]
		}
	}
	_, err = s.db.PutItem(ctx, in)
	if err == nil {
		return nil, nil
	}
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		return nil, fmt.Errorf("idempotency: claim: %w", err)
	}
	item := ccf.Item
	if len(item) == 0 {
		out, gerr := s.db.GetItem(ctx, &dynamodb.GetItemInput{
			TableName: aws.String(s.table), ConsistentRead: aws.Bool(true),
			Key: map[string]types.AttributeValue{"pk": dynamoitem.S(r.PK)},
		})
		if gerr != nil {
			return nil, fmt.Errorf("idempotency: read claim: %w", gerr)
		}
		item = out.Item
	}
	var old record
	if len(item) > 0 {
		if err := attributevalue.UnmarshalMap(item, &old); err != nil {
			return nil, fmt.Errorf("idempotency: decode: %w", err)
		}
	}
	return &old, nil
}

// ErrLeaseLost means the lease expired and another attempt took the key over.
var ErrLeaseLost = errors.New("idempotency lease lost")

// Complete stores the answer under the lease.
func (s *Store) Complete(ctx context.Context, l *Lease, st Stored) error {
	headers := map[string]string{}
	for _, h := range []string{"Content-Type", "Location"} {
		if v := st.Header.Get(h); v != "" {
			headers[h] = v
		}
	}
	hv, err := attributevalue.Marshal(headers)
	if err != nil {
		return fmt.Errorf("idempotency: encode headers: %w", err)
	}
	sets := []string{"#state = :done", "#status = :status", "headers = :headers", "completedAt = :at"}
	values := map[string]types.AttributeValue{
		":done": dynamoitem.S(stateDone), ":status": dynamoitem.N(int64(st.Status)),
		":headers": hv, ":token": dynamoitem.S(l.token),
		":at": dynamoitem.S(s.clock.Now(ctx).Format(time.RFC3339Nano)),
	}
	if len(st.Body) > 0 {
		sets = append(sets, "body = :body")
		values[":body"] = &types.AttributeValueMemberB{Value: st.Body}
	}
	if st.ErrorCode != "" {
		sets = append(sets, "errorCode = :code")
		values[":code"] = dynamoitem.S(st.ErrorCode)
	}
	update := "SET " + strings.Join(sets, ", ") + " REMOVE leaseUntil"
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       map[string]types.AttributeValue{"pk": dynamoitem.S(l.pk)},
		UpdateExpression:          aws.String(update),
		ConditionExpression:       aws.String("#token = :token"),
		ExpressionAttributeNames:  map[string]string{"#state": "state", "#status": "status", "#token": "token"},
		ExpressionAttributeValues: values,
	})
	return leaseErr("complete", err)
}

// Release gives the key up so a retry can run (after a 5xx).
func (s *Store) Release(ctx context.Context, l *Lease) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                 aws.String(s.table),
		Key:                       map[string]types.AttributeValue{"pk": dynamoitem.S(l.pk)},
		ConditionExpression:       aws.String("#token = :token"),
		ExpressionAttributeNames:  map[string]string{"#token": "token"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":token": dynamoitem.S(l.token)},
	})
	return leaseErr("release", err)
}

func leaseErr(op string, err error) error {
	if err == nil {
		return nil
	}
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return fmt.Errorf("idempotency %s: %w", op, ErrLeaseLost)
	}
	return fmt.Errorf("idempotency %s: %w", op, err)
}

func toHeader(m map[string]string) http.Header {
	h := http.Header{}
	for k, v := range m {
		h.Set(k, v)
	}
	return h
}
