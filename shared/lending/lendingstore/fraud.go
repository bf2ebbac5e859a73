package lendingstore

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"holdfast/shared/platform/dynamoitem"
)

// Fraud rule (SPEC §1.4): more than FraudThreshold ledger transactions on one wallet within any
// FraudWindow.
const (
	FraudThreshold = 10
	FraudWindow    = 5 * time.Second
	fraudPrefix    = "FRAUD#"
	fraudTxPrefix  = "TX#"
	fraudHeadSK    = "ALERTHEAD"
	alertPrefix    = "ALERT#"
	EntityAlert    = "fraudAlert"
	fraudTTL       = 24 * time.Hour
)

// AlertsIndexPK is the gsi1 partition listing every fraud alert.
const AlertsIndexPK = "FRAUDALERTS"

func fraudTxSK(at time.Time, txID string) string {
	return fraudTxPrefix + dynamoitem.SortableTime(at) + "#" + txID
}

// AlertItem is a stored fraud alert (relayed as FraudSuspected.v1).
type AlertItem struct {
	PK            string   `dynamodbav:"pk"`
	SK            string   `dynamodbav:"sk"`
	Entity        string   `dynamodbav:"entity"`
	GSI1PK        string   `dynamodbav:"gsi1pk"`
	GSI1SK        string   `dynamodbav:"gsi1sk"`
	AlertID       string   `dynamodbav:"alertId"`
	UserID        string   `dynamodbav:"userId"`
	WindowStart   string   `dynamodbav:"windowStart"`
	WindowEnd     string   `dynamodbav:"windowEnd"`
	Count         int      `dynamodbav:"count"`
	TxIDs         []string `dynamodbav:"txIds"`
	CreatedAt     string   `dynamodbav:"createdAt"`
	CorrelationID string   `dynamodbav:"correlationId"`
}

type fraudTx struct {
	at   time.Time
	txID string
}

// ObserveWalletTx records ledger transaction txID (committed at) on userID's wallet in the
// sliding window held in DynamoDB, and raises one alert when some 5-second window holding it has
// more than 10 transactions. Every instance sees the same items (consistent reads), the record
// is idempotent (its key is the transaction), and an alert is claimed in one transaction with
// the user's alert head's version, so concurrent instances and redeliveries raise one alert per
// window and alerted windows never overlap.
func (st *LoanStore) ObserveWalletTx(ctx context.Context, userID, txID string, at, now time.Time, corr string) (*AlertItem, error) {
	pk := fraudPrefix + userID
	_, err := st.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(st.table),
		Item: map[string]types.AttributeValue{"pk": dynamoitem.S(pk), "sk": dynamoitem.S(fraudTxSK(at, txID)), "entity": dynamoitem.S("fraudWindowTx"),
			"txId": dynamoitem.S(txID), "at": dynamoitem.S(dynamoitem.SortableTime(at)), "expiresAt": dynamoitem.N(at.Add(fraudTTL).Unix())},
	})
	if err != nil {
		return nil, fmt.Errorf("record wallet tx: %w", err)
	}
	var txs []fraudTx
	var start map[string]types.AttributeValue
	for {
		out, err := st.db.Query(ctx, &dynamodb.QueryInput{
			TableName:              aws.String(st.table),
			KeyConditionExpression: aws.String("pk = :pk AND sk BETWEEN :from AND :to"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": dynamoitem.S(pk),
				":from": dynamoitem.S(fraudTxPrefix + dynamoitem.SortableTime(at.Add(-FraudWindow))), ":to": dynamoitem.S(fraudTxPrefix + dynamoitem.SortableTime(at.Add(FraudWindow)) + "#~")},
			ConsistentRead:    aws.Bool(true),
			ExclusiveStartKey: start,
		})
		if err != nil {
			return nil, fmt.Errorf("query wallet window: %w", err)
		}
		for _, it := range out.Items {
			var row struct {
				TxID string `dynamodbav:"txId"`
				At   string `dynamodbav:"at"`
			}
			if err := attributevalue.UnmarshalMap(it, &row); err != nil {
				return nil, err
			}
			t, err := dynamoitem.ParseTime(row.At)
			if err != nil {
				return nil, err
			}
			txs = append(txs, fraudTx{at: t, txID: row.TxID})
		}
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		start = out.LastEvaluatedKey
	}
	sort.Slice(txs, func(i, j int) bool {
		return txs[i].at.Before(txs[j].at) || (txs[i].at.Equal(txs[j].at) && txs[i].txID < txs[j].txID)
	})
	// The earliest window [w, w+5s) that contains at, holds more than the threshold and
	// overlaps no alerted window. Alerted windows never overlap one another, whatever order the
	// events arrive in: the claim re-checks the user's alerts near at under an optimistic lock
	// (the alert head's version), so a racing claim makes this one re-read and decide again.
	for attempt := 0; attempt < maxFraudClaims; attempt++ {
		alerted, version, err := st.alertState(ctx, userID, at)
		if err != nil {
			return nil, err
		}
		in := fraudWindow(txs, at, alerted)
		if in == nil {
			return nil, nil
		}
		alert, claimed, err := st.raiseAlert(ctx, userID, in, version, now, corr)
		if err != nil || claimed {
			return alert, err
		}
		if err := backoff(ctx, min(attempt, 5)); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("fraud alert for %s: the alert head kept changing", userID)
}

