package events

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"holdfast/shared/platform/dynamoitem"
	"holdfast/shared/platform/retry"
)

// MarkerAPI is the part of the DynamoDB client the relay's dedup markers need; *dynamodb.Client
// satisfies it.
type MarkerAPI interface {
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
}

// Marker item layout in the idempotency table (hash key `pk`, TTL attribute `expiresAt`).
const (
	markerKeyAttr = "pk"
	markerTTLAttr = "expiresAt"
	// MarkerKeyPrefix starts every relay marker's key (the local cloud clears them when kept
	// tables meet a new event bus).
	MarkerKeyPrefix  = "relay#"
	maxKeysPerGet    = 100
	maxItemsPerWrite = 25
	// markerAttempts bounds the calls made for one chunk while DynamoDB returns unprocessed
	// keys or items (throttling).
	markerAttempts = 5
)

// markerStore records which event IDs the relay has already put on the bus.
type markerStore struct {
	api     MarkerAPI
	table   string
	backoff retry.Backoff
}

func markerKey(eventID string) string { return MarkerKeyPrefix + eventID }

// published returns the subset of eventIDs that already carry a marker. Reads are consistent: a
// marker written by the previous delivery of a batch must be seen by its retry.
func (s *markerStore) published(ctx context.Context, eventIDs []string) (map[string]bool, error) {
	found := make(map[string]bool, len(eventIDs))
	for start := 0; start < len(eventIDs); start += maxKeysPerGet {
		end := min(start+maxKeysPerGet, len(eventIDs))
		keys := make([]map[string]ddbtypes.AttributeValue, 0, end-start)
		for _, id := range eventIDs[start:end] {
			keys = append(keys, map[string]ddbtypes.AttributeValue{markerKeyAttr: dynamoitem.S(markerKey(id))})
		}
		request := map[string]ddbtypes.KeysAndAttributes{s.table: {
			Keys: keys, ConsistentRead: aws.Bool(true), ProjectionExpression: aws.String(markerKeyAttr),
		}}
		for attempt := 1; len(request) > 0; attempt++ {
			if attempt > markerAttempts {
				return nil, fmt.Errorf("read relay markers from %s: keys still unprocessed after %d attempts", s.table, markerAttempts)
			}
			out, err := s.api.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: request})
			if err != nil {
				return nil, fmt.Errorf("read relay markers from %s: %w", s.table, err)
			}
			for _, item := range out.Responses[s.table] {
				if pk, ok := item[markerKeyAttr].(*ddbtypes.AttributeValueMemberS); ok && len(pk.Value) > len(MarkerKeyPrefix) {
					found[pk.Value[len(MarkerKeyPrefix):]] = true
				}
			}
			request = out.UnprocessedKeys
			if len(request) > 0 {
				if err := s.backoff.Wait(ctx, attempt); err != nil {
					return nil, err
				}
			}
		}
	}
	return found, nil
}

// mark writes a marker for every event ID, expiring at expiresAt. Markers are unconditional
// puts: writing one twice is harmless.
func (s *markerStore) mark(ctx context.Context, eventIDs []string, publishedAt, expiresAt time.Time) error {
	for start := 0; start < len(eventIDs); start += maxItemsPerWrite {
		end := min(start+maxItemsPerWrite, len(eventIDs))
		writes := make([]ddbtypes.WriteRequest, 0, end-start)
		for _, id := range eventIDs[start:end] {
			writes = append(writes, ddbtypes.WriteRequest{PutRequest: &ddbtypes.PutRequest{Item: map[string]ddbtypes.AttributeValue{
				markerKeyAttr: dynamoitem.S(markerKey(id)),
				"kind":        dynamoitem.S("relay"),
				"eventId":     dynamoitem.S(id),
				"publishedAt": dynamoitem.S(dynamoitem.Time(publishedAt)),
				markerTTLAttr: dynamoitem.N(expiresAt.Unix()),
			}}})
		}
		request := map[string][]ddbtypes.WriteRequest{s.table: writes}
		for attempt := 1; len(request) > 0; attempt++ {
			if attempt > markerAttempts {
				return fmt.Errorf("write relay markers to %s: items still unprocessed after %d attempts", s.table, markerAttempts)
			}
			out, err := s.api.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: request})
			if err != nil {
				return fmt.Errorf("write relay markers to %s: %w", s.table, err)
			}
			request = out.UnprocessedItems
			if len(request) > 0 {
				if err := s.backoff.Wait(ctx, attempt); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
