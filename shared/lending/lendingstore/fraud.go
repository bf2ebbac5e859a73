package lendingstore

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
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

func fraudTxSK(at time.Time, txID string) string { return fraudTxPrefix + stampMs(at) + "#" + txID }

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
// is idempotent (its key is the transaction), and the alert is claimed by a conditional write
// on the user's alert head, so concurrent instances and redeliveries raise one alert per window.
func (st *LoanStore) ObserveWalletTx(ctx context.Context, userID, txID string, at, now time.Time, corr string) (*AlertItem, error) {
	pk := fraudPrefix + userID
	_, err := st.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(st.table),
		Item: map[string]types.AttributeValue{"pk": s(pk), "sk": s(fraudTxSK(at, txID)), "entity": s("fraudWindowTx"),
			"txId": s(txID), "at": s(stampMs(at)), "expiresAt": n(at.Add(fraudTTL).Unix())},
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
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s(pk),
				":from": s(fraudTxPrefix + stampMs(at.Add(-FraudWindow))), ":to": s(fraudTxPrefix + stampMs(at.Add(FraudWindow)) + "#~")},
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
			t, err := time.Parse("2006-01-02T15:04:05.000000000Z", row.At)
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
	// Windows [w, w+5s) that contain at and hold more than the threshold, earliest first. Alerted
	// windows never overlap (the user's alert head keeps the end of the last one), so a window
	// overlapping an alerted one is skipped and the next candidate tried: a second burst right
	// after an alerted one still gets its own alert, whatever order the events arrive in.
	var alertedUntil time.Time // known end of the last alerted window; zero until read
	for i := range txs {
		w := txs[i].at
		if w.After(at) || !at.Before(w.Add(FraudWindow)) || w.Before(alertedUntil) {
			continue
		}
		var in []fraudTx
		for _, t := range txs[i:] {
			if t.at.Before(w.Add(FraudWindow)) {
				in = append(in, t)
			}
		}
		if len(in) <= FraudThreshold {
			continue
		}
		alert, claimed, err := st.raiseAlert(ctx, userID, in, now, corr)
		if err != nil || claimed {
			return alert, err
		}
		if alertedUntil, err = st.lastAlertedEnd(ctx, userID); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// lastAlertedEnd reads the end of the user's last alerted window (consistent read).
func (st *LoanStore) lastAlertedEnd(ctx context.Context, userID string) (time.Time, error) {
	out, err := st.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(st.table), Key: key(fraudPrefix+userID, fraudHeadSK),
		ConsistentRead: aws.Bool(true), ProjectionExpression: aws.String("lastWindowEnd")})
	if err != nil {
		return time.Time{}, fmt.Errorf("read alert head: %w", err)
	}
	v, ok := out.Item["lastWindowEnd"].(*types.AttributeValueMemberS)
	if !ok {
		return time.Time{}, nil
	}
	return time.Parse("2006-01-02T15:04:05.000000000Z", v.Value)
}

// raiseAlert writes the alert for the window that begins with in[0], unless an alert already
// covers a window overlapping it (the head holds the end of the last alerted window): then
// claimed is false and nothing is written.
func (st *LoanStore) raiseAlert(ctx context.Context, userID string, in []fraudTx, now time.Time, corr string) (alert *AlertItem, claimed bool, err error) {
	ws := in[0].at
	we := ws.Add(FraudWindow)
	ids := make([]string, len(in))
	for i, t := range in {
		ids[i] = t.txID
	}
	a := AlertItem{PK: fraudPrefix + userID, SK: alertPrefix + stampMs(ws), Entity: EntityAlert,
		GSI1PK: AlertsIndexPK, GSI1SK: stampMs(ws) + "#" + userID, AlertID: "fa-" + userID + "-" + fmt.Sprint(ws.UnixMilli()),
		UserID: userID, WindowStart: stampMs(ws), WindowEnd: stampMs(we), Count: len(in), TxIDs: ids,
		CreatedAt: stamp(now), CorrelationID: corr}
	item, err := attributevalue.MarshalMap(a)
	if err != nil {
		return nil, false, err
	}
	_, err = st.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{
			TableName: aws.String(st.table), Key: key(fraudPrefix+userID, fraudHeadSK),
			UpdateExpression:          aws.String("SET lastWindowEnd = :we, entity = :e"),
			ConditionExpression:       aws.String("attribute_not_exists(lastWindowEnd) OR lastWindowEnd <= :ws"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":we": s(stampMs(we)), ":ws": s(stampMs(ws)), ":e": s("fraudHead")},
		}},
		{Put: &types.Put{TableName: aws.String(st.table), Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)")}},
	}})
	if cancelReasons(err) != nil {
		return nil, false, nil // this window (or one overlapping it) is already alerted
	}
	if err != nil {
		return nil, false, fmt.Errorf("raise fraud alert: %w", err)
	}
	return &a, true, nil
}

// Alerts lists fraud alerts newest first (Query gsi1 FRAUDALERTS), a page at a time.
func (st *LoanStore) Alerts(ctx context.Context, limit int, cursor map[string]types.AttributeValue) ([]AlertItem, map[string]types.AttributeValue, error) {
	out, err := st.db.Query(ctx, &dynamodb.QueryInput{
		TableName: aws.String(st.table), IndexName: aws.String(indexName),
		KeyConditionExpression:    aws.String("gsi1pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s(AlertsIndexPK)},
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
