package notifystore

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"holdfast/shared/notify"
	"holdfast/shared/platform/dynamoitem"
)

type requestItem struct {
	PK            string            `dynamodbav:"pk"`
	SK            string            `dynamodbav:"sk"`
	Entity        string            `dynamodbav:"entity"`
	ID            string            `dynamodbav:"notificationId"`
	TenantID      string            `dynamodbav:"tenantId"`
	Type          string            `dynamodbav:"notificationType"`
	Email         string            `dynamodbav:"email,omitempty"`
	Phone         string            `dynamodbav:"phone,omitempty"`
	FCMToken      string            `dynamodbav:"fcmToken,omitempty"`
	Subject       string            `dynamodbav:"subject,omitempty"`
	Title         string            `dynamodbav:"title,omitempty"`
	Body          string            `dynamodbav:"body"`
	Data          map[string]string `dynamodbav:"data,omitempty"`
	RequestHash   string            `dynamodbav:"requestHash"`
	AcceptedAt    string            `dynamodbav:"acceptedAt"`
	CorrelationID string            `dynamodbav:"correlationId,omitempty"`
}

type channelItem struct {
	PK                string `dynamodbav:"pk"`
	SK                string `dynamodbav:"sk"`
	Entity            string `dynamodbav:"entity"`
	ID                string `dynamodbav:"notificationId"`
	TenantID          string `dynamodbav:"tenantId"`
	Channel           string `dynamodbav:"channel"`
	Status            string `dynamodbav:"status"`
	Provider          string `dynamodbav:"provider,omitempty"`
	Attempts          int    `dynamodbav:"attempts"`
	ProviderMessageID string `dynamodbav:"providerMessageId,omitempty"`
	LastError         string `dynamodbav:"lastError,omitempty"`
	AcceptedAt        string `dynamodbav:"acceptedAt"`
	UpdatedAt         string `dynamodbav:"updatedAt"`
	SentAt            string `dynamodbav:"sentAt,omitempty"`
	Redrives          int    `dynamodbav:"redrives"`
	ClaimToken        string `dynamodbav:"claimToken,omitempty"`
	LeaseUntil        int64  `dynamodbav:"leaseUntil,omitempty"`
	GSI1PK            string `dynamodbav:"gsi1pk,omitempty"`
	GSI1SK            string `dynamodbav:"gsi1sk,omitempty"`
}

func (it channelItem) state() notify.ChannelState {
	cs := notify.ChannelState{Channel: notify.Channel(it.Channel), Status: notify.Status(it.Status), Provider: it.Provider,
		Attempts: it.Attempts, ProviderMessageID: it.ProviderMessageID, LastError: it.LastError,
		AcceptedAt: dynamoitem.TimeOrZero(it.AcceptedAt), UpdatedAt: dynamoitem.TimeOrZero(it.UpdatedAt), Redrives: it.Redrives}
	if it.SentAt != "" {
		t := dynamoitem.TimeOrZero(it.SentAt)
		cs.SentAt = &t
	}
	return cs
}

type sandboxItem struct {
	PK          string            `dynamodbav:"pk"`
	SK          string            `dynamodbav:"sk"`
	Entity      string            `dynamodbav:"entity"`
	ID          string            `dynamodbav:"notificationId"`
	TenantID    string            `dynamodbav:"tenantId"`
	Channel     string            `dynamodbav:"channel"`
	Sequence    int64             `dynamodbav:"sequence"`
	To          string            `dynamodbav:"to"`
	Subject     string            `dynamodbav:"subject,omitempty"`
	Title       string            `dynamodbav:"title,omitempty"`
	Body        string            `dynamodbav:"body"`
	Data        map[string]string `dynamodbav:"data,omitempty"`
	MessageID   string            `dynamodbav:"messageId"`
	DeliveredAt string            `dynamodbav:"deliveredAt"`
	GSI1PK      string            `dynamodbav:"gsi1pk"`
	GSI1SK      string            `dynamodbav:"gsi1sk"`
}

func (it sandboxItem) delivery() notify.SandboxDelivery {
	return notify.SandboxDelivery{NotificationID: it.ID, Tenant: it.TenantID, Channel: notify.Channel(it.Channel),
		Sequence: it.Sequence, To: it.To, Subject: it.Subject, Title: it.Title, Body: it.Body, Data: it.Data,
		MessageID: it.MessageID, DeliveredAt: dynamoitem.TimeOrZero(it.DeliveredAt)}
}

