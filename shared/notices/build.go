package notices

import (
	"context"
	"errors"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"holdfast/shared/clinic/clinicstore"
	"holdfast/shared/lending/lendingstore"
	"holdfast/shared/notify/notifyqueue"
	"holdfast/shared/platform/awsconfig"
	"holdfast/shared/platform/config"
	"holdfast/shared/platform/logging"
	"holdfast/shared/platform/metrics"
)

// Start is the notices function's whole main.
func Start() {
	h, err := fromEnvironment(context.Background())
	if err != nil {
		logging.New(os.Stderr, slog.LevelInfo, os.Getenv("AWS_LAMBDA_FUNCTION_NAME")).Error("function cannot start", "err", err)
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}

func fromEnvironment(ctx context.Context) (*Handler, error) {
	cfg, err := config.FromOS()
	if err != nil {
		return nil, err
	}
	intake := os.Getenv("NOTIFY_INTAKE_QUEUE_URL")
	switch {
	case cfg.LendingTable == "":
		return nil, errors.New("LENDING_TABLE is not set")
	case cfg.ClinicTable == "":
		return nil, errors.New("CLINIC_TABLE is not set")
	case intake == "":
		return nil, errors.New("NOTIFY_INTAKE_QUEUE_URL is not set")
	}
	awsCfg, err := awsconfig.Load(ctx)
	if err != nil {
		return nil, err
	}
	db := dynamodb.NewFromConfig(awsCfg)
	return &Handler{
		Contacts: lendingstore.NewProfileStore(db, cfg.LendingTable),
		Doctors:  clinicstore.New(db, cfg.ClinicTable),
		Notify:   notifyqueue.NewClient(sqs.NewFromConfig(awsCfg), intake),
		Log:      logging.New(os.Stdout, cfg.LogLevel, cfg.FunctionName),
		Metrics:  metrics.New(os.Stdout, metrics.Namespace, map[string]string{"function": cfg.FunctionName}),
	}, nil
}
