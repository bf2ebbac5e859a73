package lendingstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"holdfast/shared/lending"
	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/dynamoitem"
)

// ReminderDays is how far ahead of a due date the reminder goes out.
const ReminderDays = 3

// DueInstallments lists the unpaid installments of one EMI-job shard due on or before through,
// oldest first (Query gsi1: gsi1pk = DUE#<shard> AND gsi1sk < <through+1 day>).
func (st *LoanStore) DueInstallments(ctx context.Context, shard int, through clock.Date, each func(Installment) error) error {
	var start map[string]types.AttributeValue
	for {
		out, err := st.db.Query(ctx, &dynamodb.QueryInput{
			TableName:                 aws.String(st.table),
			IndexName:                 aws.String(indexName),
			KeyConditionExpression:    aws.String("gsi1pk = :pk AND gsi1sk < :to"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": dynamoitem.S(dueIndexPK(shard)), ":to": dynamoitem.S(through.AddDays(1).String())},
			ExclusiveStartKey:         start,
		})
		if err != nil {
			return fmt.Errorf("query due installments: %w", err)
		}
		for _, item := range out.Items {
			var it InstallmentItem
			if err := attributevalue.UnmarshalMap(item, &it); err != nil {
				return fmt.Errorf("decode installment: %w", err)
			}
			in, err := it.Installment()
			if err != nil {
				return err
			}
			if err := each(in); err != nil {
				return err
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			return nil
		}
		start = out.LastEvaluatedKey
	}
}

func (st *LoanStore) noticePut(in Installment, kind string, day clock.Date, corr string) (types.TransactWriteItem, error) {
	return st.put(NoticeItem{PK: LoanPK(in.LoanID), SK: noticeSK(kind, in.No, day), Entity: EntityNotice, Kind: kind,
		LoanID: in.LoanID, UserID: in.UserID, No: in.No, DueDate: in.DueDate.String(), Amount: num(in.Amount),
		Day: day.String(), CorrelationID: corr}, "attribute_not_exists(pk)")
}

// Remind records the reminder notice of an installment for day, once (false if it existed).
func (st *LoanStore) Remind(ctx context.Context, in Installment, day clock.Date, corr string) (bool, error) {
	p, err := st.noticePut(in, NoticeReminder, day, corr)
	if err != nil {
		return false, err
	}
	_, err = st.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: p.Put.TableName, Item: p.Put.Item, ConditionExpression: p.Put.ConditionExpression})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("put reminder: %w", err)
	}
	return true, nil
}

// Mark moves an unpaid installment to status (DUE or OVERDUE) and records its notice for day, in
// one transaction; false when it already had that status (or was paid meanwhile).
func (st *LoanStore) Mark(ctx context.Context, in Installment, status lending.InstallmentStatus, day clock.Date, corr string) (bool, error) {
	kind := NoticeDue
	allowed := []string{string(lending.InstScheduled)}
	if status == lending.InstOverdue {
		kind = NoticeOverdue
		allowed = append(allowed, string(lending.InstDue))
	}
	values := map[string]types.AttributeValue{":to": dynamoitem.S(string(status)), ":corr": dynamoitem.S(corr), ":one": dynamoitem.N(1)}
	cond := "#status IN ("
	for i, a := range allowed {
		k := fmt.Sprintf(":a%d", i)
		values[k] = dynamoitem.S(a)
		if i > 0 {
			cond += ", "
		}
		cond += k
	}
	cond += ")"
	notice, err := st.noticePut(in, kind, day, corr)
	if err != nil {
		return false, err
	}
	_, err = st.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{
			TableName: aws.String(st.table), Key: dynamoitem.Key(LoanPK(in.LoanID), instSK(in.No)),
			UpdateExpression:          aws.String("SET #status = :to, correlationId = :corr ADD version :one"),
			ConditionExpression:       aws.String(cond),
			ExpressionAttributeNames:  map[string]string{"#status": "status"},
			ExpressionAttributeValues: values,
		}},
		notice,
	}})
	if cancelReasons(err) != nil {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("mark installment %s: %w", status, err)
	}
	return true, nil
}
