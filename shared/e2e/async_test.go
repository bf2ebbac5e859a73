package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"holdfast/shared/platform/events"
	"holdfast/shared/platform/wsconn"
)

// logLines returns the function log lines (JSON objects) matching every key=value given.
func logLines(match map[string]string) []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(fnLogs.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) != nil {
			continue
		}
		ok := true
		for k, v := range match {
			ok = ok && fmt.Sprint(m[k]) == v
		}
		if ok {
			out = append(out, m)
		}
	}
	return out
}

// eventually polls cond until it holds or the time is up.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", within, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func queueURL(t *testing.T, logicalID string) string {
	t.Helper()
	u, err := cloud.Deployment.Ref(logicalID)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func busEventBody(t *testing.T, env events.Envelope) string {
	t.Helper()
	b, err := events.Delivered(env, uniq("bus"), "123456789012", "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSQSMappingRetriesOnlyTheFailedMessageThenDeadLetters(t *testing.T) {
	ctx := context.Background()
	q := sqs.NewFromConfig(awsCfg)
	url, dlq := queueURL(t, "AnalyticsQueue"), queueURL(t, "AnalyticsDLQ")
	// Short visibility so SQS's own retry schedule fits in a test; restored afterwards. It stays
	// above the mapping's 1 s batching window: a message received at the window's start is
	// invoked at its end, and a visibility no longer than the window lets the other poller
	// receive it again meanwhile (AWS's guidance: visibility above timeout plus window).
	setVis := func(v string) {
		if _, err := q.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: &url, Attributes: map[string]string{"VisibilityTimeout": v}}); err != nil {
			t.Fatal(err)
		}
	}
	setVis("3")
	defer setVis("60")
	var sent []string
	for i := 0; i < 2; i++ {
		env, err := events.New(events.Meta{EventID: uniq("evt"), CorrelationID: "c", OccurredAt: time.Now(), Domain: "test", Type: "Probe", Version: 1}, map[string]int{"n": i})
		if err != nil {
			t.Fatal(err)
		}
		out, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String(busEventBody(t, env))})
		if err != nil {
			t.Fatal(err)
		}
		sent = append(sent, *out.MessageId)
	}
	bad, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String(`{"not":"an event"}`)})
	if err != nil {
		t.Fatal(err)
	}
	var dead []string
	eventually(t, 2*time.Minute, "the malformed message reaches the DLQ", func() bool {
		out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &dlq, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			dead = append(dead, *m.Body)
			_, _ = q.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &dlq, ReceiptHandle: m.ReceiptHandle})
		}
		return len(dead) > 0
	})
	if len(dead) != 1 || dead[0] != `{"not":"an event"}` {
		t.Fatalf("DLQ holds %q, want only the malformed message", dead)
	}
	for _, id := range sent {
		if n := len(logLines(map[string]string{"msg": "event observed", "messageId": id})); n != 1 {
			t.Errorf("valid message %s processed %d times, want once", id, n)
		}
	}
	tries := len(logLines(map[string]string{"msg": "malformed analytics event", "messageId": *bad.MessageId}))
	if tries != 5 { // the template's maxReceiveCount
		t.Errorf("malformed message tried %d times, want maxReceiveCount=5", tries)
	}
	attrs, _ := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []sqstypes.QueueAttributeName{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"}})
	if attrs.Attributes["ApproximateNumberOfMessages"] != "0" || attrs.Attributes["ApproximateNumberOfMessagesNotVisible"] != "0" {
		t.Errorf("queue not drained: %v", attrs.Attributes)
	}
}

func TestRelayPublishesOncePerLogicalChange(t *testing.T) {
	ctx := context.Background()
	table := cloud.Deployment.Functions["MeGetFunction"].Env["LENDING_TABLE"]
	user := uniq("relay")
	corr := uniq("corr")
	// An UpdateItem that creates an item: the emulator emits two INSERT stream records for it.
	_, err := dynamodb.NewFromConfig(awsCfg).UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:        &table,
		Key:              map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "USER#" + user}, "sk": &types.AttributeValueMemberS{Value: "PROFILE"}},
		UpdateExpression: aws.String("SET entity = :e, userId = :u, creditScore = :s, version = :v, correlationId = :c, createdAt = :t, updatedAt = :t"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":e": &types.AttributeValueMemberS{Value: "profile"}, ":u": &types.AttributeValueMemberS{Value: user},
			":s": &types.AttributeValueMemberN{Value: "650"}, ":v": &types.AttributeValueMemberN{Value: "1"},
			":c": &types.AttributeValueMemberS{Value: corr}, ":t": &types.AttributeValueMemberS{Value: time.Now().UTC().Format(time.RFC3339Nano)},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	createdID := "USER#" + user + "#PROFILE#v1"
	eventually(t, 15*time.Second, "ProfileCreated reaches the analytics queue's consumer", func() bool {
		return len(logLines(map[string]string{"msg": "event observed", "eventId": createdID})) > 0
	})
	// A change through the API, with its correlation ID.
	apiCorr := uniq("api")
	if r := call(t, "PATCH", "/api/v1/me", token(t, user, "customer"), map[string]string{"monthlyIncome": "10.00"}, "X-Correlation-Id", apiCorr); r.Status != 200 {
		t.Fatalf("patch: %d %s", r.Status, r.Body)
	}
	updatedID := "USER#" + user + "#PROFILE#v2"
	eventually(t, 15*time.Second, "ProfileUpdated reaches the consumer", func() bool {
		return len(logLines(map[string]string{"msg": "event observed", "eventId": updatedID})) > 0
	})
	var created, updated []map[string]any
	consistently(t, 1500*time.Millisecond, "exactly one ProfileCreated and one ProfileUpdated", func() bool {
		created = logLines(map[string]string{"msg": "event observed", "eventId": createdID})
		updated = logLines(map[string]string{"msg": "event observed", "eventId": updatedID})
		if len(created) != 1 || len(updated) != 1 {
			t.Logf("events delivered: created %d, updated %d", len(created), len(updated))
			return false
		}
		return true
	})
	if created[0]["detailType"] != "ProfileCreated.v1" || created[0]["source"] != "holdfast.lending" || created[0]["correlationId"] != corr {
		t.Fatalf("created event: %v", created[0])
	}
	if updated[0]["detailType"] != "ProfileUpdated.v1" || updated[0]["correlationId"] != apiCorr {
		t.Fatalf("updated event: %v", updated[0])
	}
}

