package idempotency_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"holdfast/shared/localcloud/emulator/emulatortest"
	"holdfast/shared/platform/authz"
	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/httpapi"
	"holdfast/shared/platform/idempotency"
	"holdfast/shared/platform/lambdahttp"
	"holdfast/shared/platform/platformtest"
	"holdfast/shared/platform/problem"
)

func TestMain(m *testing.M) { emulatortest.Main(m) }

const route = "POST /api/v1/payments"

type fixture struct {
	fn    *lambdahttp.Function
	d     *httpapi.Deps
	clk   *clock.Fixed
	runs  atomic.Int64
	delay time.Duration
	// fail5 makes the next N executions answer 500.
	fail5 atomic.Int64
}

type payment struct {
	Amount string `json:"amount"`
}

func newFixture(t *testing.T, mode authz.Idempotency) *fixture {
	t.Helper()
	// The fixed clock runs a day ahead of the real one: records it writes expire in the real
	// future, so the engine's TTL sweeper (which, as DynamoDB's, deletes by real time) leaves
	// them alone while the test moves its own clock.
	f := &fixture{clk: clock.NewFixed(time.Now().UTC().Truncate(time.Second).Add(24 * time.Hour))}
	f.d = platformtest.Deps(t, platformtest.Options{Clock: f.clk})
	policy := authz.Policy{Action: "payment.create", Roles: []string{"customer"}, Mutating: true, Idempotency: mode}
	fn, err := lambdahttp.Assemble(context.Background(), route, policy, f.d, func(context.Context, *httpapi.Deps) (httpapi.Handler, error) {
		return func(r *http.Request) (*httpapi.Response, error) {
			var in payment
			if err := httpapi.Decode(r, &in); err != nil {
				return nil, err
			}
			f.runs.Add(1)
			time.Sleep(f.delay)
			if f.fail5.Load() > 0 {
				f.fail5.Add(-1)
				return nil, errs.Unavailable("")
			}
			if in.Amount == "0" {
				return nil, errs.Unprocessable("amount_zero", "Nothing to pay.")
			}
			resp, err := httpapi.JSON(http.StatusCreated, map[string]string{"paymentId": uuid.NewString(), "amount": in.Amount})
			if resp != nil {
				resp.Header.Set("Location", "/api/v1/payments/x")
			}
			return resp, err
		}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f.fn = fn
	return f
}

func (f *fixture) call(t *testing.T, sub, key, body string) events.APIGatewayV2HTTPResponse {
	t.Helper()
	headers := map[string]string{}
	if key != "" {
		headers[idempotency.HeaderKey] = key
	}
	resp, err := f.fn.Invoke(context.Background(), platformtest.Call{
		Method: "POST", Path: "/api/v1/payments", Body: body, Headers: headers, Sub: sub, Roles: []string{"customer"},
	}.Event())
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func code(t *testing.T, resp events.APIGatewayV2HTTPResponse) string {
	t.Helper()
	var doc problem.Document
	platformtest.JSON(t, resp, &doc)
	return doc.Code
}

func TestReplayReturnsTheOriginalAnswer(t *testing.T) {
	f := newFixture(t, authz.IdempotencyRequired)
	first := f.call(t, "alice", "key-1", `{"amount":"10.00"}`)
	if first.StatusCode != 201 || first.Headers[idempotency.HeaderReplayed] != "" {
		t.Fatalf("%+v", first)
	}
	// Same request, different JSON spacing: the canonical body is the same.
	for _, body := range []string{`{"amount":"10.00"}`, "{ \"amount\" : \"10.00\" }\n"} {
		again := f.call(t, "alice", "key-1", body)
		if again.StatusCode != 201 || again.Body != first.Body || again.Headers[idempotency.HeaderReplayed] != "true" ||
			again.Headers["Location"] != "/api/v1/payments/x" || again.Headers["Content-Type"] != "application/json" {
			t.Fatalf("replay %+v\noriginal %+v", again, first)
		}
		if again.Headers["X-Correlation-Id"] == "" || again.Headers["X-Correlation-Id"] == first.Headers["X-Correlation-Id"] {
			t.Fatalf("replay must carry its own correlation ID: %v", again.Headers)
		}
	}
	if n := f.runs.Load(); n != 1 {
		t.Fatalf("handler ran %d times", n)
	}
}

func TestReuseWithAnotherBodyIs422(t *testing.T) {
	f := newFixture(t, authz.IdempotencyRequired)
	if r := f.call(t, "alice", "key-2", `{"amount":"10.00"}`); r.StatusCode != 201 {
		t.Fatal(r)
	}
	r := f.call(t, "alice", "key-2", `{"amount":"99.00"}`)
	if r.StatusCode != 422 || code(t, r) != idempotency.CodeKeyReuse {
		t.Fatalf("%+v", r)
	}
	if n := f.runs.Load(); n != 1 {
		t.Fatalf("handler ran %d times", n)
	}
}

func TestKeysAreScopedToTheCaller(t *testing.T) {
	f := newFixture(t, authz.IdempotencyRequired)
	a := f.call(t, "alice", "shared-key", `{"amount":"1.00"}`)
	b := f.call(t, "bob", "shared-key", `{"amount":"2.00"}`)
	if a.StatusCode != 201 || b.StatusCode != 201 || a.Body == b.Body || b.Headers[idempotency.HeaderReplayed] != "" {
		t.Fatalf("%+v %+v", a, b)
	}
	if n := f.runs.Load(); n != 2 {
		t.Fatalf("handler ran %d times", n)
	}
}

func TestKeyRequiredAndValidated(t *testing.T) {
	f := newFixture(t, authz.IdempotencyRequired)
	cases := map[string]string{
		"":                       idempotency.CodeKeyRequired,
		strings.Repeat("k", 256): idempotency.CodeKeyInvalid,
		"tab\there":              idempotency.CodeKeyInvalid,
		"ключ":                   idempotency.CodeKeyInvalid,
	}
	for key, want := range cases {
		r := f.call(t, "alice", key, `{"amount":"1.00"}`)
		if r.StatusCode != 400 || code(t, r) != want {
			t.Errorf("key %q: %d %s", key, r.StatusCode, r.Body)
		}
	}
	if r := f.call(t, "alice", strings.Repeat("k", 255), `{"amount":"1.00"}`); r.StatusCode != 201 {
		t.Errorf("255-char key refused: %+v", r)
	}
	if n := f.runs.Load(); n != 1 {
		t.Fatalf("handler ran %d times", n)
	}
}

func TestOptionalKey(t *testing.T) {
	f := newFixture(t, authz.IdempotencyOptional)
	for i := 0; i < 2; i++ {
		if r := f.call(t, "alice", "", `{"amount":"1.00"}`); r.StatusCode != 201 {
			t.Fatal(r)
		}
	}
	f.call(t, "alice", "k", `{"amount":"1.00"}`)
	if r := f.call(t, "alice", "k", `{"amount":"1.00"}`); r.Headers[idempotency.HeaderReplayed] != "true" {
		t.Fatal(r)
	}
	if n := f.runs.Load(); n != 3 {
		t.Fatalf("handler ran %d times", n)
	}
}

func TestClientErrorsAreKeptServerErrorsReleased(t *testing.T) {
	f := newFixture(t, authz.IdempotencyRequired)
	first := f.call(t, "alice", "k4", `{"amount":"0"}`)
	again := f.call(t, "alice", "k4", `{"amount":"0"}`)
	if first.StatusCode != 422 || again.StatusCode != 422 || again.Body != first.Body ||
		again.Headers[idempotency.HeaderReplayed] != "true" || again.Headers["Content-Type"] != problem.ContentType {
		t.Fatalf("%+v\n%+v", first, again)
	}
	// A malformed body is a 400 before the key is even looked at twice: kept too.
	bad := f.call(t, "alice", "k-bad", `{"amount":`)
	if bad.StatusCode != 400 || f.call(t, "alice", "k-bad", `{"amount":`).Headers[idempotency.HeaderReplayed] != "true" {
		t.Fatalf("%+v", bad)
	}

	f.fail5.Store(1)
	if r := f.call(t, "alice", "k5", `{"amount":"5.00"}`); r.StatusCode != 503 {
		t.Fatal(r)
	}
	retry := f.call(t, "alice", "k5", `{"amount":"5.00"}`)
	if retry.StatusCode != 201 || retry.Headers[idempotency.HeaderReplayed] != "" {
		t.Fatalf("retry after 5xx: %+v", retry)
	}
	if n := f.runs.Load(); n != 3 { // k4 once, k5 twice (k-bad fails before the handler counts)
		t.Fatalf("handler ran %d times", n)
	}
}

func TestInFlightAndLeaseTakeover(t *testing.T) {
	f := newFixture(t, authz.IdempotencyRequired)
	store := idempotency.NewStore(f.d.DynamoDB, f.d.Config.IdempotencyTable, f.clk)
	body := `{"amount":"7.00"}`
	hash := idempotency.RequestHash("POST", "/api/v1/payments", "", []byte(body))
	// Another instance holds the key and has not finished.
	lease, stored, err := store.Begin(context.Background(), "alice", route, "k6", hash)
	if err != nil || lease == nil || stored != nil {
		t.Fatal(lease, stored, err)
	}
	r := f.call(t, "alice", "k6", body)
	if r.StatusCode != 409 || code(t, r) != idempotency.CodeInFlight {
		t.Fatalf("%+v", r)
	}
	if r := f.call(t, "alice", "k6", `{"amount":"8.00"}`); r.StatusCode != 422 {
		t.Fatalf("other body while in flight: %+v", r)
	}
	// The holder died: after the lease the key may be taken over, once.
	f.clk.Advance(idempotency.DefaultLease + time.Second)
	if r := f.call(t, "alice", "k6", body); r.StatusCode != 201 || r.Headers[idempotency.HeaderReplayed] != "" {
		t.Fatalf("takeover: %+v", r)
	}
	if err := store.Complete(context.Background(), lease, idempotency.Stored{Status: 201}); err == nil {
		t.Fatal("the old holder completed after losing its lease")
	}
	if r := f.call(t, "alice", "k6", body); r.Headers[idempotency.HeaderReplayed] != "true" {
		t.Fatalf("after takeover: %+v", r)
	}
	if n := f.runs.Load(); n != 1 {
		t.Fatalf("handler ran %d times", n)
	}
}

func TestRecordIsKeptAtLeastADay(t *testing.T) {
	f := newFixture(t, authz.IdempotencyRequired)
	f.call(t, "alice", "k7", `{"amount":"1.00"}`)
	out, err := f.d.DynamoDB.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(f.d.Config.IdempotencyTable),
		Key:       map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: idempotency.RecordKey("alice", route, "k7")}},
	})
	if err != nil || out.Item == nil {
		t.Fatal(out, err)
	}
	exp, _ := strconv.ParseInt(out.Item["expiresAt"].(*types.AttributeValueMemberN).Value, 10, 64)
	if min := f.clk.Now(context.Background()).Add(24 * time.Hour).Unix(); exp < min {
		t.Fatalf("expiresAt %d < now+24h %d", exp, min)
	}
	if s := out.Item["state"].(*types.AttributeValueMemberS).Value; s != "DONE" {
		t.Fatal(s)
	}
	// An expired record (TTL deletes lazily) does not block a fresh run.
	f.clk.Advance(25 * time.Hour)
	if r := f.call(t, "alice", "k7", `{"amount":"2.00"}`); r.StatusCode != 201 || r.Headers[idempotency.HeaderReplayed] != "" {
		t.Fatalf("expired key: %+v", r)
	}
}

