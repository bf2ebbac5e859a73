package ledgerstore

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"holdfast/shared/ledger"
	"holdfast/shared/platform/errs"
)

// scripted forwards to a real client, except where a hook says otherwise.
type scripted struct {
	DynamoDB
	transact func(ctx context.Context, in *dynamodb.TransactWriteItemsInput, next DynamoDB) (*dynamodb.TransactWriteItemsOutput, error)
	getItem  func(ctx context.Context, in *dynamodb.GetItemInput, next DynamoDB) (*dynamodb.GetItemOutput, error)
}

func (s *scripted) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, _ ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	if s.transact != nil {
		return s.transact(ctx, in, s.DynamoDB)
	}
	return s.DynamoDB.TransactWriteItems(ctx, in)
}

func (s *scripted) GetItem(ctx context.Context, in *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	if s.getItem != nil {
		return s.getItem(ctx, in, s.DynamoDB)
	}
	return s.DynamoDB.GetItem(ctx, in)
}

// served forwards the write, then loses its answer.
func served(ctx context.Context, in *dynamodb.TransactWriteItemsInput, next DynamoDB) (*dynamodb.TransactWriteItemsOutput, error) {
	if _, err := next.TransactWriteItems(ctx, in); err != nil {
		return nil, err
	}
	return nil, errInjectedTimeout
}

// unsent fails as if the connection broke before the request left.
func unsent(context.Context, *dynamodb.TransactWriteItemsInput, DynamoDB) (*dynamodb.TransactWriteItemsOutput, error) {
	return nil, errInjectedTimeout
}

func TestAmbiguousWritesAreSettledByReadingTheRecord(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name        string
		maxAttempts int
		db          func(raw DynamoDB, cancelCaller context.CancelFunc) DynamoDB
		wantErr     string // "" for success
		wantPosted  bool
		wantAttempt int
	}{
		{"answer lost, next round finds the record", 5,
			func(raw DynamoDB, cancelCaller context.CancelFunc) DynamoDB {
				return &scripted{DynamoDB: raw, transact: served}
			}, "", true, 2},
		{"answer lost on the last attempt, settled by the final read", 1,
			func(raw DynamoDB, cancelCaller context.CancelFunc) DynamoDB {
				return &scripted{DynamoDB: raw, transact: served}
			}, "", true, 1},
		{"never sent, the final read proves nothing was written", 1,
			func(raw DynamoDB, cancelCaller context.CancelFunc) DynamoDB {
				return &scripted{DynamoDB: raw, transact: unsent}
			}, ledger.CodeUnavailable, false, 0},
		{"never sent and the record cannot be read: outcome unknown", 1,
			func(raw DynamoDB, cancelCaller context.CancelFunc) DynamoDB {
				return &scripted{DynamoDB: raw, transact: unsent,
					getItem: func(context.Context, *dynamodb.GetItemInput, DynamoDB) (*dynamodb.GetItemOutput, error) {
						return nil, errInjectedTimeout
					}}
			}, ledger.CodeOutcomeUnknown, false, 0},
		{"caller gives up right after sending: settled with a context of its own", 5,
			func(raw DynamoDB, cancelCaller context.CancelFunc) DynamoDB {
				return &scripted{DynamoDB: raw, transact: func(ctx context.Context, in *dynamodb.TransactWriteItemsInput, next DynamoDB) (*dynamodb.TransactWriteItemsOutput, error) {
					if _, err := next.TransactWriteItems(context.WithoutCancel(ctx), in); err != nil {
						return nil, err
					}
					cancelCaller()
					return nil, context.Canceled
				}}
			}, "", true, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			cctx, cancel := context.WithCancel(ctx)
			defer cancel()
			s := e.store(c.db(e.raw, cancel), func(o *Options) { o.MaxAttempts = c.maxAttempts })
			tx := deposit("amb", "k", "42.00")
			got, err := s.Commit(cctx, tx)
			switch {
			case c.wantErr == "" && err != nil:
				t.Fatalf("want success, got %v", err)
			case c.wantErr == "" && (got.Replayed || got.Attempts != c.wantAttempt || got.Hash == ""):
				t.Fatalf("committed %+v", got)
			case c.wantErr != "":
				var le *errs.Error
				if !errors.As(err, &le) || le.Code != c.wantErr {
					t.Fatalf("want %s, got %v", c.wantErr, err)
				}
			}
			_, lookErr := e.store(e.raw).Transaction(ctx, ledger.DeriveID("dep", "amb", "k"))
			if posted := lookErr == nil; posted != c.wantPosted {
				t.Fatalf("posted = %v, want %v (%v)", posted, c.wantPosted, lookErr)
			}
			e.mustAudit(e.store(e.raw))
		})
	}
}
