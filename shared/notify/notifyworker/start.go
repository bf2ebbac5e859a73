package notifyworker

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"holdfast/shared/notify"
	"holdfast/shared/notify/clientcache"
	"holdfast/shared/notify/notifyqueue"
	"holdfast/shared/notify/notifystore"
	"holdfast/shared/notify/provider"
	"holdfast/shared/platform/awsconfig"
	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/config"
	"holdfast/shared/platform/logging"
	"holdfast/shared/platform/metrics"
)

// Deps is what the workers are built from.
type Deps struct {
	Config  config.Config
	Env     notifyqueue.Env
	AWS     aws.Config
	Clock   clock.Clock
	Log     *slog.Logger
	Metrics *metrics.Emitter
}

func fromOS() (Deps, error) {
	cfg, err := config.FromOS()
	if err != nil {
		return Deps{}, err
	}
	awsCfg, err := awsconfig.Load(context.Background())
	if err != nil {
		return Deps{}, err
	}
	return Deps{Config: cfg, Env: notifyqueue.EnvFromOS(), AWS: awsCfg, Clock: clock.ForMode(cfg.Mode),
		Log:     logging.New(os.Stdout, cfg.LogLevel, cfg.FunctionName),
		Metrics: metrics.New(os.Stdout, metrics.Namespace, map[string]string{"function": cfg.FunctionName})}, nil
}

// NewWorker builds the channel worker.
func NewWorker(d Deps, c notify.Channel) (*Worker, error) {
	if err := d.Env.Require(true, false); err != nil {
		return nil, err
	}
	if d.Env.QueueURLs[c] == "" {
		return nil, fmt.Errorf("NOTIFY_%s_QUEUE_URL is not set", c)
	}
	store := notifystore.New(dynamodb.NewFromConfig(d.AWS), d.Env.Table)
	ctxClock := d.Clock
	senders := &Senders{Channel: c, Store: store, Secrets: notifystore.NewSecrets(secretsmanager.NewFromConfig(d.AWS), d.Env.SecretPrefix),
		Env: d.Env, HTTP: provider.NewHTTPClient(provider.DefaultTimeout),
		Now:   func() time.Time { return ctxClock.Now(context.Background()) },
		Cache: clientcache.New[ChannelSender](clientcache.DefaultMax, clientcache.DefaultIdle, nil)}
	return &Worker{Channel: c, Store: store, Senders: senders, SQS: sqs.NewFromConfig(d.AWS), QueueURL: d.Env.QueueURLs[c],
		Clock: d.Clock, Log: d.Log, Metrics: d.Metrics, RetryDelay: d.Env.RetryDelay}, nil
}

func exit(err error) {
	logging.New(os.Stderr, slog.LevelInfo, os.Getenv("AWS_LAMBDA_FUNCTION_NAME")).Error("function cannot start", "err", err)
	os.Exit(1)
}

// StartChannel is a channel worker's whole main.
func StartChannel(c notify.Channel) {
	d, err := fromOS()
	if err != nil {
		exit(err)
	}
	w, err := NewWorker(d, c)
	if err != nil {
		exit(err)
	}
	lambda.Start(w.Handle)
}

// StartDeadLetters is the dead-letter worker's whole main.
func StartDeadLetters() {
	d, err := fromOS()
	if err != nil {
		exit(err)
	}
	if err := d.Env.Require(true, false); err != nil {
		exit(err)
	}
	dl := &DeadLetters{Store: notifystore.New(dynamodb.NewFromConfig(d.AWS), d.Env.Table), Clock: d.Clock, Log: d.Log}
	lambda.Start(dl.Handle)
}

// NewIntake builds the intake worker.
func NewIntake(d Deps) (*Intake, error) {
	if err := d.Env.Require(true, true); err != nil {
		return nil, err
	}
	acc := &notifyqueue.Acceptor{Store: notifystore.New(dynamodb.NewFromConfig(d.AWS), d.Env.Table),
		Queues: &notifyqueue.Queues{SQS: sqs.NewFromConfig(d.AWS), URLs: d.Env.QueueURLs}, Env: d.Env}
	return &Intake{Acceptor: acc, Clock: d.Clock, Log: d.Log}, nil
}

// StartIntake is the intake worker's whole main.
func StartIntake() {
	d, err := fromOS()
	if err != nil {
		exit(err)
	}
	in, err := NewIntake(d)
	if err != nil {
		exit(err)
	}
	lambda.Start(in.Handle)
}
