package notifyapi_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"holdfast/shared/localcloud/emulator/emulatortest"
	"holdfast/shared/notify"
	"holdfast/shared/notify/notifyapi"
	"holdfast/shared/notify/notifyqueue"
	"holdfast/shared/notify/notifystore"
	"holdfast/shared/platform/config"
	"holdfast/shared/platform/httpapi"
	"holdfast/shared/platform/lambdahttp"
	"holdfast/shared/platform/platformtest"
)

// TestMain runs against the package's emulator (moto), as the other in-process route tests do.
func TestMain(m *testing.M) { emulatortest.Main(m) }

const (
	notifyTable = "holdfast-notify"
	sendRoute   = "POST /api/v1/notify"
)

type notifyEnv struct {
	d    *httpapi.Deps
	env  notifyqueue.Env
	send *lambdahttp.Function
}

// notifySetup builds POST /api/v1/notify in process, under its policy-table entry, against
// fresh audit, idempotency and notify tables and the three channel FIFO queues.
func notifySetup(t *testing.T) *notifyEnv {
	t.Helper()
	cfg, err := config.FromEnv(func(k string) string {
		return map[string]string{
			"HOLDFAST_VERSION":         "test",
			"AWS_LAMBDA_FUNCTION_NAME": "holdfast-test",
			"AUDIT_TABLE":              platformtest.AuditTable,
			"IDEMPOTENCY_TABLE":        platformtest.IdempotencyTable,
			"LOG_LEVEL":                "DEBUG",
		}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	e := &notifyEnv{d: platformtest.Deps(t, platformtest.Options{Config: cfg})}
	platformtest.CreateTables(t, e.d.DynamoDB, platformtest.Table{LogicalID: "NotifyTable", Name: notifyTable})
	e.env = notifyqueue.Env{Table: notifyTable, QueueURLs: map[notify.Channel]string{}, DefaultProvider: notify.ProviderSandbox}
	q := sqs.NewFromConfig(e.d.AWS)
	for _, c := range notify.AllChannels() {
		out, err := q.CreateQueue(context.Background(), &sqs.CreateQueueInput{
			QueueName:  aws.String("notify-" + strings.ToLower(string(c)) + ".fifo"),
			Attributes: map[string]string{"FifoQueue": "true"}})
		if err != nil {
			t.Fatal(err)
		}
		e.env.QueueURLs[c] = aws.ToString(out.QueueUrl)
	}
	e.send, err = lambdahttp.New(context.Background(), sendRoute, e.d, notifyapi.SendWith(func() notifyqueue.Env { return e.env }))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// register stores a tenant as POST /api/v1/tenants would (sandbox providers, no secret).
func (e *notifyEnv) register(t *testing.T, id string) {
	t.Helper()
	if err := notifystore.New(e.d.DynamoDB, notifyTable).PutTenant(context.Background(),
		notify.Tenant{ID: id, Name: "Tenant " + id, Providers: map[notify.Channel]string{}, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
}

// service is a machine client bound to tenant.
func service(sub, tenant string) platformtest.Call {
	return platformtest.Call{Sub: sub, Roles: []string{"service"}, Tenant: tenant}
}

// notifyCall posts body to /api/v1/notify as c, with key as the Idempotency-Key ("" for none).
func (e *notifyEnv) notifyCall(t *testing.T, c platformtest.Call, key, body string) events.APIGatewayV2HTTPResponse {
	t.Helper()
	c.Method, c.Path, c.RouteKey, c.Body = "POST", "/api/v1/notify", sendRoute, body
	if key != "" {
		c.Headers = map[string]string{"Idempotency-Key": key}
	}
	resp, err := e.send.Invoke(context.Background(), c.Event())
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// items is every item of table as canonical JSON, sorted (platformtest.Items).
func (e *notifyEnv) items(t *testing.T, table string) []string {
	t.Helper()
	return platformtest.Items(t, e.d.DynamoDB, table)
}

// problemOf decodes a problem answer's status-independent fields.
func problemOf(t *testing.T, r events.APIGatewayV2HTTPResponse) (code, detail string, fields []string) {
	t.Helper()
	var p struct {
		Code   string `json:"code"`
		Detail string `json:"detail"`
		Errors []struct {
			Field string `json:"field"`
		} `json:"errors"`
	}
	if err := json.Unmarshal([]byte(r.Body), &p); err != nil {
		t.Fatalf("not a problem document: %v %s", err, r.Body)
	}
	for _, f := range p.Errors {
		fields = append(fields, f.Field)
	}
	return p.Code, p.Detail, fields
}

const smsBody = `{"notificationType":"SMS","phone":"+919876500001","body":"Token 7 with Dr Rao at 10:30"}`
