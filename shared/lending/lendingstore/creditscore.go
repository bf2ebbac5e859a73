package lendingstore

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"holdfast/shared/lending"
	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/dynamoitem"
	"holdfast/shared/platform/errs"
)

const (
	scorePrefix    = "SCORE#"
	scoreDayPrefix = "SCOREDAY#"
)

// ApplyScoreOnce moves a user's credit score by change for ledger transaction txID exactly once:
// a marker item USER#<sub> / SCORE#<txId> (attribute_not_exists) and the profile update
// (conditional on its version) commit in one transaction, so a redelivered event finds the
// marker and changes nothing. A Daily change (the deposit bonus) also puts USER#<sub> /
// SCOREDAY#<day> (attribute_not_exists) in that transaction: when the customer already had the
// bonus on day, the transaction records the marker with delta 0 instead. It reports whether
// this call moved the score.
func (st *LoanStore) ApplyScoreOnce(ctx context.Context, profiles *ProfileStore, userID, txID string, change lending.ScoreChange, day clock.Date, now time.Time, corr string) (bool, error) {
	for attempt := 0; attempt < maxProfileAttempts; attempt++ {
		cur, err := profiles.GetOrCreate(ctx, userID, now)
		if err != nil {
			return false, err
		}
		next := cur.AdjustCreditScore(change.Delta, now)
		items := []types.TransactWriteItem{{Put: &types.Put{
			TableName: aws.String(st.table),
			Item: map[string]types.AttributeValue{"pk": dynamoitem.S(UserPK(userID)), "sk": dynamoitem.S(scorePrefix + txID), "entity": dynamoitem.S("scoreChange"),
				"txId": dynamoitem.S(txID), "delta": dynamoitem.N(int64(change.Delta)), "at": dynamoitem.S(dynamoitem.Time(now)), "correlationId": dynamoitem.S(corr)},
			ConditionExpression: aws.String("attribute_not_exists(pk)"),
		}}}
		if change.Daily {
			items = append(items, types.TransactWriteItem{Put: &types.Put{
				TableName: aws.String(st.table),
				Item: map[string]types.AttributeValue{"pk": dynamoitem.S(UserPK(userID)), "sk": dynamoitem.S(scoreDayPrefix + day.String()), "entity": dynamoitem.S("scoreDay"),
					"day": dynamoitem.S(day.String()), "txId": dynamoitem.S(txID), "delta": dynamoitem.N(int64(change.Delta)), "at": dynamoitem.S(dynamoitem.Time(now)), "correlationId": dynamoitem.S(corr)},
				ConditionExpression: aws.String("attribute_not_exists(pk)"),
			}})
		}
		if next.Version != cur.Version {
			items = append(items, types.TransactWriteItem{Update: &types.Update{
				TableName: aws.String(st.table), Key: profileKey(userID),
				UpdateExpression:          aws.String("SET creditScore = :score, updatedAt = :updated, version = :next, correlationId = :corr"),
				ConditionExpression:       aws.String("version = :expected"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":score": dynamoitem.N(int64(next.CreditScore)), ":updated": dynamoitem.S(dynamoitem.Time(next.UpdatedAt)), ":next": dynamoitem.N(next.Version), ":expected": dynamoitem.N(cur.Version), ":corr": dynamoitem.S(corr)},
			}})
		}
		_, err = st.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		if err == nil {
			return next.Version != cur.Version, nil
		}
		reasons := cancelReasons(err)
		if reasons == nil {
			return false, fmt.Errorf("apply credit score: %w", err)
		}
		if reasons[0] {
			return false, nil // already applied for this transaction
		}
		if change.Daily && reasons[1] {
			// The day's bonus is taken: record this transaction as scored, with no change.
			change = lending.ScoreChange{}
			continue
		}
		if err := backoff(ctx, attempt); err != nil {
			return false, err
		}
	}
	return false, errs.Conflict(CodeConcurrentUpdate, "The profile kept changing; retry.")
}
