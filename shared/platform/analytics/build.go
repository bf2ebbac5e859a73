package analytics

import (
	"context"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"holdfast/shared/platform/lambdastart"
)

// BuildSink is the analytics-sink function's build.
func BuildSink(_ context.Context, d *lambdastart.Deps) (lambdastart.Handler[lambdaevents.SQSEvent, lambdaevents.SQSEventResponse], error) {
	s := &Sink{Metrics: d.Metrics, Log: d.Logger}
	return s.Handle, nil
}