// Accept writes the notification and one ACCEPTED status item per channel in one
// transaction, each with attribute_not_exists. When the notification exists already it
// returns that one with ErrExists (a replay, or a key reused for another request).
func (st *Store) Accept(ctx context.Context, nt notify.Notification) (notify.Notification, error) {
	r := nt.Request
	req := requestItem{PK: notifPK(nt.ID), SK: entityRequest, Entity: entityRequest, ID: nt.ID, TenantID: nt.Tenant,
		Type: string(r.NotificationType), Email: r.Email, Phone: r.Phone, FCMToken: r.FCMToken, Subject: r.Subject,
		Title: r.Title, Body: r.Body, Data: r.Data, RequestHash: nt.RequestHash, AcceptedAt: dynamoitem.SortableTime(nt.AcceptedAt),
		CorrelationID: nt.CorrelationID}
	av, err := attributevalue.MarshalMap(req)
	if err != nil {
		return notify.Notification{}, fmt.Errorf("encode notification: %w", err)
	}
	cond := aws.String("attribute_not_exists(pk)")
	items := []types.TransactWriteItem{{Put: &types.Put{TableName: &st.table, Item: av, ConditionExpression: cond}}}
	for _, c := range nt.Channels {
		ci := channelItem{PK: notifPK(nt.ID), SK: channelSK(c.Channel), Entity: entityChannel, ID: nt.ID, TenantID: nt.Tenant,
			Channel: string(c.Channel), Status: string(notify.Accepted), Provider: c.Provider, AcceptedAt: dynamoitem.SortableTime(nt.AcceptedAt),
			UpdatedAt: dynamoitem.SortableTime(nt.AcceptedAt)}
		cav, err := attributevalue.MarshalMap(ci)
		if err != nil {
			return notify.Notification{}, fmt.Errorf("encode channel: %w", err)
		}
		items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: &st.table, Item: cav, ConditionExpression: cond}})
	}
	_, err = st.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if err == nil {
		return nt, nil
	}
	if _, cancelled := dynamoitem.CancellationReasons(err); !cancelled {
		return notify.Notification{}, fmt.Errorf("accept notification: %w", err)
	}
	existing, ok, gerr := st.Get(ctx, nt.ID)
	if gerr != nil {
		return notify.Notification{}, gerr
	}
	if !ok {
		return notify.Notification{}, fmt.Errorf("accept notification: %w", err)
	}
	return existing, ErrExists
}

