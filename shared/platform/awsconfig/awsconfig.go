// Package awsconfig loads the one AWS SDK configuration a function builds its clients from.
// Region, credentials and endpoints come from the standard environment (AWS_REGION,
// AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>, the Lambda role), so the same binary reaches
// real AWS or the local emulator. It must never contain local-only branches, hard-coded
// endpoints or credentials.
package awsconfig

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
)

// Load reads the SDK configuration from the environment.
func Load(ctx context.Context) (aws.Config, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS config: %w", err)
	}
	return cfg, nil
}
