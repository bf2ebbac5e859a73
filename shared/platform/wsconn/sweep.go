package wsconn

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"holdfast/shared/platform/dynamoitem"
)

// SweepResult is what one sweep did.
type SweepResult struct {
	AsOf    string `json:"asOf"`
	Removed int    `json:"removed"`
}

// Sweep deletes connection records whose expiry has passed. DynamoDB TTL deletes them too,
// but only eventually (up to days later), so a scheduled sweep keeps broadcasts from fanning
// out to dead sockets. It is a background job, never on a request path; the table is small
// (one item per open socket), so a filtered Scan is the right tool here.
func (s *Store) Sweep(ctx context.Context, now time.Time) (int, error) {
	removed := 0
	p := dynamodb.NewScanPaginator(s.DB, &dynamodb.ScanInput{
		TableName:                 &s.Table,
		FilterExpression:          aws.String("expiresAt <= :now"),
		ProjectionExpression:      aws.String("pk, sk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": dynamoitem.N(now.Unix())},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return removed, fmt.Errorf("scan connections: %w", err)
		}
		for _, it := range page.Items {
			// Conditional: a socket that reconnected with the same id and a fresh expiry stays.
			_, err := s.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.Table,
				Key:                       map[string]types.AttributeValue{"pk": it["pk"], "sk": it["sk"]},
				ConditionExpression:       aws.String("expiresAt <= :now"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":now": dynamoitem.N(now.Unix())},
			})
			var cond *types.ConditionalCheckFailedException
			switch {
			case err == nil:
				removed++
			case errors.As(err, &cond):
			default:
				return removed, fmt.Errorf("delete expired connection: %w", err)
			}
		}
	}
	return removed, nil
}

// SweepJob is the scheduled function: it sweeps as of the schedule's time.
func (h *Handlers) SweepJob(ctx context.Context, ev events.CloudWatchEvent) (SweepResult, error) {
	now := h.Now(ctx)
	n, err := h.Store.Sweep(ctx, now)
	if err != nil {
		return SweepResult{}, err
	}
	h.Log.InfoContext(ctx, "swept expired connections", "removed", n, "asOf", now)
	return SweepResult{AsOf: dynamoitem.Time(now), Removed: n}, nil
}