// Get reads a notification with its channels and sandbox deliveries (one Query on its
// partition, strongly consistent).
func (st *Store) Get(ctx context.Context, id string) (notify.Notification, bool, error) {
	out, err := st.db.Query(ctx, &dynamodb.QueryInput{TableName: &st.table, ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": dynamoitem.S(notifPK(id))}})
	if err != nil {
		return notify.Notification{}, false, fmt.Errorf("get notification: %w", err)
	}
	var nt notify.Notification
	found := false
	for _, item := range out.Items {
		sk := item["sk"].(*types.AttributeValueMemberS).Value
		switch {
		case sk == entityRequest:
			var it requestItem
			if err := attributevalue.UnmarshalMap(item, &it); err != nil {
				return notify.Notification{}, false, fmt.Errorf("decode notification: %w", err)
			}
			found = true
			nt.ID, nt.Tenant, nt.RequestHash, nt.CorrelationID = it.ID, it.TenantID, it.RequestHash, it.CorrelationID
			nt.AcceptedAt = dynamoitem.TimeOrZero(it.AcceptedAt)
			nt.Request = notify.Request{NotificationType: notify.Type(it.Type), Email: it.Email, Phone: it.Phone,
				FCMToken: it.FCMToken, Subject: it.Subject, Title: it.Title, Body: it.Body, Data: it.Data}
		case strings.HasPrefix(sk, "CH#"):
			var it channelItem
			if err := attributevalue.UnmarshalMap(item, &it); err != nil {
				return notify.Notification{}, false, fmt.Errorf("decode channel: %w", err)
			}
			nt.Channels = append(nt.Channels, it.state())
		case strings.HasPrefix(sk, "SANDBOX#"):
			var it sandboxItem
			if err := attributevalue.UnmarshalMap(item, &it); err != nil {
				return notify.Notification{}, false, fmt.Errorf("decode delivery: %w", err)
			}
			nt.Deliveries = append(nt.Deliveries, it.delivery())
		}
	}
	order := map[notify.Channel]int{notify.Email: 0, notify.SMS: 1, notify.Push: 2}
	sort.Slice(nt.Channels, func(i, j int) bool { return order[nt.Channels[i].Channel] < order[nt.Channels[j].Channel] })
	sort.Slice(nt.Deliveries, func(i, j int) bool { return order[nt.Deliveries[i].Channel] < order[nt.Deliveries[j].Channel] })
	return nt, found, nil
}

// ClaimResult says whether a worker may deliver a channel now.
type ClaimResult int

const (
	// Claimed: the worker holds the lease; it must end it with MarkSent, MarkFailed or Release.
	Claimed ClaimResult = iota
	// Done: the channel is in a terminal status; the message is a duplicate.
	Done
	// Busy: another worker holds an unexpired lease.
	Busy
	// Missing: no such channel.
	Missing
)

// Claim takes the channel's lease (status ACCEPTED, no live lease), counting an attempt.
func (st *Store) Claim(ctx context.Context, id string, c notify.Channel, token string, now time.Time, lease time.Duration) (ClaimResult, notify.ChannelState, error) {
	out, err := st.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &st.table, Key: dynamoitem.Key(notifPK(id), channelSK(c)),
		UpdateExpression:         aws.String("SET attempts = if_not_exists(attempts, :z) + :one, claimToken = :t, leaseUntil = :l, updatedAt = :now"),
		ConditionExpression:      aws.String("attribute_exists(pk) AND #st = :acc AND (attribute_not_exists(leaseUntil) OR leaseUntil < :nowms)"),
		ExpressionAttributeNames: map[string]string{"#st": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":z": dynamoitem.N(0), ":one": dynamoitem.N(1), ":t": dynamoitem.S(token),
			":l": dynamoitem.N(now.Add(lease).UnixMilli()), ":now": dynamoitem.S(dynamoitem.SortableTime(now)), ":acc": dynamoitem.S(string(notify.Accepted)), ":nowms": dynamoitem.N(now.UnixMilli())},
		ReturnValues: types.ReturnValueAllNew})
	if err == nil {
		var it channelItem
		if err := attributevalue.UnmarshalMap(out.Attributes, &it); err != nil {
			return 0, notify.ChannelState{}, fmt.Errorf("decode channel: %w", err)
		}
		return Claimed, it.state(), nil
	}
	if !isConditionFailed(err) {
		return 0, notify.ChannelState{}, fmt.Errorf("claim channel: %w", err)
	}
	cur, err := st.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &st.table, Key: dynamoitem.Key(notifPK(id), channelSK(c)), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return 0, notify.ChannelState{}, fmt.Errorf("read channel: %w", err)
	}
	if cur.Item == nil {
		return Missing, notify.ChannelState{}, nil
	}
	var it channelItem
	if err := attributevalue.UnmarshalMap(cur.Item, &it); err != nil {
		return 0, notify.ChannelState{}, fmt.Errorf("decode channel: %w", err)
	}
	if notify.Status(it.Status).Terminal() {
		return Done, it.state(), nil
	}
	return Busy, it.state(), nil
}

func (st *Store) finish(ctx context.Context, id string, c notify.Channel, token, set string, vals map[string]types.AttributeValue) (bool, error) {
	vals[":t"] = dynamoitem.S(token)
	vals[":acc"] = dynamoitem.S(string(notify.Accepted))
	_, err := st.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &st.table, Key: dynamoitem.Key(notifPK(id), channelSK(c)),
		UpdateExpression:          aws.String(set + " REMOVE claimToken, leaseUntil"),
		ConditionExpression:       aws.String("claimToken = :t AND #st = :acc"),
		ExpressionAttributeNames:  map[string]string{"#st": "status"},
		ExpressionAttributeValues: vals})
	if isConditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("update channel: %w", err)
	}
	return true, nil
}

