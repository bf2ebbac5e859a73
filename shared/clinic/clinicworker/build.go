package clinicworker

import (
	"context"
	"errors"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"holdfast/shared/clinic/clinicstore"
	"holdfast/shared/platform/lambdastart"
	"holdfast/shared/platform/wsconn"
)

// clinicTable is the clinic store over CLINIC_TABLE, which both workers need.
func clinicTable(d *lambdastart.Deps, db *dynamodb.Client) (*clinicstore.Store, error) {
	if d.Config.ClinicTable == "" {
		return nil, errors.New("CLINIC_TABLE is not set")
	}
	return clinicstore.New(db, d.Config.ClinicTable), nil
}

// BuildBroadcaster is the broadcaster function's build (CLINIC_TABLE, CONNECTIONS_TABLE, the
// @connections endpoint).
func BuildBroadcaster(_ context.Context, d *lambdastart.Deps) (lambdastart.Handler[lambdaevents.SQSEvent, lambdaevents.SQSEventResponse], error) {
	db := dynamodb.NewFromConfig(d.AWS)
	store, err := clinicTable(d, db)
	if err != nil {
		return nil, err
	}
	if d.Config.ConnectionsTable == "" {
		return nil, errors.New("CONNECTIONS_TABLE is not set")
	}
	conns := &wsconn.Store{DB: db, Table: d.Config.ConnectionsTable}
	b := &Broadcaster{Store: store, Connections: conns, Clock: d.Clock, Log: d.Logger, Metrics: d.Metrics,
		Poster: &wsconn.Sender{API: wsconn.NewManagementClient(d.AWS, d.Config.ConnectionsEndpoint(),
			func(o *apigatewaymanagementapi.Options) { o.RetryMaxAttempts = 1 }), Store: conns}}
	return b.Handle, nil
}

// BuildNoShow is the end-of-day job's build (CLINIC_TABLE).
func BuildNoShow(_ context.Context, d *lambdastart.Deps) (lambdastart.Handler[lambdaevents.CloudWatchEvent, NoShowResult], error) {
	store, err := clinicTable(d, dynamodb.NewFromConfig(d.AWS))
	if err != nil {
		return nil, err
	}
	j := &NoShowJob{Store: store, Clock: d.Clock, Calendar: d.Calendar, Log: d.Logger}
	return j.Handle, nil
}
