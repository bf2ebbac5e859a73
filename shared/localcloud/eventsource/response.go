package eventsource

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// batchResponse is the partial batch response a function returns when its event source mapping
// has FunctionResponseTypes [ReportBatchItemFailures] (events.SQSEventResponse and
// events.DynamoDBEventResponse in aws-lambda-go).
type batchResponse struct {
	BatchItemFailures []map[string]json.RawMessage `json:"batchItemFailures"`
}

// batchFailures reads a partial batch response the way Lambda does. It returns the identifiers
// reported as failed, or an error when Lambda would treat the whole batch as failed: a response
// that is not JSON (or not an object), or an item whose itemIdentifier is missing, null, empty or
// not in the batch. An empty or null response, or an empty or null batchItemFailures, is complete
// success.
func batchFailures(payload []byte, inBatch func(id string) bool) ([]string, error) {
	trimmed := bytes.TrimSpace(payload)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
		return nil, nil
	}
	if trimmed[0] != '{' {
		return nil, fmt.Errorf("partial batch response is not a JSON object: %.100s", trimmed)
	}
	var resp batchResponse
	if err := json.Unmarshal(trimmed, &resp); err != nil {
		return nil, fmt.Errorf("partial batch response: %w", err)
	}
	failed := make([]string, 0, len(resp.BatchItemFailures))
	for i, item := range resp.BatchItemFailures {
		raw, ok := item["itemIdentifier"]
		if !ok {
			return nil, fmt.Errorf("batchItemFailures[%d] has no itemIdentifier", i)
		}
		var id *string
		if err := json.Unmarshal(raw, &id); err != nil || id == nil || *id == "" {
			return nil, fmt.Errorf("batchItemFailures[%d].itemIdentifier is null, empty or not a string", i)
		}
		if !inBatch(*id) {
			return nil, fmt.Errorf("batchItemFailures[%d].itemIdentifier %q is not in the batch", i, *id)
		}
		failed = append(failed, *id)
	}
	return failed, nil
}
