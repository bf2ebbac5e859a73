// Command empty is the smallest HTTP API Lambda: it answers 200 with the route key and the
// claims it was given, so gateway tests can see what API Gateway would have passed.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

func handle(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	out := map[string]any{"routeKey": ev.RouteKey, "path": ev.RawPath, "pathParameters": ev.PathParameters, "query": ev.QueryStringParameters, "body": ev.Body, "sourceIp": ev.RequestContext.HTTP.SourceIP}
	if ev.RequestContext.Authorizer != nil && ev.RequestContext.Authorizer.JWT != nil {
		out["claims"] = ev.RequestContext.Authorizer.JWT.Claims
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		out["now"] = lc.ClientContext.Custom["holdfast-now"]
	}
	b, _ := json.Marshal(out)
	return events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "application/json"},
		MultiValueHeaders: map[string][]string{"X-Multi": {"a", "b"}}, Body: string(b)}, nil
}

func main() { lambda.Start(handle) }
