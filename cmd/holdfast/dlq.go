package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"holdfast/shared/notify"
	"holdfast/shared/notify/notifyqueue"
	"holdfast/shared/notify/notifystore"
	"holdfast/shared/platform/awsconfig"
	"holdfast/shared/platform/correlation"
)

// runDLQ is `holdfast dlq redrive`: it sends dead-lettered notification channels back to their
// queues, exactly as POST /api/v1/notifications/dead-letters/redrive does, against whatever
// endpoint the SDK is given (AWS, or the local cloud's emulator via AWS_ENDPOINT_URL).
func runDLQ(args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "redrive" {
		return errors.New("dlq: usage: holdfast dlq redrive [--stage S] [--notification ID] [--tenant T] [--channel C] [--limit N]")
	}
	fs := flag.NewFlagSet("dlq redrive", flag.ContinueOnError)
	stage := fs.String("stage", "local", "the template's Stage (names are holdfast-<stage>-…)")
	table := fs.String("table", "", "notify table (default holdfast-<stage>-notify)")
	id := fs.String("notification", "", "only this notification")
	tenant := fs.String("tenant", "", "only this tenant")
	channel := fs.String("channel", "", "only this channel (EMAIL, SMS, PUSH)")
	limit := fs.Int("limit", 100, "at most this many channels (1..500)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	f := notifyqueue.RedriveFilter{NotificationID: *id, Tenant: *tenant, Limit: *limit}
	if *id != "" && !notify.ValidNotificationID(*id) {
		return fmt.Errorf("dlq: %q is not a notification ID", *id)
	}
	if *limit < 1 || *limit > 500 {
		return errors.New("dlq: --limit must be 1..500")
	}
	if *channel != "" {
		c, err := notify.ParseChannel(strings.ToUpper(*channel))
		if err != nil {
			return fmt.Errorf("dlq: %w", err)
		}
		f.Channel = c
	}
	if *table == "" {
		*table = "holdfast-" + *stage + "-notify"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cfg, err := awsconfig.Load(ctx)
	if err != nil {
		return err
	}
	q := sqs.NewFromConfig(cfg)
	urls := map[notify.Channel]string{}
	for _, c := range notify.AllChannels() {
		name := "holdfast-" + *stage + "-notify-" + strings.ToLower(string(c)) + ".fifo"
		u, err := q.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
		if err != nil {
			return fmt.Errorf("dlq: queue %s: %w", name, err)
		}
		urls[c] = aws.ToString(u.QueueUrl)
	}
	rd := &notifyqueue.Redriver{Store: notifystore.New(dynamodb.NewFromConfig(cfg), *table),
		Queues: &notifyqueue.Queues{SQS: q, URLs: urls}, Now: time.Now}
	done, err := rd.Redrive(ctx, f, correlation.New())
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	if encErr := enc.Encode(map[string]any{"count": len(done), "redriven": done}); encErr != nil {
		return encErr
	}
	return err
}
