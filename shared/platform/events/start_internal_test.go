package events

import (
	"context"
	"strings"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"holdfast/shared/localcloud/emulator/emulatortest"
)

func TestRelayFromOSReadsTheFunctionEnvironment(t *testing.T) {
	e := emulatortest.Get(t)
	for k, v := range e.Env() {
		t.Setenv(k, v)
	}
	noEvents := func(lambdaevents.DynamoDBEventRecord) ([]Envelope, error) { return nil, nil }
	t.Setenv("EVENT_BUS_NAME", "bus")
	t.Setenv("IDEMPOTENCY_TABLE", "idem")
	r, err := relayFromOS(context.Background(), noEvents)
	if err != nil || r == nil {
		t.Fatalf("relayFromOS: %v", err)
	}
	t.Setenv("IDEMPOTENCY_TABLE", "")
	if _, err := relayFromOS(context.Background(), noEvents); err == nil || !strings.Contains(err.Error(), "IDEMPOTENCY_TABLE") {
		t.Fatalf("missing table: %v", err)
	}
	t.Setenv("IDEMPOTENCY_TABLE", "idem")
	t.Setenv("HOLDFAST_MODE", "sideways")
	if _, err := relayFromOS(context.Background(), noEvents); err == nil || !strings.Contains(err.Error(), "HOLDFAST_MODE") {
		t.Fatalf("bad environment: %v", err)
	}
}
