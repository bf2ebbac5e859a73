package notifyqueue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"holdfast/shared/notify"
	"holdfast/shared/platform/correlation"
)

// Client is the internal enqueue path for the platform's own messages (lending: EMI
// reminders, disbursal and overdue notices; clinic: booking confirmations, "you are next").
// Messages go to the notify intake queue and are accepted under the platform tenant by the
// notify-intake worker, exactly as POST /api/v1/notify accepts a tenant's request. Use it as
//
//	nc := notifyqueue.NewClient(sqs.NewFromConfig(d.AWS), d.Config.Notify.IntakeQueueURL)
//	id, err := nc.Enqueue(ctx, "emi-reminder:"+loanID+":"+installmentNo+":"+day, notify.Request{
//		NotificationType: notify.TypeSMS, Phone: phone, Body: "Your EMI of ₹8,884.88 is due on 5 May."})
//
// The key makes the message idempotent: the same key always names the same notification, so
// a job that runs twice notifies once. The function needs sqs:SendMessage on
// NotifyIntakeQueue (template.yaml) and NOTIFY_INTAKE_QUEUE_URL (a global variable).
type Client struct {
	sqs *sqs.Client
	url string
}

// NewClient returns a client sending to the intake queue at url.
func NewClient(c *sqs.Client, url string) *Client { return &Client{sqs: c, url: url} }

// Enqueue validates the request (a problem naming the bad fields when it is not valid) and
// sends it to the intake queue; it returns the notification ID the message will have.
func (c *Client) Enqueue(ctx context.Context, key string, req notify.Request) (string, error) {
	if key == "" || len(key) > notify.MaxIdempotency {
		return "", errors.New("notify: the idempotency key must be 1..255 characters")
	}
	if _, err := req.Validate(); err != nil {
		return "", err
	}
	if c.url == "" {
		return "", errors.New("notify: NOTIFY_INTAKE_QUEUE_URL is not set")
	}
	body, err := json.Marshal(notify.IntakeMessage{IdempotencyKey: key, Request: req})
	if err != nil {
		return "", fmt.Errorf("notify: encode: %w", err)
	}
	in := &sqs.SendMessageInput{QueueUrl: aws.String(c.url), MessageBody: aws.String(string(body))}
	if id := correlation.FromContext(ctx); id != "" {
		in.MessageAttributes = map[string]sqstypes.MessageAttributeValue{
			CorrelationAttribute: {DataType: aws.String("String"), StringValue: aws.String(id)}}
	}
	if _, err := c.sqs.SendMessage(ctx, in); err != nil {
		return "", fmt.Errorf("notify: enqueue: %w", err)
	}
	return notify.NotificationID(notify.PlatformTenant, key), nil
}
