package ledgerstore

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	smithy "github.com/aws/smithy-go"

	"holdfast/shared/platform/dynamoitem"
)

func cancelled(codes ...string) error {
	reasons := make([]types.CancellationReason, len(codes))
	for i, c := range codes {
		reasons[i] = types.CancellationReason{Code: aws.String(c)}
	}
	if len(codes) > 1 && codes[1] == "ConditionalCheckFailed" {
		reasons[1].Item = entryKey("wallet:x", 9) // what ALL_OLD would return
	}
	return fmt.Errorf("operation error: %w", &types.TransactionCanceledException{CancellationReasons: reasons})
}

func TestClassify(t *testing.T) {
	cases := []struct {
		err  error
		kind failKind
	}{
		{cancelled("ConditionalCheckFailed", "None", "None"), failTxExists},
		{cancelled("None", "None", "ConditionalCheckFailed"), failLostRace},
		{cancelled("None", "ConditionalCheckFailed", "ConditionalCheckFailed"), failLostRace},
		{cancelled("None", "ConditionalCheckFailed", "None"), failInconsistent},
		{cancelled("None", "TransactionConflict", "None"), failTransient},
		{cancelled("None", "None", "ThrottlingError"), failTransient},
		{cancelled("None", "ValidationError", "None"), failPermanent},
		{cancelled(), failTransient},
		{cancelled("None", "None", "None", "ConditionalCheckFailed"), failExtraCondition},
		{cancelled("None", "None", "ConditionalCheckFailed", "ConditionalCheckFailed"), failLostRace},
		{&smithy.GenericAPIError{Code: "ThrottlingException"}, failTransient},
		{&smithy.GenericAPIError{Code: "ProvisionedThroughputExceededException"}, failTransient},
		{&types.TransactionInProgressException{}, failTransient},
		{&smithy.GenericAPIError{Code: "InternalServerError", Fault: smithy.FaultServer}, failUnknown},
		{&smithy.GenericAPIError{Code: "SomethingNew", Fault: smithy.FaultServer}, failUnknown},
		{&smithy.GenericAPIError{Code: "ValidationException", Fault: smithy.FaultClient}, failPermanent},
		{&smithy.GenericAPIError{Code: "ResourceNotFoundException", Fault: smithy.FaultClient}, failPermanent},
		{errInjectedTimeout, failUnknown},
		{context.DeadlineExceeded, failUnknown},
		{fmt.Errorf("x: %w", dynamoitem.ErrMalformed), failPermanent},
	}
	for i, c := range cases {
		if got, _ := classifyCommit(c.err, 3); got != c.kind {
			t.Errorf("case %d (%v): %v, want %v", i, c.err, got, c.kind)
		}
	}
	if _, acct := classifyCommit(cancelled("None", "ConditionalCheckFailed", "None"), 3); acct != "wallet:x" {
		t.Errorf("inconsistent account %q", acct)
	}
	// A decoder's own failure is the malformed-item kind: retrying cannot help.
	_, err := headFromItem(map[string]types.AttributeValue{attrAccount: dynamoitem.S("wallet:x")})
	if !errors.Is(err, dynamoitem.ErrMalformed) || classify(err) != failPermanent {
		t.Fatalf("a head without a seq: %v, classified %v", err, classify(err))
	}
}

func TestNewChecksOptions(t *testing.T) {
	if _, err := New(nil, Options{Table: "t"}); err == nil {
		t.Error("nil client accepted")
	}
	db := dynamodb.New(dynamodb.Options{Region: "us-east-1"}) // never called
	if _, err := New(db, Options{}); err == nil {
		t.Error("empty table accepted")
	}
	if _, err := New(db, Options{Table: "t", Shards: 101}); err == nil {
		t.Error("101 shards accepted")
	}
	s, err := New(db, Options{Table: "t", BackoffBase: 1, BackoffMax: 0})
	if err != nil || s.opts.MaxAttempts != DefaultMaxAttempts || s.opts.BackoffMax < s.opts.BackoffBase || s.Sharding().Count() != 16 {
		t.Fatalf("defaults: %+v %v", s.opts, err)
	}
}
