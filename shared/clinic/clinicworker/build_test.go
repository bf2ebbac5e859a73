package clinicworker_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"holdfast/shared/clinic/clinicworker"
	"holdfast/shared/platform/config"
	"holdfast/shared/platform/lambdastart"
)

func TestBuildsNameTheTableTheyLack(t *testing.T) {
	deps := func(c config.Config) *lambdastart.Deps {
		return lambdastart.NewDeps(c, aws.Config{Region: "us-east-1"}, io.Discard)
	}
	ctx := context.Background()
	if _, err := clinicworker.BuildNoShow(ctx, deps(config.Config{})); err == nil || !strings.Contains(err.Error(), "CLINIC_TABLE is not set") {
		t.Fatalf("no-show: %v", err)
	}
	if _, err := clinicworker.BuildBroadcaster(ctx, deps(config.Config{ClinicTable: "clinic"})); err == nil || !strings.Contains(err.Error(), "CONNECTIONS_TABLE is not set") {
		t.Fatalf("broadcaster: %v", err)
	}
	full := config.Config{ClinicTable: "clinic", ConnectionsTable: "connections", WebSocketEndpoint: "https://ws.example/prod"}
	if h, err := clinicworker.BuildBroadcaster(ctx, deps(full)); err != nil || h == nil {
		t.Fatalf("broadcaster: %v", err)
	}
	if h, err := clinicworker.BuildNoShow(ctx, deps(full)); err != nil || h == nil {
		t.Fatalf("no-show: %v", err)
	}
}
