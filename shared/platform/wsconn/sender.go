package wsconn

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"
)

// NewManagementClient builds the @connections client at endpoint, which the caller takes from
// config.Config.ConnectionsEndpoint: the API's stage URL (WEBSOCKET_ENDPOINT from the template)
// unless the SDK's own per-service override AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI is set,
// which then wins as it does for every other service: the function has no local-only branch,
// only the SDK's precedence.
//
// optFns adjust the client further (the broadcaster turns the SDK's own retries off: it retries
// within its time budget itself).
func NewManagementClient(cfg aws.Config, endpoint string, optFns ...func(*apigatewaymanagementapi.Options)) *apigatewaymanagementapi.Client {
	return apigatewaymanagementapi.NewFromConfig(cfg, append([]func(*apigatewaymanagementapi.Options){func(o *apigatewaymanagementapi.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	}}, optFns...)...)
}

// Sender posts to connections and forgets the ones that are gone.
type Sender struct {
	API   *apigatewaymanagementapi.Client
	Store *Store
}

// Send posts data to one connection. A 410 Gone removes the connection record and returns
// ErrGone; other failures are returned for the caller to retry.
func (s *Sender) Send(ctx context.Context, connectionID string, data []byte) error {
	_, err := s.API.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: &connectionID, Data: data})
	if err == nil {
		return nil
	}
	var gone *types.GoneException
	if errors.As(err, &gone) {
		if derr := s.Store.Delete(ctx, connectionID); derr != nil {
			return fmt.Errorf("remove gone connection %s: %w", connectionID, derr)
		}
		return ErrGone
	}
	return fmt.Errorf("post to connection %s: %w", connectionID, err)
}
