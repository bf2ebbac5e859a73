package lendingstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"holdfast/shared/lending"
	"holdfast/shared/platform/correlation"
	"holdfast/shared/platform/dynamoitem"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/retry"
)

// CodeConcurrentUpdate is the problem code when a profile kept changing under an update.
const CodeConcurrentUpdate = "concurrent_update"

const (
	profileSK          = "PROFILE"
	profileEntity      = "PROFILE"
	maxProfileAttempts = 6
)

// ProfileStore keeps lending profiles: pk USER#<sub>, sk PROFILE.
type ProfileStore struct {
	db    *dynamodb.Client
	table string
}

// NewProfileStore returns a store over table.
func NewProfileStore(db *dynamodb.Client, table string) *ProfileStore {
	return &ProfileStore{db: db, table: table}
}

// UserPK is the partition key of everything a user owns in the lending table.
func UserPK(userID string) string { return "USER#" + userID }

func profileKey(userID string) map[string]types.AttributeValue {
	return dynamoitem.Key(UserPK(userID), profileSK)
}

// toItem encodes a profile. correlationID is the request that wrote it: the stream relay
// carries it onto the event announcing the change.
func toItem(p lending.Profile, correlationID string) map[string]types.AttributeValue {
	item := profileKey(p.UserID)
	if correlationID != "" {
		item["correlationId"] = dynamoitem.S(correlationID)
	}
	item["entity"] = dynamoitem.S(profileEntity)
	item["userId"] = dynamoitem.S(p.UserID)
	item["creditScore"] = dynamoitem.N(int64(p.CreditScore))
	item["createdAt"] = dynamoitem.S(dynamoitem.Time(p.CreatedAt))
	item["updatedAt"] = dynamoitem.S(dynamoitem.Time(p.UpdatedAt))
	item["version"] = dynamoitem.N(p.Version)
	if p.MonthlyIncome != nil {
		item["monthlyIncome"] = dynamoitem.Number(p.MonthlyIncome.StringFixed(2))
	}
	for attr, v := range contactAttrs(p.Contact) {
		if v != "" {
			item[attr] = dynamoitem.S(v)
		}
	}
	return item
}

// contactAttrs is the contact by item attribute.
func contactAttrs(c lending.Contact) map[string]string {
	return map[string]string{"email": c.Email, "phone": c.Phone, "fcmToken": c.FCMToken}
}

func fromItem(item map[string]types.AttributeValue) (lending.Profile, error) {
	r := dynamoitem.NewReader(item)
	p := lending.Profile{
		UserID:        r.S("userId"),
		CreditScore:   int(r.Int("creditScore")),
		MonthlyIncome: r.OptDecimal("monthlyIncome"),
		Contact:       lending.Contact{Email: r.OptS("email"), Phone: r.OptS("phone"), FCMToken: r.OptS("fcmToken")},
		CreatedAt:     r.Time("createdAt"),
		UpdatedAt:     r.Time("updatedAt"),
		Version:       r.Int("version"),
	}
	if err := r.Err(); err != nil {
		return lending.Profile{}, fmt.Errorf("profile item: %w", err)
	}
	return p, nil
}

// Get reads a profile; found is false when the user has none yet.
func (st *ProfileStore) Get(ctx context.Context, userID string) (p lending.Profile, found bool, err error) {
	out, err := st.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(st.table), Key: profileKey(userID), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return lending.Profile{}, false, fmt.Errorf("get profile: %w", err)
	}
	if len(out.Item) == 0 {
		return lending.Profile{}, false, nil
	}
	p, err = fromItem(out.Item)
	return p, err == nil, err
}

// Contact is where the user's notices go; found is false when the user has no profile.
func (st *ProfileStore) Contact(ctx context.Context, userID string) (lending.Contact, bool, error) {
	p, found, err := st.Get(ctx, userID)
	return p.Contact, found, err
}

