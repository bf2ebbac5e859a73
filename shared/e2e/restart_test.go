package e2e

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/shopspring/decimal"

	"holdfast/shared/ledger"
	"holdfast/shared/ledger/ledgerstore"
	"holdfast/shared/lending/lendingstore"
	"holdfast/shared/localcloud"
	"holdfast/shared/platform/events"
)

// ownCloud is a local cloud of a test's own (not the harness's shared one), with its function
// logs kept apart so the test can read what this cloud's functions did.
type ownCloud struct {
	*localcloud.Cloud
	logs *syncBuffer
}

// startOwnCloud starts a local cloud on free ports, with its own emulator, state directory and
// the embedded DynamoDB kept in ddbDir (what `make run` does with .holdfast/dynamodb).
func startOwnCloud(t *testing.T, ddbDir string) ownCloud {
	t.Helper()
	logs := &syncBuffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := localcloud.Start(ctx, localcloud.Options{
		TemplatePath: filepath.Join(repoDir, "template.yaml"),
		BinDir:       filepath.Join(repoDir, ".build", "host"),
		StateDir:     t.TempDir(),
		HTTPAddr:     "127.0.0.1:0",
		WSAddr:       "127.0.0.1:0",
		DynamoDBDir:  ddbDir,
		Version:      "e2e-restart",
		FunctionLogs: logs,
		Log:          slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatalf("start a local cloud of our own: %v", err)
	}
	t.Cleanup(c.Close) // Close is safe to call twice
	return ownCloud{Cloud: c, logs: logs}
}

func (c ownCloud) token(t *testing.T, sub string, roles ...string) string {
	t.Helper()
	return mint(t, c.Issuer, sub, roles...)
}

// call is the harness's call, aimed at this cloud.
func (c ownCloud) call(t *testing.T, method, path, tok string, body any, headers ...string) response {
	t.Helper()
	return callAt(t, c.HTTPURL(), method, path, tok, body, headers...)
}

// logLines are this cloud's function log lines matching every key=value given.
func (c ownCloud) logLines(match map[string]string) []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(c.logs.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) != nil {
			continue
		}
		ok := true
		for k, v := range match {
			ok = ok && str(m, k) == v
		}
		if ok {
			out = append(out, m)
		}
	}
	return out
}

// keepLogsOnFailure writes this cloud's function logs to a file when the test fails (or
// always, with E2E_KEEP_RESTART_LOGS set).
func (c ownCloud) keepLogsOnFailure(t *testing.T, name string) {
	t.Helper()
	t.Cleanup(func() {
		if !t.Failed() && os.Getenv("E2E_KEEP_RESTART_LOGS") == "" {
			return
		}
		if f, err := os.CreateTemp("", "holdfast-e2e-restart-"+name+"-*.log"); err == nil {
			_, _ = f.WriteString(c.logs.String())
			_ = f.Close()
			t.Logf("%s cloud's function logs kept in %s", name, f.Name())
		}
		for _, lvl := range []string{"ERROR", "WARN"} {
			for _, l := range c.logLines(map[string]string{"level": lvl}) {
				t.Logf("%s %s: %v", name, lvl, l)
			}
		}
	})
}

func (c ownCloud) ledger(t *testing.T) *ledgerstore.Store {
	t.Helper()
	cfg, err := c.Emulator.AWSConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	st, err := ledgerstore.New(dynamodb.NewFromConfig(cfg),
		ledgerstore.Options{Table: c.Deployment.Functions["MeGetFunction"].Env["LENDING_TABLE"]})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// waitRelayMarker polls the idempotency table until the relay's marker for eventID is there.
func (c ownCloud) waitRelayMarker(t *testing.T, eventID string) {
	t.Helper()
	cfg, err := c.Emulator.AWSConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	db := dynamodb.NewFromConfig(cfg)
	table := c.Deployment.Functions["LendingRelayFunction"].Env["IDEMPOTENCY_TABLE"]
	key := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "relay#" + eventID}}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(2 * time.Millisecond) {
		out, err := db.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: &table, Key: key, ConsistentRead: aws.Bool(true)})
		if err != nil {
			t.Fatalf("read the relay marker: %v", err)
		}
		if len(out.Item) > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the relay did not mark %s published within 30s", eventID)
		}
	}
}

func (c ownCloud) deposit(t *testing.T, tok, amount string) {
	t.Helper()
	key := uniq("fund")
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		r := c.call(t, "POST", "/api/v1/wallet/deposits", tok, map[string]string{"amount": amount}, "Idempotency-Key", key)
		busy := r.Status == 503 || (r.Status == 409 && strings.Contains(string(r.Body), `"idempotency_in_flight"`))
		if !busy || time.Now().After(deadline) {
			if r.Status != 201 {
				t.Fatalf("deposit %s: %d %s", amount, r.Status, r.Body)
			}
			return
		}
	}
}

func (c ownCloud) walletBalance(t *testing.T, tok string) decimal.Decimal {
	t.Helper()
	r := c.call(t, "GET", "/api/v1/wallet", tok, nil)
	if r.Status != 200 {
		t.Fatalf("GET wallet: %d %s", r.Status, r.Body)
	}
	return decimal.RequireFromString(str(r.JSON(t), "balance"))
}