// MarkSent ends a claim with SENT and the provider's message ID. false: the lease was lost.
func (st *Store) MarkSent(ctx context.Context, id string, c notify.Channel, token, provider, messageID string, now time.Time) (bool, error) {
	return st.finish(ctx, id, c, token, "SET #st = :sent, provider = :p, providerMessageId = :m, sentAt = :now, updatedAt = :now",
		map[string]types.AttributeValue{":sent": dynamoitem.S(string(notify.Sent)), ":p": dynamoitem.S(provider), ":m": dynamoitem.S(messageID), ":now": dynamoitem.S(dynamoitem.SortableTime(now))})
}

// MarkFailed ends a claim with FAILED and the provider's reason.
func (st *Store) MarkFailed(ctx context.Context, id string, c notify.Channel, token, provider, reason string, now time.Time) (bool, error) {
	return st.finish(ctx, id, c, token, "SET #st = :failed, provider = :p, lastError = :e, updatedAt = :now",
		map[string]types.AttributeValue{":failed": dynamoitem.S(string(notify.Failed)), ":p": dynamoitem.S(provider), ":e": dynamoitem.S(notify.TrimReason(reason)), ":now": dynamoitem.S(dynamoitem.SortableTime(now))})
}

// Release ends a claim without a result (a transient failure or a throttle), keeping the
// reason, so the queue's next delivery can claim again.
func (st *Store) Release(ctx context.Context, id string, c notify.Channel, token, provider, reason string, now time.Time) (bool, error) {
	return st.finish(ctx, id, c, token, "SET provider = :p, lastError = :e, updatedAt = :now",
		map[string]types.AttributeValue{":p": dynamoitem.S(provider), ":e": dynamoitem.S(notify.TrimReason(reason)), ":now": dynamoitem.S(dynamoitem.SortableTime(now))})
}

// MarkDeadLettered records that the queue gave up on a channel: ACCEPTED → DEAD_LETTERED,
// and the channel joins the dead-letter index. A channel already SENT or FAILED is left as
// it is (false).
func (st *Store) MarkDeadLettered(ctx context.Context, id string, c notify.Channel, now time.Time) (bool, error) {
	_, err := st.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &st.table, Key: dynamoitem.Key(notifPK(id), channelSK(c)),
		UpdateExpression:         aws.String("SET #st = :dead, updatedAt = :now, gsi1pk = :gpk, gsi1sk = :gsk REMOVE claimToken, leaseUntil"),
		ConditionExpression:      aws.String("attribute_exists(pk) AND #st = :acc"),
		ExpressionAttributeNames: map[string]string{"#st": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":dead": dynamoitem.S(string(notify.DeadLettered)), ":now": dynamoitem.S(dynamoitem.SortableTime(now)),
			":gpk": dynamoitem.S(deadIndexPK), ":gsk": dynamoitem.S(dynamoitem.SortableTime(now) + "#" + id + "#" + string(c)), ":acc": dynamoitem.S(string(notify.Accepted))}})
	if isConditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("mark dead-lettered: %w", err)
	}
	return true, nil
}

// DeadLetter is a dead-lettered channel.
type DeadLetter struct {
	NotificationID string
	Tenant         string
	Channel        notify.Channel
	Redrives       int
	At             time.Time
}

// ListDeadLetters returns up to limit dead-lettered channels, oldest first (Query gsi1).
func (st *Store) ListDeadLetters(ctx context.Context, limit int32) ([]DeadLetter, error) {
	out, err := st.db.Query(ctx, &dynamodb.QueryInput{TableName: &st.table, IndexName: aws.String(gsi1), Limit: aws.Int32(limit),
		KeyConditionExpression:    aws.String("gsi1pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": dynamoitem.S(deadIndexPK)}})
	if err != nil {
		return nil, fmt.Errorf("list dead letters: %w", err)
	}
	var items []channelItem
	if err := attributevalue.UnmarshalListOfMaps(out.Items, &items); err != nil {
		return nil, fmt.Errorf("decode dead letters: %w", err)
	}
	dl := make([]DeadLetter, 0, len(items))
	for _, it := range items {
		dl = append(dl, DeadLetter{NotificationID: it.ID, Tenant: it.TenantID, Channel: notify.Channel(it.Channel),
			Redrives: it.Redrives, At: dynamoitem.TimeOrZero(it.UpdatedAt)})
	}
	return dl, nil
}

