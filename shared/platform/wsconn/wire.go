package wsconn

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-lambda-go/events"

	"holdfast/shared/platform/jwtauth"
	"holdfast/shared/platform/lambdastart"
)

// NewHandlers wires the $connect/$disconnect/$default and sweep handlers from the function's
// dependencies (CONNECTIONS_TABLE; the @connections endpoint from WEBSOCKET_ENDPOINT).
func NewHandlers(_ context.Context, d *lambdastart.Deps) (*Handlers, error) {
	if d.Config.ConnectionsTable == "" {
		return nil, errors.New("CONNECTIONS_TABLE is not set")
	}
	store := &Store{DB: dynamodbClient(d.AWS), Table: d.Config.ConnectionsTable}
	return &Handlers{
		Store:  store,
		Sender: &Sender{API: NewManagementClient(d.AWS, d.Config.ConnectionsEndpoint()), Store: store},
		Now:    d.Clock.Now,
		Log:    d.Logger,
	}, nil
}

// Build is a WebSocket route's (or the sweep schedule's) build; pick names its handler:
//
//	func main() { lambdastart.Start(wsconn.Build((*wsconn.Handlers).Connect)) }
func Build[E, R any](pick func(*Handlers, context.Context, E) (R, error)) lambdastart.Build[E, R] {
	return lambdastart.Method(NewHandlers, pick)
}

// BuildAuthorizer is the $connect authorizer's build (JWT_ISSUER, JWT_AUDIENCE, JWKS_URL,
// ROLES_CLAIM).
func BuildAuthorizer(_ context.Context, d *lambdastart.Deps) (lambdastart.Handler[events.APIGatewayCustomAuthorizerRequestTypeRequest, events.APIGatewayCustomAuthorizerResponse], error) {
	c := d.Config
	var unset []error
	for _, v := range []struct{ name, value string }{{"JWT_ISSUER", c.JWTIssuer}, {"JWT_AUDIENCE", c.JWTAudience}, {"JWKS_URL", c.JWKSURL}} {
		if v.value == "" {
			unset = append(unset, fmt.Errorf("%s is not set", v.name))
		}
	}
	if err := errors.Join(unset...); err != nil {
		return nil, err
	}
	a := &Authorizer{
		Verifier:   &jwtauth.Verifier{Issuer: c.JWTIssuer, Audience: c.JWTAudience, Keys: &jwtauth.RemoteKeys{URL: c.JWKSURL}},
		RolesClaim: c.RolesClaim,
		Log:        d.Logger,
	}
	return a.Handle, nil
}