func TestScheduleRunDeliversAsOf(t *testing.T) {
	ctx := context.Background()
	store := connectionsStore()
	now := time.Now()
	id := uniq("conn")
	if err := store.Put(ctx, wsconn.Connection{ID: id, ConnectedAt: now, ExpiresAt: now.Add(2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	run := func(asOf time.Time) map[string]any {
		r := localCall(t, "POST", "/__local/schedules/WsSweepFunction.Sweep/run", map[string]string{"asOf": asOf.UTC().Format(time.RFC3339Nano)})
		if r.Status != 200 {
			t.Fatalf("schedule run: %d %s", r.Status, r.Body)
		}
		return r.JSON(t)
	}
	// As of now the connection is live: the sweep keeps it, and reports the time it was given.
	asOf := now.Add(time.Minute).Truncate(time.Second)
	out := run(asOf)
	result, _ := out["result"].(map[string]any)
	if got, _ := time.Parse(time.RFC3339Nano, fmt.Sprint(result["asOf"])); !got.Equal(asOf) {
		t.Fatalf("function saw asOf %v, want %v (%v)", result["asOf"], asOf, out)
	}
	if _, ok, _ := store.Get(ctx, id, now); !ok {
		t.Fatal("live connection swept")
	}
	// Three hours later it has expired: the sweep run as of then removes it.
	later := now.Add(3 * time.Hour).Truncate(time.Second)
	result, _ = run(later)["result"].(map[string]any)
	if got, _ := time.Parse(time.RFC3339Nano, fmt.Sprint(result["asOf"])); !got.Equal(later) || result["removed"].(float64) < 1 {
		t.Fatalf("sweep as of %v: %v", later, result)
	}
	if _, ok, _ := store.Get(ctx, id, now); ok {
		t.Fatal("expired connection still stored after the sweep")
	}
	if r := localCall(t, "POST", "/__local/schedules/Nope/run", map[string]string{}); r.Status != 404 {
		t.Fatalf("unknown schedule: %d %s", r.Status, r.Body)
	}
}

// The local cloud's own endpoints move time and fire jobs for everyone: the public HTTP port
// serves them only to an admin of the dev issuer, and a refused call
// changes nothing.
func TestLocalEndpointsNeedALocalAdmin(t *testing.T) {
	cases := []struct {
		name, tok string
		want      int
	}{
		{"no token", "", 401},
		{"not a token", "not-a-jwt", 401},
		{"a customer", token(t, uniq("cust"), "customer"), 403},
		{"a doctor", token(t, uniq("doc"), "doctor"), 403},
	}
	for _, c := range cases {
		if r := call(t, "POST", "/__local/clock", c.tok, map[string]string{"now": "2031-01-01T00:00:00Z"}); r.Status != c.want {
			t.Errorf("%s moving the clock: %d %s, want %d", c.name, r.Status, r.Body, c.want)
		}
		if r := call(t, "POST", "/__local/schedules/WsSweepFunction.Sweep/run", c.tok, map[string]string{}); r.Status != c.want {
			t.Errorf("%s running a schedule: %d %s, want %d", c.name, r.Status, r.Body, c.want)
		}
		if r := call(t, "GET", "/__local/functions", c.tok, nil); r.Status != c.want {
			t.Errorf("%s reading function stats: %d, want %d", c.name, r.Status, c.want)
		}
	}
	if r := localCall(t, "GET", "/__local/clock", nil); r.Status != 200 || strings.Contains(string(r.Body), "2031") {
		t.Fatalf("the clock after refused moves: %d %s", r.Status, r.Body)
	}
	if r := call(t, "GET", "/.well-known/jwks.json", "", nil); r.Status != 200 {
		t.Fatalf("the JWKS must stay public: %d", r.Status)
	}
}