// statementTxIDs are the txIds of the caller's whole wallet statement.
func (c ownCloud) statementTxIDs(t *testing.T, tok string) []string {
	t.Helper()
	r := c.call(t, "GET", "/api/v1/wallet/statement?limit=100", tok, nil)
	if r.Status != 200 {
		t.Fatalf("statement: %d %s", r.Status, r.Body)
	}
	var page struct {
		Items []struct {
			TxID string `json:"txId"`
		} `json:"items"`
		NextCursor *string `json:"nextCursor"`
	}
	if err := json.Unmarshal(r.Body, &page); err != nil {
		t.Fatal(err)
	}
	if page.NextCursor != nil {
		t.Fatalf("statement has more than one page: %s", r.Body)
	}
	var ids []string
	for _, it := range page.Items {
		ids = append(ids, it.TxID)
	}
	return ids
}

// TestRestartMidLifecycleLoanActivatesOnce: a loan approved just before the local cloud stops
// (its disbursal not yet done, if the stop catches it) still reaches ACTIVE exactly once after a
// restart that keeps DynamoDB's data. Only DynamoDB is kept (moto's queues and bus are new), so
// what the restart resumes from is the kept stream: the restarted stream mappings read it again
// from TRIM_HORIZON, the relay publishes what it finds no dedup marker for (its markers are kept
// too, in the idempotency table), and the consumers must absorb whatever is redelivered: one
// DISBURSAL in the ledger, one ACTIVE in the timeline, no late second disbursal.
//
// Two stop points, each a subtest: right after the approve call returns (the relay has most
// likely not yet read the approval from the stream), and the moment the relay has published
// LoanApproved and written its dedup marker (the event then lives only in moto's bus and queues,
// which the restart does not keep; the disbursal is most likely not yet done).
func TestRestartMidLifecycleLoanActivatesOnce(t *testing.T) {
	t.Run("stop right after the approval", func(t *testing.T) { restartMidLifecycle(t, false) })
	t.Run("stop once the relay published LoanApproved", func(t *testing.T) { restartMidLifecycle(t, true) })
}