// maxFraudClaims bounds the claim attempts of one observation (each lost only to another alert).
const maxFraudClaims = 8

// fraudWindow is the transactions of the earliest window [w, w+FraudWindow) that starts at a
// transaction, contains at, holds more than FraudThreshold and overlaps no window starting at
// an alerted time; nil when there is none.
func fraudWindow(txs []fraudTx, at time.Time, alerted []time.Time) []fraudTx {
next:
	for i := range txs {
		w := txs[i].at
		if w.After(at) || !at.Before(w.Add(FraudWindow)) {
			continue
		}
		for _, a := range alerted {
			if a.Sub(w).Abs() < FraudWindow {
				continue next
			}
		}
		var in []fraudTx
		for _, t := range txs[i:] {
			if t.at.Before(w.Add(FraudWindow)) {
				in = append(in, t)
			}
		}
		if len(in) > FraudThreshold {
			return in
		}
	}
	return nil
}

// alertState reads, consistently, the alert head's version and the starts of the user's
// alerted windows that could overlap a window holding at (those starting within 10 s before
// and 5 s after it).
func (st *LoanStore) alertState(ctx context.Context, userID string, at time.Time) ([]time.Time, int64, error) {
	pk := fraudPrefix + userID
	head, err := st.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(st.table), Key: dynamoitem.Key(pk, fraudHeadSK),
		ConsistentRead: aws.Bool(true), ProjectionExpression: aws.String("version")})
	if err != nil {
		return nil, 0, fmt.Errorf("read alert head: %w", err)
	}
	var version int64
	if v, ok := head.Item["version"].(*types.AttributeValueMemberN); ok {
		if version, err = strconv.ParseInt(v.Value, 10, 64); err != nil {
			return nil, 0, fmt.Errorf("alert head version: %w", err)
		}
	}
	out, err := st.db.Query(ctx, &dynamodb.QueryInput{
		TableName:              aws.String(st.table),
		KeyConditionExpression: aws.String("pk = :pk AND sk BETWEEN :from AND :to"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": dynamoitem.S(pk),
			":from": dynamoitem.S(alertPrefix + dynamoitem.SortableTime(at.Add(-2*FraudWindow))), ":to": dynamoitem.S(alertPrefix + dynamoitem.SortableTime(at.Add(FraudWindow)))},
		ConsistentRead:       aws.Bool(true),
		ProjectionExpression: aws.String("windowStart"),
	})
	if err != nil {
		return nil, 0, fmt.Errorf("query alerts near %s: %w", dynamoitem.SortableTime(at), err)
	}
	var starts []time.Time
	for _, it := range out.Items {
		v, ok := it["windowStart"].(*types.AttributeValueMemberS)
		if !ok {
			return nil, 0, errors.New("alert item without windowStart")
		}
		t, err := dynamoitem.ParseTime(v.Value)
		if err != nil {
			return nil, 0, err
		}
		starts = append(starts, t)
	}
	return starts, version, nil
}

