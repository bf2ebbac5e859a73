package usernotices

import (
	"context"
	"errors"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"holdfast/shared/clinic/clinicstore"
	"holdfast/shared/lending/lendingstore"
	"holdfast/shared/notify/notifyqueue"
	"holdfast/shared/platform/lambdastart"
)

// Build is the notices function's build (LENDING_TABLE, CLINIC_TABLE, NOTIFY_INTAKE_QUEUE_URL).
func Build(_ context.Context, d *lambdastart.Deps) (lambdastart.Handler[lambdaevents.SQSEvent, lambdaevents.SQSEventResponse], error) {
	c := d.Config
	switch {
	case c.LendingTable == "":
		return nil, errors.New("LENDING_TABLE is not set")
	case c.ClinicTable == "":
		return nil, errors.New("CLINIC_TABLE is not set")
	case c.Notify.IntakeQueueURL == "":
		return nil, errors.New("NOTIFY_INTAKE_QUEUE_URL is not set")
	}
	db := dynamodb.NewFromConfig(d.AWS)
	h := &Handler{
		Contacts: lendingstore.NewProfileStore(db, c.LendingTable),
		Doctors:  clinicstore.New(db, c.ClinicTable),
		Notify:   notifyqueue.NewClient(sqs.NewFromConfig(d.AWS), c.Notify.IntakeQueueURL),
		Log:      d.Logger,
		Metrics:  d.Metrics,
	}
	return h.Handle, nil
}
