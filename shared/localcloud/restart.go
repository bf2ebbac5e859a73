package localcloud

import (
	"context"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"holdfast/shared/localcloud/stack"
	"holdfast/shared/platform/events"
)

// forgetPublished runs when kept DynamoDB data meets a new event bus and new queues (moto keeps
// nothing across a restart): an event the relay published before the stop may never have been
// consumed, and its dedup marker would stop the relay from publishing it again when the stream
// mapping re-reads the kept stream. Deleting the markers makes the re-read republish every event
// the stream still holds; every consumer is idempotent for exactly such redeliveries. On AWS the
// bus and queues are durable and this never happens.
func forgetPublished(ctx context.Context, db *dynamodb.Client, d *stack.Deployment) (int, error) {
	tables := map[string]bool{}
	for _, m := range d.Streams {
		if fn := d.Functions[m.Function]; fn != nil && fn.Env["IDEMPOTENCY_TABLE"] != "" {
			tables[fn.Env["IDEMPOTENCY_TABLE"]] = true
		}
	}
	names := make([]string, 0, len(tables))
	for t := range tables {
		names = append(names, t)
	}
	sort.Strings(names)
	deleted := 0
	for _, table := range names {
		p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(table),
			FilterExpression:          aws.String("begins_with(pk, :relay)"),
			ProjectionExpression:      aws.String("pk"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":relay": &types.AttributeValueMemberS{Value: events.MarkerKeyPrefix}}})
		var keys []map[string]types.AttributeValue
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return deleted, fmt.Errorf("scan %s for relay markers: %w", table, err)
			}
			for _, it := range page.Items {
				if s, ok := it["pk"].(*types.AttributeValueMemberS); ok { // the filter matched the prefix
					keys = append(keys, map[string]types.AttributeValue{"pk": s})
				}
			}
		}
		for start := 0; start < len(keys); start += 25 {
			var reqs []types.WriteRequest
			for _, k := range keys[start:min(start+25, len(keys))] {
				reqs = append(reqs, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: k}})
			}
			out, err := db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: reqs}})
			if err != nil {
				return deleted, fmt.Errorf("delete relay markers in %s: %w", table, err)
			}
			if n := len(out.UnprocessedItems[table]); n > 0 {
				return deleted, fmt.Errorf("delete relay markers in %s: %d unprocessed", table, n)
			}
			deleted += len(reqs)
		}
	}
	return deleted, nil
}
