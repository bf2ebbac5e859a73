package notifyqueue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"holdfast/shared/notify"
)

// CorrelationAttribute is the SQS message attribute carrying the correlation ID.
const CorrelationAttribute = "correlationId"

// Queues sends channel messages to the per-channel FIFO queues.
type Queues struct {
	SQS  *sqs.Client
	URLs map[notify.Channel]string
}

// Send enqueues each message on its channel's queue, the channels in parallel (each
// channel's queue gets at most one message per call, so per-channel order is the caller's).
func (q *Queues) Send(ctx context.Context, correlationID string, msgs ...notify.Message) error {
	var wg sync.WaitGroup
	errs := make([]error, len(msgs))
	for i, m := range msgs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = q.send(ctx, correlationID, m)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (q *Queues) send(ctx context.Context, correlationID string, m notify.Message) error {
	url := q.URLs[m.Channel]
	if url == "" {
		return fmt.Errorf("no queue for channel %s", m.Channel)
	}
	body, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode message: %w", err)
	}
	in := &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(string(body)),
		MessageGroupId: aws.String(m.GroupID()), MessageDeduplicationId: aws.String(m.DeduplicationID())}
	if correlationID != "" {
		in.MessageAttributes = map[string]sqstypes.MessageAttributeValue{
			CorrelationAttribute: {DataType: aws.String("String"), StringValue: aws.String(correlationID)}}
	}
	if _, err := q.SQS.SendMessage(ctx, in); err != nil {
		return fmt.Errorf("enqueue %s: %w", m.Channel, err)
	}
	return nil
}
