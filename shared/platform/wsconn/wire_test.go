package wsconn

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"holdfast/shared/platform/config"
	"holdfast/shared/platform/lambdastart"
)

func deps(c config.Config) *lambdastart.Deps {
	return lambdastart.NewDeps(c, aws.Config{Region: "us-east-1"}, io.Discard)
}

func TestBuildAuthorizerNamesEveryUnsetVariable(t *testing.T) {
	_, err := BuildAuthorizer(context.Background(), deps(config.Config{}))
	for _, k := range []string{"JWT_ISSUER", "JWT_AUDIENCE", "JWKS_URL"} {
		if err == nil || !strings.Contains(err.Error(), k+" is not set") {
			t.Errorf("%s: %v", k, err)
		}
	}
	h, err := BuildAuthorizer(context.Background(), deps(config.Config{JWTIssuer: "https://iss", JWTAudience: "holdfast", JWKSURL: "https://iss/jwks"}))
	if err != nil || h == nil {
		t.Fatalf("%v", err)
	}
}

func TestHandlersPostWhereTheConfigSays(t *testing.T) {
	if _, err := NewHandlers(context.Background(), deps(config.Config{})); err == nil || !strings.Contains(err.Error(), "CONNECTIONS_TABLE") {
		t.Fatalf("no table: %v", err)
	}
	for _, c := range []struct{ stage, override, want string }{
		{"https://ws.example/prod", "", "https://ws.example/prod"},
		{"https://ws.example/prod", "http://127.0.0.1:3001", "http://127.0.0.1:3001"},
	} {
		h, err := NewHandlers(context.Background(), deps(config.Config{ConnectionsTable: "c", WebSocketEndpoint: c.stage, ManagementEndpoint: c.override}))
		if err != nil {
			t.Fatal(err)
		}
		if got := aws.ToString(h.Sender.API.Options().BaseEndpoint); got != c.want || h.Store.Table != "c" {
			t.Errorf("stage %q override %q: endpoint %q, want %q", c.stage, c.override, got, c.want)
		}
	}
}
