package clinicworker

import (
	"context"
	"errors"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"holdfast/shared/clinic/clinicstore"
	"holdfast/shared/platform/awsconfig"
	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/config"
	"holdfast/shared/platform/logging"
	"holdfast/shared/platform/metrics"
	"holdfast/shared/platform/wsconn"
)

func fail(err error) {
	logging.New(os.Stderr, slog.LevelInfo, os.Getenv("AWS_LAMBDA_FUNCTION_NAME")).Error("function cannot start", "err", err)
	os.Exit(1)
}

type env struct {
	cfg   config.Config
	db    *dynamodb.Client
	store *clinicstore.Store
	log   *slog.Logger
	clk   clock.Clock
}

func load(ctx context.Context) (*env, error) {
	cfg, err := config.FromOS()
	if err != nil {
		return nil, err
	}
	if cfg.ClinicTable == "" {
		return nil, errors.New("CLINIC_TABLE is not set")
	}
	awsCfg, err := awsconfig.Load(ctx)
	if err != nil {
		return nil, err
	}
	db := dynamodb.NewFromConfig(awsCfg)
	return &env{cfg: cfg, db: db, store: clinicstore.New(db, cfg.ClinicTable),
		log: logging.New(os.Stdout, cfg.LogLevel, cfg.FunctionName), clk: clock.ForMode(cfg.Mode)}, nil
}

// StartBroadcaster is the broadcaster function's whole main.
func StartBroadcaster() {
	ctx := context.Background()
	e, err := load(ctx)
	if err != nil {
		fail(err)
	}
	if e.cfg.ConnectionsTable == "" {
		fail(errors.New("CONNECTIONS_TABLE is not set"))
	}
	awsCfg, err := awsconfig.Load(ctx)
	if err != nil {
		fail(err)
	}
	conns := &wsconn.Store{DB: e.db, Table: e.cfg.ConnectionsTable}
	b := &Broadcaster{Store: e.store, Connections: conns, Clock: e.clk, Log: e.log,
		Poster: &wsconn.Sender{API: wsconn.NewManagementClient(awsCfg, e.cfg.ConnectionsEndpoint(),
			func(o *apigatewaymanagementapi.Options) { o.RetryMaxAttempts = 1 }), Store: conns},
		Metrics: metrics.New(os.Stdout, metrics.Namespace, map[string]string{"function": e.cfg.FunctionName})}
	lambda.Start(b.Handle)
}

// StartNoShow is the end-of-day job's whole main.
func StartNoShow() {
	e, err := load(context.Background())
	if err != nil {
		fail(err)
	}
	j := &NoShowJob{Store: e.store, Clock: e.clk, Calendar: clock.NewCalendar(e.cfg.BusinessTimezone), Log: e.log}
	lambda.Start(j.Handle)
}
