package clinicstore

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"holdfast/shared/clinic"
	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/correlation"
	"holdfast/shared/platform/dynamoitem"
	"holdfast/shared/platform/errs"
)

// Book gives the patient the next token of the doctor's day. A booking appends a BOOKED
// appointment behind everyone, so it cannot disturb the queue's order: it reads only the
// queue item (token counter and cancelled count: the active bookings), the patient's guard
// and the patient's cancellation count (one BatchGetItem, not the whole day) and commits, in ONE
// TransactWriteItems, the counter moved from n to n+1 (conditioned on the day's version, so a
// lost race retries and a refused booking consumes no token), the appointment
// (attribute_not_exists: its id is derived from the token) and the patient's guard
// (attribute_not_exists: one active booking per patient per doctor per day).
func (st *Store) Book(ctx context.Context, doc clinic.Doctor, date clock.Date, now time.Time, in clinic.BookInput) (clinic.Appointment, error) {
	corr := correlation.FromContext(ctx)
	pk := DayPK(doc.ID, date)
	for attempt := 1; ; attempt++ {
		out, err := st.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
			st.table: {Keys: []map[string]types.AttributeValue{dynamoitem.Key(pk, queueSK), dynamoitem.Key(pk, guardSK(in.PatientID)),
				dynamoitem.Key(pk, rebookSK(in.PatientID))}, ConsistentRead: aws.Bool(true)}}})
		if err != nil {
			return clinic.Appointment{}, fmt.Errorf("read day head: %w", err)
		}
		if len(out.UnprocessedKeys) > 0 {
			st.pause(ctx, attempt)
			continue
		}
		day := &clinic.Day{DoctorID: doc.ID, Date: date, Guards: map[string]string{}, Cancellations: map[string]int{}}
		for _, item := range out.Responses[st.table] {
			ent, _ := item["entity"].(*types.AttributeValueMemberS)
			switch {
			case ent != nil && ent.Value == EntityQueue:
				var q QueueItem
				if err := attributevalue.UnmarshalMap(item, &q); err != nil {
					return clinic.Appointment{}, fmt.Errorf("queue item: %w", err)
				}
				day.Version, day.LastToken, day.Cancelled = q.Version, q.LastToken, q.Cancelled
			case ent != nil && ent.Value == EntityGuard:
				var g guardItem
				if err := attributevalue.UnmarshalMap(item, &g); err != nil {
					return clinic.Appointment{}, fmt.Errorf("guard item: %w", err)
				}
				day.Guards[g.PatientID] = g.AppointmentID
			case ent != nil && ent.Value == EntityRebook:
				var rb rebookItem
				if err := attributevalue.UnmarshalMap(item, &rb); err != nil {
					return clinic.Appointment{}, fmt.Errorf("rebook item: %w", err)
				}
				day.Cancellations[rb.PatientID] = rb.Cancellations
			}
		}
		a, err := day.Book(doc, in, now)
		if err != nil {
			return clinic.Appointment{}, err
		}
		appt, err := apptToItem(a, corr)
		if err != nil {
			return clinic.Appointment{}, err
		}
		guard, err := attributevalue.MarshalMap(guardItem{PK: pk, SK: guardSK(in.PatientID), Entity: EntityGuard, PatientID: in.PatientID, AppointmentID: a.ID})
		if err != nil {
			return clinic.Appointment{}, err
		}
		var head types.TransactWriteItem
		if day.Version == 0 {
			q, err := queueToItem(day, 1, now, corr)
			if err != nil {
				return clinic.Appointment{}, err
			}
			head.Put = &types.Put{TableName: &st.table, Item: q, ConditionExpression: aws.String("attribute_not_exists(pk)")}
		} else {
			vals := map[string]types.AttributeValue{":v": dynamoitem.N(day.Version), ":nv": dynamoitem.N(day.Version + 1),
				":t": dynamoitem.N(int64(day.LastToken)), ":u": dynamoitem.S(dynamoitem.OptionalTime(now))}
			expr := "SET lastToken = :t, version = :nv, updatedAt = :u"
			if corr != "" {
				expr += ", correlationId = :c"
				vals[":c"] = dynamoitem.S(corr)
			}
			head.Update = &types.Update{TableName: &st.table, Key: dynamoitem.Key(pk, queueSK), UpdateExpression: aws.String(expr),
				ConditionExpression: aws.String("version = :v"), ExpressionAttributeValues: vals}
		}
		_, err = st.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			head,
			{Put: &types.Put{TableName: &st.table, Item: appt, ConditionExpression: aws.String("attribute_not_exists(pk)")}},
			{Put: &types.Put{TableName: &st.table, Item: guard, ConditionExpression: aws.String("attribute_not_exists(pk)")}},
		}})
		if err == nil {
			return a, nil
		}
		if !lostRace(err) {
			return clinic.Appointment{}, fmt.Errorf("commit booking: %w", err)
		}
		if attempt >= MaxAttempts {
			return clinic.Appointment{}, errs.Conflict(clinic.CodeConcurrentUpdate, "The day kept changing; retry.").WithCause(err)
		}
		st.pause(ctx, attempt)
	}
}