// DeadLettersOf returns the dead-lettered channels of one notification.
func (st *Store) DeadLettersOf(ctx context.Context, id string) ([]DeadLetter, error) {
	nt, ok, err := st.Get(ctx, id)
	if err != nil || !ok {
		return nil, err
	}
	var dl []DeadLetter
	for _, c := range nt.Channels {
		if c.Status == notify.DeadLettered {
			dl = append(dl, DeadLetter{NotificationID: id, Tenant: nt.Tenant, Channel: c.Channel, Redrives: c.Redrives, At: c.UpdatedAt})
		}
	}
	return dl, nil
}

// Revive moves a dead-lettered channel back to ACCEPTED for a redrive, counting the redrive
// and resetting its attempts; it returns the redrive generation. false: not dead-lettered
// (any more).
func (st *Store) Revive(ctx context.Context, id string, c notify.Channel, now time.Time) (int, bool, error) {
	out, err := st.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &st.table, Key: dynamoitem.Key(notifPK(id), channelSK(c)),
		UpdateExpression:         aws.String("SET #st = :acc, attempts = :z, redrives = if_not_exists(redrives, :z) + :one, updatedAt = :now REMOVE gsi1pk, gsi1sk"),
		ConditionExpression:      aws.String("#st = :dead"),
		ExpressionAttributeNames: map[string]string{"#st": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":acc": dynamoitem.S(string(notify.Accepted)), ":dead": dynamoitem.S(string(notify.DeadLettered)),
			":z": dynamoitem.N(0), ":one": dynamoitem.N(1), ":now": dynamoitem.S(dynamoitem.SortableTime(now))},
		ReturnValues: types.ReturnValueUpdatedNew})
	if isConditionFailed(err) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("revive channel: %w", err)
	}
	var gen int
	if v, ok := out.Attributes["redrives"].(*types.AttributeValueMemberN); ok {
		gen, _ = strconv.Atoi(v.Value)
	}
	return gen, true, nil
}

// RecordSandbox keeps a sandbox delivery exactly once per notification and channel, numbered
// in delivery order per tenant and channel.
func (st *Store) RecordSandbox(ctx context.Context, d notify.SandboxDelivery) (notify.SandboxDelivery, error) {
	sk := sandboxSK(d.Channel)
	existing, err := st.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &st.table, Key: dynamoitem.Key(notifPK(d.NotificationID), sk), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return notify.SandboxDelivery{}, fmt.Errorf("read sandbox delivery: %w", err)
	}
	if existing.Item != nil {
		var it sandboxItem
		if err := attributevalue.UnmarshalMap(existing.Item, &it); err != nil {
			return notify.SandboxDelivery{}, err
		}
		return it.delivery(), nil
	}
	ctr, err := st.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &st.table,
		Key:                       dynamoitem.Key("SANDBOXSEQ#"+d.Tenant+"#"+string(d.Channel), "SEQ"),
		UpdateExpression:          aws.String("ADD seq :one"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": dynamoitem.N(1)},
		ReturnValues:              types.ReturnValueUpdatedNew})
	if err != nil {
		return notify.SandboxDelivery{}, fmt.Errorf("sandbox sequence: %w", err)
	}
	if v, ok := ctr.Attributes["seq"].(*types.AttributeValueMemberN); ok {
		d.Sequence, _ = strconv.ParseInt(v.Value, 10, 64)
	}
	it := sandboxItem{PK: notifPK(d.NotificationID), SK: sk, Entity: entitySandbox, ID: d.NotificationID, TenantID: d.Tenant,
		Channel: string(d.Channel), Sequence: d.Sequence, To: d.To, Subject: d.Subject, Title: d.Title, Body: d.Body, Data: d.Data,
		MessageID: d.MessageID, DeliveredAt: dynamoitem.SortableTime(d.DeliveredAt),
		GSI1PK: "SANDBOX#" + d.Tenant + "#" + string(d.Channel), GSI1SK: fmt.Sprintf("%020d", d.Sequence)}
	av, err := attributevalue.MarshalMap(it)
	if err != nil {
		return notify.SandboxDelivery{}, err
	}
	_, err = st.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &st.table, Item: av, ConditionExpression: aws.String("attribute_not_exists(pk)")})
	if isConditionFailed(err) {
		return st.RecordSandbox(ctx, d) // a concurrent duplicate won: return its record
	}
	if err != nil {
		return notify.SandboxDelivery{}, fmt.Errorf("record sandbox delivery: %w", err)
	}
	return d, nil
}
