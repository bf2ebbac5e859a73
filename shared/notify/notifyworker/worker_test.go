package notifyworker_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"holdfast/shared/localcloud/emulator/emulatortest"
	"holdfast/shared/localcloud/eventsource"
	"holdfast/shared/localcloud/lambdaruntime"
	"holdfast/shared/notify"
	"holdfast/shared/notify/clientcache"
	"holdfast/shared/notify/notifyqueue"
	"holdfast/shared/notify/notifystore"
	"holdfast/shared/notify/notifyworker"
	"holdfast/shared/notify/provider"
	"holdfast/shared/notify/provider/providertest"
	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/logging"
	"holdfast/shared/platform/platformtest"
)

func TestMain(m *testing.M) { emulatortest.Main(m) }

const (
	brevoKey = "xkeysib-WORKER-SECRET-0001"
	twoKey   = "2f-WORKER-SECRET-0002"
)

// invoker runs a handler in-process behind the local cloud's real SQS event source mapping.
type invoker struct {
	handlers map[string]func(context.Context, lambdaevents.SQSEvent) (lambdaevents.SQSEventResponse, error)
}

func (i invoker) Invoke(ctx context.Context, fn string, payload []byte, _ lambdaruntime.InvokeOptions) (lambdaruntime.Result, error) {
	var ev lambdaevents.SQSEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return lambdaruntime.Result{}, err
	}
	resp, err := i.handlers[fn](ctx, ev)
	if err != nil {
		return lambdaruntime.Result{Err: &lambdaruntime.FunctionError{ErrorType: "error", ErrorMessage: err.Error()}}, nil
	}
	b, _ := json.Marshal(resp)
	return lambdaruntime.Result{Payload: b}, nil
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

type rig struct {
	store  *notifystore.Store
	acc    *notifyqueue.Acceptor
	brevo  *providertest.Fake
	two    *providertest.Fake
	fcm    *providertest.FCM
	tenant notify.Tenant
	logs   *syncBuf
}