func restartMidLifecycle(t *testing.T, afterRelay bool) {
	start := time.Now()
	ddbDir := t.TempDir()
	const principal = "25000.00" // one approver suffices below 500,000
	const funded = "1000.00"

	first := startOwnCloud(t, ddbDir)
	first.keepLogsOnFailure(t, "first")
	t.Logf("first cloud up in %v", time.Since(start).Round(time.Millisecond))
	user := uniq("restart-borrower")
	tok := first.token(t, user, "customer")
	if r := first.call(t, "PATCH", "/api/v1/me", tok, map[string]string{"monthlyIncome": "90000.00"}); r.Status != 200 {
		t.Fatalf("income: %d %s", r.Status, r.Body)
	}
	first.deposit(t, tok, funded)
	r := first.call(t, "POST", "/api/v1/loans", tok, map[string]any{"principal": principal, "tenureMonths": 6, "purpose": "home repairs"})
	if r.Status != 202 || str(r.JSON(t), "state") != "SUBMITTED" {
		t.Fatalf("apply: %d %s", r.Status, r.Body)
	}
	id := str(r.JSON(t), "id")
	var loan map[string]any
	eventually(t, 30*time.Second, "the risk worker assesses "+id, func() bool {
		loan = first.call(t, "GET", "/api/v1/loans/"+id, tok, nil).JSON(t)
		return loan["state"] != "SUBMITTED"
	})
	if loan["state"] != "ASSESSED" {
		t.Fatalf("assessment: %v", loan)
	}
	ap := first.call(t, "POST", "/api/v1/loans/"+id+"/approve", first.token(t, uniq("approver"), "approver"), map[string]string{"note": "ok"})
	if ap.Status != 200 || str(ap.JSON(t), "state") != "APPROVED" {
		t.Fatalf("approve: %d %s", ap.Status, ap.Body)
	}
	if afterRelay {
		// The relay marks an event published (relay#<eventId> in the idempotency table) once
		// EventBridge accepted it; stop the moment that marker is there.
		eventID := events.EventID("LOAN#"+id, "LOAN", "v"+str(ap.JSON(t), "version"))
		first.waitRelayMarker(t, eventID)
		t.Logf("the relay marked %s published", eventID)
	}
	// Stop at once: the approval is committed, the disbursal (stream → relay → bus → enqueuer →
	// disbursal.fifo → disbursal worker) most likely not yet.
	first.Close()
	disbursedBefore := len(first.logLines(map[string]string{"msg": "disbursal", "loanId": id, "transitioned": "true"}))
	t.Logf("approved and stopped at %v; disbursals by the first cloud: %d", time.Since(start).Round(time.Millisecond), disbursedBefore)

	restart := time.Now()
	second := startOwnCloud(t, ddbDir)
	second.keepLogsOnFailure(t, "second")
	t.Logf("second cloud up in %v", time.Since(restart).Round(time.Millisecond))
	tok = second.token(t, user, "customer") // the new state dir's issuer signs from now on

	// The loan record survived the restart.
	got := second.call(t, "GET", "/api/v1/loans/"+id, tok, nil)
	if got.Status != 200 {
		t.Fatalf("the loan did not survive the restart: %d %s", got.Status, got.Body)
	}
	stateAfterRestart := str(got.JSON(t), "state")
	if stateAfterRestart != "APPROVED" && stateAfterRestart != "ACTIVE" {
		t.Fatalf("after the restart the loan is %s: %s", stateAfterRestart, got.Body)
	}
	t.Logf("first read after the restart: %s (the stop caught the disbursal half-done: %v)", stateAfterRestart, stateAfterRestart == "APPROVED")

	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		loan = second.call(t, "GET", "/api/v1/loans/"+id, tok, nil).JSON(t)
		if loan["state"] == "ACTIVE" {
			break
		}
		if time.Now().After(deadline) {
			// Say what the restarted relay did with the kept stream, and whether anything
			// downstream of it ever saw the loan.
			for _, l := range second.logLines(map[string]string{"msg": "relay: batch done", "function": "LendingRelayFunction"}) {
				t.Logf("second cloud's lending relay: records %v events %v published %v alreadyPublished %v",
					l["records"], l["events"], l["published"], l["alreadyPublished"])
			}
			t.Fatalf("%s is still %s 60s after the restart (disbursal worker runs in the second cloud: %d): the approval's disbursal was lost",
				id, loan["state"], len(second.logLines(map[string]string{"function": "LoanDisbursalFunction", "msg": "disbursal", "loanId": id})))
		}
	}
	t.Logf("ACTIVE %v after the restart", time.Since(restart).Round(time.Millisecond))

	// The restarted relay re-reads the kept stream, so LoanApproved is delivered to the
	// disbursal worker again in this cloud: wait until it has been, then for redeliveries.
	eventually(t, 30*time.Second, "the republished LoanApproved reaches the disbursal worker", func() bool {
		return len(second.logLines(map[string]string{"msg": "disbursal", "loanId": id})) > 0
	})

	st := second.ledger(t)
	wallet, _ := ledger.Wallet(user)
	loanAcct, _ := ledger.Loan(id)
	dsbID := lendingstore.DisbursalTxID(id)
	want := decimal.RequireFromString(funded).Add(decimal.RequireFromString(principal))
	once := func() bool {
		h, err := st.Head(context.Background(), loanAcct)
		if err != nil || h.Seq != 1 || !h.Balance.Equal(decimal.RequireFromString(principal).Neg()) {
			t.Errorf("loan account head %+v %v: want exactly one DISBURSAL of %s", h, err, principal)
			return false
		}
		if b := second.walletBalance(t, tok); !b.Equal(want) {
			t.Errorf("wallet balance %s, want %s (%s funded + %s disbursed once)", b, want, funded, principal)
			return false
		}
		n := 0
		for _, tx := range second.statementTxIDs(t, tok) {
			if tx == dsbID {
				n++
			}
		}
		if n != 1 {
			t.Errorf("the wallet statement has %d entries of %s, want 1", n, dsbID)
			return false
		}
		return true
	}
	consistently(t, 4*time.Second, "one disbursal through redeliveries", once)

	dsb, err := st.Transaction(context.Background(), dsbID)
	if err != nil || dsb.Tx.Type != ledger.TypeDisbursal || len(dsb.Tx.Postings) != 1 ||
		!dsb.Tx.Postings[0].Amount.Equal(decimal.RequireFromString(principal)) {
		t.Fatalf("disbursal transaction: %+v %v", dsb, err)
	}
	for _, a := range []ledger.Account{wallet, loanAcct} {
		if v, err := st.VerifyAccount(context.Background(), a, ledgerstore.VerifyOptions{}); err != nil || !v.Valid {
			t.Fatalf("chain %s: %+v %v", a, v, err)
		}
	}
	tl := second.call(t, "GET", "/api/v1/loans/"+id+"/timeline", tok, nil)
	if tl.Status != 200 {
		t.Fatalf("timeline: %d %s", tl.Status, tl.Body)
	}
	var to []string
	for _, e := range tl.JSON(t)["items"].([]any) {
		to = append(to, str(e.(map[string]any), "to"))
	}
	if strings.Join(to, ",") != "SUBMITTED,ASSESSED,APPROVED,ACTIVE" {
		t.Fatalf("timeline %v, want one of each step", to)
	}
	disbursedAfter := len(second.logLines(map[string]string{"msg": "disbursal", "loanId": id, "transitioned": "true"}))
	if disbursedBefore+disbursedAfter != 1 {
		t.Fatalf("the disbursal worker disbursed %d times before the restart and %d after, want once in all", disbursedBefore, disbursedAfter)
	}
	t.Logf("disbursal deliveries after the restart: %d; runtime %v",
		len(second.logLines(map[string]string{"msg": "disbursal", "loanId": id})), time.Since(start).Round(time.Millisecond))
}
