package events

import (
	"context"
	"io"
	"strings"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"holdfast/shared/localcloud/emulator/emulatortest"
	"holdfast/shared/platform/config"
	"holdfast/shared/platform/lambdastart"
)

func TestBuildRelayNeedsTheBusAndTheMarkerTable(t *testing.T) {
	awsCfg := emulatortest.Config(t)
	noEvents := func(lambdaevents.DynamoDBEventRecord) ([]Envelope, error) { return nil, nil }
	build := BuildRelay(noEvents)
	h, err := build(context.Background(), lambdastart.NewDeps(config.Config{EventBusName: "bus", IdempotencyTable: "idem"}, awsCfg, io.Discard))
	if err != nil || h == nil {
		t.Fatalf("BuildRelay: %v", err)
	}
	if _, err := build(context.Background(), lambdastart.NewDeps(config.Config{EventBusName: "bus"}, awsCfg, io.Discard)); err == nil ||
		!strings.Contains(err.Error(), "IDEMPOTENCY_TABLE is not set") {
		t.Fatalf("missing table: %v", err)
	}
}
