// Package notifystore keeps the notification product's state in NOTIFY_TABLE (keys in
// docs/data-model.md): tenants, each accepted notification (the record is its own
// idempotency record: a deterministic ID written with attribute_not_exists), one status item
// per channel moved only by conditional writes, dead-letter markers on a sparse index, and
// the sandbox's recorded deliveries. Tenant credentials live in Secrets Manager (secrets.go).
//
// It must never scan, never write a status without a condition on the state it moves from
// (SENT never goes back to ACCEPTED), and never let two workers deliver one channel at once:
// a worker first claims the channel with a lease.
package notifystore

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"holdfast/shared/notify"
	"holdfast/shared/platform/dynamoitem"
)

// Errors.
var (
	ErrTenantExists = errors.New("tenant already registered")
	ErrExists       = errors.New("notification already accepted")
)

// Store reads and writes NOTIFY_TABLE.
type Store struct {
	db    *dynamodb.Client
	table string
}

// New returns a store on table.
func New(db *dynamodb.Client, table string) *Store { return &Store{db: db, table: table} }

// Key values.
const (
	entityTenant   = "TENANT"
	entityRequest  = "REQUEST"
	entityChannel  = "CHANNEL"
	entitySandbox  = "SANDBOX"
	tenantsIndexPK = "TENANTS"
	deadIndexPK    = "DEADLETTER"
	gsi1           = "gsi1"
)

func notifPK(id string) string          { return "NOTIF#" + id }
func channelSK(c notify.Channel) string { return "CH#" + string(c) }
func sandboxSK(c notify.Channel) string { return "SANDBOX#" + string(c) }
func tenantPK(id string) string         { return "TENANT#" + id }

func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// ---------------------------------------------------------------- tenants

type tenantItem struct {
	PK          string            `dynamodbav:"pk"`
	SK          string            `dynamodbav:"sk"`
	GSI1PK      string            `dynamodbav:"gsi1pk"`
	GSI1SK      string            `dynamodbav:"gsi1sk"`
	Entity      string            `dynamodbav:"entity"`
	TenantID    string            `dynamodbav:"tenantId"`
	Name        string            `dynamodbav:"name"`
	Providers   map[string]string `dynamodbav:"providers"`
	SenderEmail string            `dynamodbav:"senderEmail,omitempty"`
	SenderName  string            `dynamodbav:"senderName,omitempty"`
	SMSSender   string            `dynamodbav:"smsSenderId,omitempty"`
	FCMProject  string            `dynamodbav:"fcmProjectId,omitempty"`
	FCMAccount  string            `dynamodbav:"fcmClientEmail,omitempty"`
	HasBrevo    bool              `dynamodbav:"hasBrevo"`
	HasTwoFac   bool              `dynamodbav:"hasTwoFactor"`
	HasFirebase bool              `dynamodbav:"hasFirebase"`
	SecretVer   string            `dynamodbav:"secretVersion,omitempty"`
	CreatedAt   string            `dynamodbav:"createdAt"`
}

func (it tenantItem) tenant() notify.Tenant {
	t := notify.Tenant{ID: it.TenantID, Name: it.Name, Providers: map[notify.Channel]string{}, SenderEmail: it.SenderEmail,
		SenderName: it.SenderName, SMSSender: it.SMSSender, FCMProject: it.FCMProject, FCMAccount: it.FCMAccount,
		HasBrevo: it.HasBrevo, HasTwoFac: it.HasTwoFac, HasFirebase: it.HasFirebase, SecretVersion: it.SecretVer, CreatedAt: dynamoitem.TimeOrZero(it.CreatedAt)}
	for k, v := range it.Providers {
		t.Providers[notify.Channel(k)] = v
	}
	return t
}

// PutTenant registers a tenant once; a second registration of the ID is ErrTenantExists.
func (st *Store) PutTenant(ctx context.Context, t notify.Tenant) error {
	it := tenantItem{PK: tenantPK(t.ID), SK: entityTenant, GSI1PK: tenantsIndexPK, GSI1SK: t.ID, Entity: entityTenant,
		TenantID: t.ID, Name: t.Name, Providers: map[string]string{}, SenderEmail: t.SenderEmail, SenderName: t.SenderName,
		SMSSender: t.SMSSender, FCMProject: t.FCMProject, FCMAccount: t.FCMAccount, HasBrevo: t.HasBrevo,
		HasTwoFac: t.HasTwoFac, HasFirebase: t.HasFirebase, SecretVer: t.SecretVersion, CreatedAt: dynamoitem.SortableTime(t.CreatedAt)}
	for c, p := range t.Providers {
		it.Providers[string(c)] = p
	}
	av, err := attributevalue.MarshalMap(it)
	if err != nil {
		return fmt.Errorf("encode tenant: %w", err)
	}
	_, err = st.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &st.table, Item: av,
		ConditionExpression: aws.String("attribute_not_exists(pk)")})
	if isConditionFailed(err) {
		return ErrTenantExists
	}
	if err != nil {
		return fmt.Errorf("put tenant: %w", err)
	}
	return nil
}

// GetTenant reads a tenant.
func (st *Store) GetTenant(ctx context.Context, id string) (notify.Tenant, bool, error) {
	out, err := st.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &st.table, Key: dynamoitem.Key(tenantPK(id), entityTenant)})
	if err != nil {
		return notify.Tenant{}, false, fmt.Errorf("get tenant: %w", err)
	}
	if out.Item == nil {
		return notify.Tenant{}, false, nil
	}
	var it tenantItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return notify.Tenant{}, false, fmt.Errorf("decode tenant: %w", err)
	}
	return it.tenant(), true, nil
}

// ListTenants pages the tenants in ID order (Query gsi1 TENANTS).
func (st *Store) ListTenants(ctx context.Context, limit int32, after string) ([]notify.Tenant, string, error) {
	in := &dynamodb.QueryInput{TableName: &st.table, IndexName: aws.String(gsi1), Limit: aws.Int32(limit),
		KeyConditionExpression:    aws.String("gsi1pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": dynamoitem.S(tenantsIndexPK)}}
	if after != "" {
		in.KeyConditionExpression = aws.String("gsi1pk = :p AND gsi1sk > :a")
		in.ExpressionAttributeValues[":a"] = dynamoitem.S(after)
	}
	out, err := st.db.Query(ctx, in)
	if err != nil {
		return nil, "", fmt.Errorf("list tenants: %w", err)
	}
	var items []tenantItem
	if err := attributevalue.UnmarshalListOfMaps(out.Items, &items); err != nil {
		return nil, "", fmt.Errorf("decode tenants: %w", err)
	}
	ts := make([]notify.Tenant, 0, len(items))
	for _, it := range items {
		ts = append(ts, it.tenant())
	}
	next := ""
	if out.LastEvaluatedKey != nil && len(ts) > 0 {
		next = ts[len(ts)-1].ID
	}
	return ts, next, nil
}