// GetOrCreate returns the user's profile, creating the default one on first use. Concurrent
// first calls create it once (attribute_not_exists) and all return the same profile.
func (st *ProfileStore) GetOrCreate(ctx context.Context, userID string, now time.Time) (lending.Profile, error) {
	if p, found, err := st.Get(ctx, userID); err != nil || found {
		return p, err
	}
	p := lending.NewProfile(userID, now)
	_, err := st.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(st.table),
		Item:                toItem(p, correlation.FromContext(ctx)),
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	})
	var ccf *types.ConditionalCheckFailedException
	switch {
	case err == nil:
		return p, nil
	case errors.As(err, &ccf):
		existing, found, gerr := st.Get(ctx, userID)
		if gerr != nil {
			return lending.Profile{}, gerr
		}
		if !found {
			return lending.Profile{}, fmt.Errorf("create profile %s: lost the race to a profile that is gone", userID)
		}
		return existing, nil
	default:
		return lending.Profile{}, fmt.Errorf("create profile: %w", err)
	}
}

// Update applies change to the user's current profile (created first if absent) and writes
// the result on the condition that nobody changed it meanwhile; a lost race retries from a
// fresh read with jittered backoff, a bounded number of times. change must be pure: it may run
// more than once. A change that leaves the version as it was writes nothing.
func (st *ProfileStore) Update(ctx context.Context, userID string, now time.Time,
	change func(lending.Profile) (lending.Profile, error)) (lending.Profile, error) {
	for attempt := 0; attempt < maxProfileAttempts; attempt++ {
		cur, err := st.GetOrCreate(ctx, userID, now)
		if err != nil {
			return lending.Profile{}, err
		}
		next, err := change(cur)
		if err != nil {
			return lending.Profile{}, err
		}
		if next.Version == cur.Version {
			return cur, nil
		}
		if next.Version < cur.Version || next.UserID != cur.UserID || !next.CreatedAt.Equal(cur.CreatedAt) {
			return lending.Profile{}, fmt.Errorf("update profile %s: change rewrote identity or version", userID)
		}
		err = st.write(ctx, cur.Version, next)
		var ccf *types.ConditionalCheckFailedException
		if err == nil {
			return next, nil
		}
		if !errors.As(err, &ccf) {
			return lending.Profile{}, fmt.Errorf("update profile: %w", err)
		}
		if err := backoff(ctx, attempt); err != nil {
			return lending.Profile{}, err
		}
	}
	return lending.Profile{}, errs.Conflict(CodeConcurrentUpdate, "The profile is being changed by another request; retry.")
}

func (st *ProfileStore) write(ctx context.Context, expectedVersion int64, p lending.Profile) error {
	update := "SET creditScore = :score, updatedAt = :updated, version = :next, correlationId = :corr"
	values := map[string]types.AttributeValue{
		":score": dynamoitem.N(int64(p.CreditScore)), ":updated": dynamoitem.S(dynamoitem.Time(p.UpdatedAt)),
		":next": dynamoitem.N(p.Version), ":expected": dynamoitem.N(expectedVersion), ":corr": dynamoitem.S(correlation.FromContext(ctx)),
	}
	if p.MonthlyIncome != nil {
		update += ", monthlyIncome = :income"
		values[":income"] = dynamoitem.Number(p.MonthlyIncome.StringFixed(2))
	}
	var remove []string
	if p.MonthlyIncome == nil {
		remove = append(remove, "monthlyIncome")
	}
	for _, attr := range []string{"email", "phone", "fcmToken"} {
		if v := contactAttrs(p.Contact)[attr]; v != "" {
			update += ", " + attr + " = :" + attr
			values[":"+attr] = dynamoitem.S(v)
		} else {
			remove = append(remove, attr)
		}
	}
	if len(remove) > 0 {
		update += " REMOVE " + strings.Join(remove, ", ")
	}
	_, err := st.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(st.table),
		Key:                       profileKey(p.UserID),
		UpdateExpression:          aws.String(update),
		ConditionExpression:       aws.String("version = :expected"),
		ExpressionAttributeValues: values,
	})
	return err
}

// backoff waits before the retry that follows attempt (0 for the first attempt): full jitter
// below 20 ms·2^attempt, at most 640 ms, or until ctx ends.
func backoff(ctx context.Context, attempt int) error {
	if err := (retry.Backoff{Base: 20 * time.Millisecond, Max: 640 * time.Millisecond}).Wait(ctx, attempt+1); err != nil {
		return fmt.Errorf("retry backoff: %w", err)
	}
	return nil
}