func setup(t *testing.T) *rig {
	t.Helper()
	ctx := context.Background()
	cfg := emulatortest.Config(t)
	db := dynamodb.NewFromConfig(cfg)
	platformtest.CreateTables(t, db, platformtest.Table{LogicalID: "NotifyTable", Name: "notify"})
	q := sqs.NewFromConfig(cfg)
	env := notifyqueue.Env{Table: "notify", QueueURLs: map[notify.Channel]string{}, SecretPrefix: "holdfast/test/notify/tenants/",
		DefaultProvider: notify.ProviderSandbox, RetryDelay: time.Second}
	r := &rig{brevo: providertest.Brevo(t, brevoKey), two: providertest.TwoFactor(t, twoKey), fcm: providertest.NewFCM(t), logs: &syncBuf{}}
	env.BrevoBaseURL, env.TwoFactorURL, env.FCMBaseURL, env.FCMTokenURL = r.brevo.URL, r.two.URL, r.fcm.URL, r.fcm.TokenURL()
	r.store = notifystore.New(db, "notify")
	secrets := notifystore.NewSecrets(secretsmanager.NewFromConfig(cfg), env.SecretPrefix)
	acct := providertest.NewAccount(t, "acme-push", "https://oauth2.googleapis.com/token")
	r.fcm.Trust(acct)
	var treq notify.TenantRequest
	_ = json.Unmarshal([]byte(`{"tenantId":"acme","name":"Acme","providers":{"EMAIL":"brevo","SMS":"twofactor","PUSH":"fcm"},
		"brevo":{"apiKey":"`+brevoKey+`","senderEmail":"no-reply@acme.test"},"twoFactor":{"apiKey":"`+twoKey+`","senderId":"ACMEIN"}}`), &treq)
	treq.Firebase = &struct {
		ServiceAccountJSON string `json:"serviceAccountJson"`
	}{ServiceAccountJSON: string(acct.JSON)}
	tenant, sec, err := treq.Validate(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if tenant.SecretVersion, err = secrets.Put(ctx, "acme", sec); err != nil {
		t.Fatal(err)
	}
	// A concurrent registration of the same ID that lost the race to the tenant item still
	// stored its credentials, after ours: the workers must use the version acme's item names.
	// Every provider test below authenticates with acme's keys, so each would fail otherwise.
	loser := sec
	loser.BrevoAPIKey, loser.TwoFactorAPIKey = "xkeysib-loser", "loser-2factor-key"
	loserVersion, err := secrets.Put(ctx, "acme", loser)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := secrets.Get(ctx, "acme", loserVersion); err != nil || got.BrevoAPIKey != "xkeysib-loser" || loserVersion == tenant.SecretVersion {
		t.Fatalf("the loser's credentials are a version of their own: %v", err)
	}
	// Both versions keep a staging label (Secrets Manager may delete unlabelled versions).
	desc, err := secretsmanager.NewFromConfig(cfg).DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(secrets.Name("acme"))})
	if err != nil {
		t.Fatal(err)
	}
	if len(desc.VersionIdsToStages[tenant.SecretVersion]) == 0 ||
		!slices.Contains(desc.VersionIdsToStages[loserVersion], notifystore.RegistrationStage(loserVersion)) {
		t.Fatalf("version labels %v", desc.VersionIdsToStages)
	}
	if err := r.store.PutTenant(ctx, tenant); err != nil {
		t.Fatal(err)
	}
	r.tenant = tenant
	log := logging.New(r.logs, slog.LevelDebug, "notify-test")
	inv := invoker{handlers: map[string]func(context.Context, lambdaevents.SQSEvent) (lambdaevents.SQSEventResponse, error){}}
	dl := &notifyworker.DeadLetters{Store: r.store, Clock: clock.System{}, Log: log}
	inv.handlers["dead"] = dl.Handle
	for _, c := range notify.AllChannels() {
		name := strings.ToLower(string(c))
		dlq, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name + "-dlq.fifo"), Attributes: map[string]string{"FifoQueue": "true"}})
		if err != nil {
			t.Fatal(err)
		}
		main, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name + ".fifo"), Attributes: map[string]string{"FifoQueue": "true",
			"VisibilityTimeout": "30", "RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:` + name + `-dlq.fifo","maxReceiveCount":3}`}})
		if err != nil {
			t.Fatal(err)
		}
		env.QueueURLs[c] = *main.QueueUrl
		senders := &notifyworker.Senders{Channel: c, Store: r.store, Secrets: secrets, Env: env, HTTP: provider.NewHTTPClient(2 * time.Second),
			Now: time.Now, Cache: clientcache.New[notifyworker.ChannelSender](0, 0, nil)}
		w := &notifyworker.Worker{Channel: c, Store: r.store, Senders: senders, SQS: q, QueueURL: *main.QueueUrl, Clock: clock.System{}, Log: log, RetryDelay: env.RetryDelay}
		inv.handlers[name] = w.Handle
		for _, m := range []struct{ fn, url string }{{name, *main.QueueUrl}, {"dead", *dlq.QueueUrl}} {
			mp, err := eventsource.NewSQSMapping(q, inv, eventsource.SQSConfig{Function: m.fn, QueueURL: m.url, BatchSize: 10,
				ReportBatchItemFailures: true, WaitTime: time.Second}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := mp.Start(ctx); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(mp.Stop)
		}
	}
	r.acc = &notifyqueue.Acceptor{Store: r.store, Queues: &notifyqueue.Queues{SQS: q, URLs: env.QueueURLs}, Env: env}
	return r
}

func (r *rig) notify(t *testing.T, req notify.Request) string {
	t.Helper()
	acc, err := r.acc.Accept(context.Background(), r.tenant, "key-"+time.Now().Format(time.RFC3339Nano), req, "corr-worker-test", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return acc.Notification.ID
}

func (r *rig) wait(t *testing.T, id string, c notify.Channel, within time.Duration, cond func(notify.ChannelState) bool) notify.ChannelState {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		nt, _, err := r.store.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		for _, cs := range nt.Channels {
			if cs.Channel == c && cond(cs) {
				return cs
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s of %s: condition not reached within %v: %+v", c, id, within, nt.Channels)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func email() notify.Request {
	return notify.Request{NotificationType: notify.TypeEmail, Email: "asha.worker@example.com", Subject: "s", Body: "b"}
}

func TestTransientFailureIsRetriedThenDeadLetteredAfterThreeAttempts(t *testing.T) {
	r := setup(t)
	r.brevo.Always(providertest.ServerError(503))
	id := r.notify(t, email())
	cs := r.wait(t, id, notify.Email, 40*time.Second, func(c notify.ChannelState) bool { return c.Status == notify.DeadLettered })
	calls := r.brevo.Calls()
	if cs.Attempts != 3 || len(calls) != 3 || !strings.Contains(cs.LastError, "503") {
		t.Fatalf("%+v calls=%d", cs, len(calls))
	}
	t.Logf("FIGURE gaps between attempts (queue retry delay 1 s here, 2 s in the template): %v, %v",
		calls[1].At.Sub(calls[0].At).Round(10*time.Millisecond), calls[2].At.Sub(calls[1].At).Round(10*time.Millisecond))
	if strings.Contains(r.logs.String(), brevoKey) || strings.Contains(r.logs.String(), "asha.worker@example.com") {
		t.Fatal("a key or an address reached the logs")
	}
}

func TestThrottleIsDelayedAsHintedThenSent(t *testing.T) {
	r := setup(t)
	r.brevo.Respond(func(n int) providertest.Reply {
		if n == 1 {
			return providertest.BrevoRateLimited(4)
		}
		return providertest.BrevoCreated("<m-1@smtp-relay.mailin.fr>")
	})
	id := r.notify(t, email())
	cs := r.wait(t, id, notify.Email, 30*time.Second, func(c notify.ChannelState) bool { return c.Status == notify.Sent })
	calls := r.brevo.Calls()
	if cs.Attempts != 2 || len(calls) != 2 || cs.ProviderMessageID != "<m-1@smtp-relay.mailin.fr>" {
		t.Fatalf("%+v calls=%d", cs, len(calls))
	}
	// The message stayed invisible for the hinted 4 s (the retry delay of a transient failure
	// here is 1 s): the second attempt cannot come before the hint.
	if gap := calls[1].At.Sub(calls[0].At); gap < 4*time.Second {
		t.Fatalf("retried %v after a 4 s reset hint", gap)
	}
	var body map[string]any
	_ = json.Unmarshal(calls[1].Body, &body)
	if h, _ := body["headers"].(map[string]any); h["idempotencyKey"] != id {
		t.Fatalf("notification ID not passed as Brevo's idempotency key: %s", calls[1].Body)
	}
}

func TestPermanentFailuresFailAtOnceWithTheReason(t *testing.T) {
	r := setup(t)
	cases := []struct {
		name   string
		ch     notify.Channel
		arm    func()
		req    notify.Request
		reason string
		calls  func() int
	}{
		{"2Factor Status Error inside a 200", notify.SMS, func() { r.two.Always(providertest.TwoFactorError("Invalid Phone Number")) },
			notify.Request{NotificationType: notify.TypeSMS, Phone: "+919800000001", Body: "b"}, "Invalid Phone Number", func() int { return len(r.two.Calls()) }},
		{"FCM UNREGISTERED", notify.Push, func() { r.fcm.Always(providertest.FCMUnregistered()) },
			notify.Request{NotificationType: notify.TypePush, FCMToken: "tok-1", Title: "t", Body: "b"}, "UNREGISTERED", func() int { return len(r.fcm.Calls()) }},
		{"Brevo invalid address", notify.Email, func() { r.brevo.Always(providertest.BrevoInvalidEmail()) },
			email(), "email is not valid", func() int { return len(r.brevo.Calls()) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.arm()
			before := c.calls()
			id := r.notify(t, c.req)
			cs := r.wait(t, id, c.ch, 20*time.Second, func(s notify.ChannelState) bool { return s.Status == notify.Failed })
			if cs.Attempts != 1 || !strings.Contains(cs.LastError, c.reason) || c.calls()-before != 1 {
				t.Fatalf("%+v calls=%d", cs, c.calls()-before)
			}
		})
	}
	// SENDER_ID_MISMATCH, after which a good push for the same tenant still goes out.
	r.fcm.Always(providertest.FCMSenderIDMismatch())
	id := r.notify(t, notify.Request{NotificationType: notify.TypePush, FCMToken: "tok-2", Title: "t", Body: "b"})
	if cs := r.wait(t, id, notify.Push, 20*time.Second, func(s notify.ChannelState) bool { return s.Status == notify.Failed }); !strings.Contains(cs.LastError, "SENDER_ID_MISMATCH") {
		t.Fatalf("%+v", cs)
	}
	r.fcm.Always(providertest.FCMSent("acme-push"))
	id = r.notify(t, notify.Request{NotificationType: notify.TypePush, FCMToken: "tok-3", Title: "t", Body: "b"})
	r.wait(t, id, notify.Push, 20*time.Second, func(s notify.ChannelState) bool { return s.Status == notify.Sent })
	if r.fcm.Issued != 1 {
		t.Fatalf("the cached Firebase client should reuse its token: %d issued", r.fcm.Issued)
	}
	logs := r.logs.String()
	for _, s := range []string{brevoKey, twoKey, "919800000001", "tok-1", "PRIVATE KEY", "ya29."} {
		if strings.Contains(logs, s) {
			t.Errorf("logs contain %q", s)
		}
	}
}

// TestWorkerDeliversOnlyForRegisteredTenantsAndThePlatform: the worker applies the same
// tenant rule as the send route (notify.SendingTenant). A channel of a tenant that is not
// registered (accepted here straight through the Acceptor, which the route would refuse)
// fails permanently without reaching a provider; the unregistered platform tenant delivers
// through the default provider (the sandbox here).
func TestWorkerDeliversOnlyForRegisteredTenantsAndThePlatform(t *testing.T) {
	r := setup(t)
	sms := notify.Request{NotificationType: notify.TypeSMS, Phone: "+919800000002", Body: "b"}
	accept := func(tenant string) string {
		acc, err := r.acc.Accept(context.Background(), notify.DefaultTenant(tenant), "key-"+tenant, sms, "corr-worker-test", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return acc.Notification.ID
	}
	ghost := r.wait(t, accept("ghost"), notify.SMS, 20*time.Second, func(c notify.ChannelState) bool { return c.Status != notify.Accepted })
	if ghost.Status != notify.Failed || ghost.LastError != "tenant ghost is not registered" {
		t.Fatalf("unregistered tenant: %+v", ghost)
	}
	platform := r.wait(t, accept(notify.PlatformTenant), notify.SMS, 20*time.Second, func(c notify.ChannelState) bool { return c.Status != notify.Accepted })
	if platform.Status != notify.Sent || !strings.HasPrefix(platform.ProviderMessageID, "sandbox:") {
		t.Fatalf("unregistered platform tenant: %+v", platform)
	}
	if n := len(r.two.Calls()); n != 0 {
		t.Fatalf("%d calls reached 2Factor", n)
	}
}
