package dynamoitem

import (
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Codes of a cancelled transaction's per-item reasons (the ones stores act on; DynamoDB has
// others, such as ValidationError or ThrottlingError, which a store treats as a failure).
const (
	ReasonNone                   = "None" // the item was fine; another one cancelled the transaction
	ReasonConditionalCheckFailed = "ConditionalCheckFailed"
	ReasonTransactionConflict    = "TransactionConflict"
)

// Reason is why DynamoDB refused one item of a cancelled transaction.
type Reason struct {
	Code string // ReasonNone when this item was not the cause
	// Item is the item as it stood, when the request asked for it with
	// ReturnValuesOnConditionCheckFailure ALL_OLD and its condition failed.
	Item map[string]types.AttributeValue
}

// ConditionFailed reports whether the item's condition did not hold.
func (r Reason) ConditionFailed() bool { return r.Code == ReasonConditionalCheckFailed }

// CancellationReasons reads a TransactionCanceledException anywhere in err's chain: one reason
// per item of the request, in request order (an empty code reads as ReasonNone). cancelled is
// false when err is not a cancelled transaction; reasons may then be empty even when cancelled
// is true, if DynamoDB gave none.
func CancellationReasons(err error) (reasons []Reason, cancelled bool) {
	var tce *types.TransactionCanceledException
	if err == nil || !errors.As(err, &tce) {
		return nil, false
	}
	reasons = make([]Reason, len(tce.CancellationReasons))
	for i, r := range tce.CancellationReasons {
		reasons[i] = Reason{Code: aws.ToString(r.Code), Item: r.Item}
		if reasons[i].Code == "" {
			reasons[i].Code = ReasonNone
		}
	}
	return reasons, true
}
