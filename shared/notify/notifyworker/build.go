package notifyworker

import (
	"context"
	"fmt"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"holdfast/shared/notify"
	"holdfast/shared/notify/clientcache"
	"holdfast/shared/notify/notifyqueue"
	"holdfast/shared/notify/notifystore"
	"holdfast/shared/notify/provider"
	"holdfast/shared/platform/lambdastart"
)

// sqsHandler is the shape of every notify worker.
type sqsHandler = lambdastart.Handler[lambdaevents.SQSEvent, lambdaevents.SQSEventResponse]

// NewWorker builds the channel worker.
func NewWorker(d *lambdastart.Deps, c notify.Channel) (*Worker, error) {
	env := notifyqueue.EnvOf(d.Config)
	if err := env.Require(true, false); err != nil {
		return nil, err
	}
	if env.QueueURLs[c] == "" {
		return nil, fmt.Errorf("NOTIFY_%s_QUEUE_URL is not set", c)
	}
	store := notifystore.New(dynamodb.NewFromConfig(d.AWS), env.Table)
	ctxClock := d.Clock
	senders := &Senders{Channel: c, Store: store, Secrets: notifystore.NewSecrets(secretsmanager.NewFromConfig(d.AWS), env.SecretPrefix),
		Env: env, HTTP: provider.NewHTTPClient(provider.DefaultTimeout),
		Now:   func() time.Time { return ctxClock.Now(context.Background()) },
		Cache: clientcache.New[ChannelSender](clientcache.DefaultMax, clientcache.DefaultIdle, nil)}
	return &Worker{Channel: c, Store: store, Senders: senders, SQS: sqs.NewFromConfig(d.AWS), QueueURL: env.QueueURLs[c],
		Clock: d.Clock, Log: d.Logger, Metrics: d.Metrics, RetryDelay: env.RetryDelay}, nil
}

// BuildChannel is a channel worker's build:
//
//	func main() { lambdastart.Start(notifyworker.BuildChannel(notify.Email)) }
func BuildChannel(c notify.Channel) lambdastart.Build[lambdaevents.SQSEvent, lambdaevents.SQSEventResponse] {
	return func(_ context.Context, d *lambdastart.Deps) (sqsHandler, error) {
		w, err := NewWorker(d, c)
		if err != nil {
			return nil, err
		}
		return w.Handle, nil
	}
}

// BuildDeadLetters is the dead-letter worker's build.
func BuildDeadLetters(_ context.Context, d *lambdastart.Deps) (sqsHandler, error) {
	env := notifyqueue.EnvOf(d.Config)
	if err := env.Require(true, false); err != nil {
		return nil, err
	}
	dl := &DeadLetters{Store: notifystore.New(dynamodb.NewFromConfig(d.AWS), env.Table), Clock: d.Clock, Log: d.Logger}
	return dl.Handle, nil
}

// NewIntake builds the intake worker.
func NewIntake(d *lambdastart.Deps) (*Intake, error) {
	env := notifyqueue.EnvOf(d.Config)
	if err := env.Require(true, true); err != nil {
		return nil, err
	}
	acc := &notifyqueue.Acceptor{Store: notifystore.New(dynamodb.NewFromConfig(d.AWS), env.Table),
		Queues: &notifyqueue.Queues{SQS: sqs.NewFromConfig(d.AWS), URLs: env.QueueURLs}, Env: env}
	return &Intake{Acceptor: acc, Clock: d.Clock, Log: d.Logger}, nil
}

// BuildIntake is the intake worker's build.
func BuildIntake(_ context.Context, d *lambdastart.Deps) (sqsHandler, error) {
	in, err := NewIntake(d)
	if err != nil {
		return nil, err
	}
	return in.Handle, nil
}