func TestConcurrentRequestsRunOnce(t *testing.T) {
	f := newFixture(t, authz.IdempotencyRequired)
	f.delay = 300 * time.Millisecond
	for round := 0; round < 3; round++ {
		before := f.runs.Load()
		key := "burst-" + strconv.Itoa(round)
		const n = 20
		resps := make([]events.APIGatewayV2HTTPResponse, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				<-start
				resps[i] = f.call(t, "alice", key, `{"amount":"3.00"}`)
			}(i)
		}
		close(start)
		wg.Wait()
		if ran := f.runs.Load() - before; ran != 1 {
			t.Fatalf("round %d: handler ran %d times", round, ran)
		}
		var original string
		originals, replays, conflicts := 0, 0, 0
		for _, r := range resps {
			switch {
			case r.StatusCode == 201 && r.Headers[idempotency.HeaderReplayed] == "":
				originals++
				original = r.Body
			case r.StatusCode == 201:
				replays++
			case r.StatusCode == 409 && code(t, r) == idempotency.CodeInFlight:
				conflicts++
			default:
				t.Fatalf("round %d: unexpected answer %+v", round, r)
			}
		}
		if originals != 1 || originals+replays+conflicts != n {
			t.Fatalf("round %d: %d originals %d replays %d conflicts", round, originals, replays, conflicts)
		}
		for _, r := range resps {
			if r.StatusCode == 201 && r.Body != original {
				t.Fatalf("round %d: replay differs from the original", round)
			}
		}
		if r := f.call(t, "alice", key, `{"amount":"3.00"}`); r.Body != original || r.Headers[idempotency.HeaderReplayed] != "true" {
			t.Fatalf("round %d: after the burst: %+v", round, r)
		}
	}
}

func TestUnitHelpers(t *testing.T) {
	if idempotency.RequestHash("POST", "/a", "", []byte(`{"b":1,"a":[1,2]}`)) !=
		idempotency.RequestHash("POST", "/a", "", []byte(` {"a":[1,2], "b":1}`)) {
		t.Fatal("canonical JSON differs")
	}
	for _, diff := range [][4]string{{"PUT", "/a", "", `{}`}, {"POST", "/b", "", `{}`}, {"POST", "/a", "x=1", `{}`}, {"POST", "/a", "", `{"a":1}`}} {
		if idempotency.RequestHash(diff[0], diff[1], diff[2], []byte(diff[3])) == idempotency.RequestHash("POST", "/a", "", []byte(`{}`)) {
			t.Fatalf("%v hashes like POST /a {}", diff)
		}
	}
	if idempotency.RecordKey("a", "r", "k") == idempotency.RecordKey("b", "r", "k") ||
		idempotency.RecordKey("a", "r", "k") == idempotency.RecordKey("a", "r2", "k") {
		t.Fatal("record keys collide across scopes")
	}
}
