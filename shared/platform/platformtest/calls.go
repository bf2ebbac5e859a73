package platformtest

import (
	"context"
	"sync"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
)

// CallCounter counts the SDK calls made through the clients it is installed on, by operation
// name, so a test can assert a deterministic cost ("one TransactWriteItems and at most one
// read"). Install it with
//
//	dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.APIOptions = append(o.APIOptions, c.Middleware) })
type CallCounter struct {
	mu sync.Mutex
	n  map[string]int
}

// Middleware adds the counter to a client's stack.
func (c *CallCounter) Middleware(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("holdfastCountCalls",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			c.mu.Lock()
			if c.n == nil {
				c.n = map[string]int{}
			}
			c.n[awsmiddleware.GetOperationName(ctx)]++
			c.mu.Unlock()
			return next.HandleInitialize(ctx, in)
		}), middleware.After)
}

// Take returns the counts since the last Take (never nil) and starts again from zero.
func (c *CallCounter) Take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.n
	c.n = nil
	if out == nil {
		out = map[string]int{}
	}
	return out
}
