package httpapi

import (
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/config"
	"holdfast/shared/platform/lambdastart"
)

// Deps is what a route's build function gets: what every function gets (configuration, time,
// telemetry, the AWS config; lambdastart.Deps) and the DynamoDB client every route uses
// (audit, idempotency). A route that needs another service builds that client from AWS itself,
// so only the routes that use a service link its SDK package (each costs megabytes in every
// binary that carries it).
type Deps struct {
	lambdastart.Deps
	DynamoDB *dynamodb.Client
}

// NewDeps builds the dependencies from a loaded configuration with the clock clk; logs and
// metrics go to out (os.Stdout in a function, where Lambda collects them).
func NewDeps(cfg config.Config, awsCfg aws.Config, clk clock.Clock, out io.Writer) *Deps {
	d := &Deps{Deps: *lambdastart.NewDeps(cfg, awsCfg, out), DynamoDB: dynamodb.NewFromConfig(awsCfg)}
	d.Clock = clk
	return d
}
