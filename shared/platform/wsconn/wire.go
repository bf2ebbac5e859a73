package wsconn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"

	"holdfast/shared/platform/awsconfig"
	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/jwtauth"
	"holdfast/shared/platform/logging"
)

func logger() *slog.Logger {
	level := slog.LevelInfo
	_ = level.UnmarshalText([]byte(os.Getenv("LOG_LEVEL")))
	return logging.New(os.Stdout, level, os.Getenv("AWS_LAMBDA_FUNCTION_NAME"))
}

// HandlersFromEnv wires the $connect/$disconnect/$default handlers from the function's
// environment (CONNECTIONS_TABLE, WEBSOCKET_ENDPOINT, HOLDFAST_MODE).
func HandlersFromEnv(ctx context.Context) (*Handlers, error) {
	cfg, err := awsconfig.Load(ctx)
	if err != nil {
		return nil, err
	}
	table := os.Getenv("CONNECTIONS_TABLE")
	if table == "" {
		return nil, errors.New("CONNECTIONS_TABLE is not set")
	}
	clk, err := clock.FromEnv(os.Getenv)
	if err != nil {
		return nil, err
	}
	store := &Store{DB: dynamodbClient(cfg), Table: table}
	return &Handlers{
		Store:  store,
		Sender: &Sender{API: NewManagementClient(cfg, os.Getenv("WEBSOCKET_ENDPOINT")), Store: store},
		Now:    clk.Now,
		Log:    logger(),
	}, nil
}

// AuthorizerFromEnv wires the $connect authorizer (JWT_ISSUER, JWT_AUDIENCE, JWKS_URL, ROLES_CLAIM).
func AuthorizerFromEnv() (*Authorizer, error) {
	iss, aud, jwks := os.Getenv("JWT_ISSUER"), os.Getenv("JWT_AUDIENCE"), os.Getenv("JWKS_URL")
	var missing []string
	for k, v := range map[string]string{"JWT_ISSUER": iss, "JWT_AUDIENCE": aud, "JWKS_URL": jwks} {
		if v == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("not set: %s", strings.Join(missing, ", "))
	}
	claim := os.Getenv("ROLES_CLAIM")
	if claim == "" {
		claim = "roles"
	}
	return &Authorizer{
		Verifier:   &jwtauth.Verifier{Issuer: iss, Audience: aud, Keys: &jwtauth.RemoteKeys{URL: jwks}},
		RolesClaim: claim,
		Log:        logger(),
	}, nil
}

// Start runs a WebSocket or schedule function: pick chooses the handler from the wired
// Handlers. A function that cannot be wired logs why and exits before taking traffic.
func Start(pick func(*Handlers) any) {
	h, err := HandlersFromEnv(context.Background())
	if err != nil {
		slog.Error("init", "error", err)
		os.Exit(1)
	}
	lambda.Start(pick(h))
}

// StartAuthorizer runs the $connect authorizer function.
func StartAuthorizer() {
	a, err := AuthorizerFromEnv()
	if err != nil {
		slog.Error("init", "error", err)
		os.Exit(1)
	}
	lambda.Start(a.Handle)
}