// raiseAlert writes the alert for the window that begins with in[0] and moves the alert head
// from version to version+1 in one transaction. claimed is false, and nothing is written, when
// the head moved since it was read (another alert was raised meanwhile: decide again) or this
// very alert exists (a redelivery).
func (st *LoanStore) raiseAlert(ctx context.Context, userID string, in []fraudTx, version int64, now time.Time, corr string) (alert *AlertItem, claimed bool, err error) {
	ws := in[0].at
	we := ws.Add(FraudWindow)
	ids := make([]string, len(in))
	for i, t := range in {
		ids[i] = t.txID
	}
	a := AlertItem{PK: fraudPrefix + userID, SK: alertPrefix + dynamoitem.SortableTime(ws), Entity: EntityAlert,
		GSI1PK: AlertsIndexPK, GSI1SK: dynamoitem.SortableTime(ws) + "#" + userID, AlertID: "fa-" + userID + "-" + fmt.Sprint(ws.UnixMilli()),
		UserID: userID, WindowStart: dynamoitem.SortableTime(ws), WindowEnd: dynamoitem.SortableTime(we), Count: len(in), TxIDs: ids,
		CreatedAt: dynamoitem.Time(now), CorrelationID: corr}
	item, err := attributevalue.MarshalMap(a)
	if err != nil {
		return nil, false, err
	}
	cond := "version = :v"
	if version == 0 {
		cond = "attribute_not_exists(version)"
	}
	_, err = st.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{
			TableName: aws.String(st.table), Key: dynamoitem.Key(fraudPrefix+userID, fraudHeadSK),
			UpdateExpression:          aws.String("SET version = :next, entity = :e"),
			ConditionExpression:       aws.String(cond),
			ExpressionAttributeValues: withVersion(map[string]types.AttributeValue{":next": dynamoitem.N(version + 1), ":e": dynamoitem.S("fraudHead")}, version),
		}},
		{Put: &types.Put{TableName: aws.String(st.table), Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)")}},
	}})
	if cancelReasons(err) != nil {
		return nil, false, nil // the head moved or the alert exists: the caller decides again
	}
	if err != nil {
		return nil, false, fmt.Errorf("raise fraud alert: %w", err)
	}
	return &a, true, nil
}

func withVersion(vals map[string]types.AttributeValue, version int64) map[string]types.AttributeValue {
	if version != 0 {
		vals[":v"] = dynamoitem.N(version)
	}
	return vals
}

// Alerts lists fraud alerts newest first (Query gsi1 FRAUDALERTS), a page at a time.
func (st *LoanStore) Alerts(ctx context.Context, limit int, cursor map[string]types.AttributeValue) ([]AlertItem, map[string]types.AttributeValue, error) {
	out, err := st.db.Query(ctx, &dynamodb.QueryInput{
		TableName: aws.String(st.table), IndexName: aws.String(indexName),
		KeyConditionExpression:    aws.String("gsi1pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": dynamoitem.S(AlertsIndexPK)},
		ScanIndexForward:          aws.Bool(false), Limit: aws.Int32(int32(limit)), ExclusiveStartKey: cursor,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("query alerts: %w", err)
	}
	var items []AlertItem
	if err := attributevalue.UnmarshalListOfMaps(out.Items, &items); err != nil {
		return nil, nil, err
	}
	return items, out.LastEvaluatedKey, nil
}
