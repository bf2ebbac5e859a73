package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"holdfast/shared/ledger"
)

// walletMove posts a deposit or withdrawal as a careful client does: a 503 (nothing known to be
// written) and a 409 idempotency_in_flight (an earlier attempt with this key is still running)
// are retried with the same key, which posts at most once; retries counts them.
func walletMove(t testing.TB, kind, tok, key, amount string, retries *int, headers ...string) response {
	t.Helper()
	h := append([]string{"Idempotency-Key", key}, headers...)
	deadline := time.Now().Add(90 * time.Second)
	for attempt := 0; ; attempt++ {
		r := call(t, "POST", "/api/v1/wallet/"+kind, tok, map[string]string{"amount": amount}, h...)
		busy := r.Status == 503 || (r.Status == 409 && strings.Contains(string(r.Body), `"idempotency_in_flight"`))
		if !busy || time.Now().After(deadline) {
			return r
		}
		if retries != nil {
			*retries++
		}
		time.Sleep(time.Duration(min(200*(attempt+1), 2000)) * time.Millisecond)
	}
}

type walletState struct {
	Account  string `json:"account"`
	Balance  string `json:"balance"`
	HeadSeq  uint64 `json:"headSeq"`
	HeadHash string `json:"headHash"`
}

func getWallet(t testing.TB, tok string) walletState {
	t.Helper()
	r := call(t, "GET", "/api/v1/wallet", tok, nil)
	if r.Status != 200 {
		t.Fatalf("GET wallet: %d %s", r.Status, r.Body)
	}
	var w walletState
	if err := json.Unmarshal(r.Body, &w); err != nil {
		t.Fatal(err)
	}
	return w
}

type statementItem struct {
	Seq          uint64 `json:"seq"`
	TxID         string `json:"txId"`
	Delta        string `json:"delta"`
	BalanceAfter string `json:"balanceAfter"`
	PrevHash     string `json:"prevHash"`
	Hash         string `json:"hash"`
}

// statement reads the caller's whole statement, newest first, page by page.
func statement(t testing.TB, tok string) []statementItem {
	t.Helper()
	var all []statementItem
	q := "?limit=37"
	for pages := 0; pages < 100; pages++ {
		r := call(t, "GET", "/api/v1/wallet/statement"+q, tok, nil)
		if r.Status != 200 {
			t.Fatalf("statement: %d %s", r.Status, r.Body)
		}
		var page struct {
			Items      []statementItem `json:"items"`
			NextCursor *string         `json:"nextCursor"`
		}
		if err := json.Unmarshal(r.Body, &page); err != nil {
			t.Fatal(err)
		}
		all = append(all, page.Items...)
		if page.NextCursor == nil {
			return all
		}
		q = "?limit=37&cursor=" + url.QueryEscape(*page.NextCursor)
	}
	t.Fatal("statement never ended")
	return nil
}

type verification struct {
	Account         string  `json:"account"`
	Valid           bool    `json:"valid"`
	Entries         uint64  `json:"entries"`
	HeadSeq         uint64  `json:"headSeq"`
	HeadHash        string  `json:"headHash"`
	FirstInvalidSeq *uint64 `json:"firstInvalidSeq"`
	Reason          string  `json:"reason"`
	Problem         string  `json:"problem"`
}

func verifyAccount(t testing.TB, tok, account string) (int, verification) {
	t.Helper()
	r := call(t, "GET", "/api/v1/ledger/accounts/"+url.PathEscape(account)+"/verify", tok, nil)
	var v verification
	if r.Status == 200 {
		if err := json.Unmarshal(r.Body, &v); err != nil {
			t.Fatal(err)
		}
	}
	return r.Status, v
}

// checkChain holds a statement (newest first) to the chain's rules: seqs n..1, each linked to
// the one before, running balances consistent and never below zero.
func checkChain(t *testing.T, items []statementItem, n int, balance string) {
	t.Helper()
	if len(items) != n {
		t.Fatalf("statement has %d entries, want %d", len(items), n)
	}
	run := "0.00"
	for i := len(items) - 1; i >= 0; i-- {
		it := items[i]
		if it.Seq != uint64(len(items)-i) {
			t.Fatalf("entry %d has seq %d", len(items)-i, it.Seq)
		}
		if i < len(items)-1 && it.PrevHash != items[i+1].Hash {
			t.Fatalf("seq %d does not link to seq %d", it.Seq, it.Seq-1)
		}
		run = addAmounts(t, run, it.Delta)
		if it.BalanceAfter != run || strings.HasPrefix(run, "-") {
			t.Fatalf("seq %d: balanceAfter %s, running %s", it.Seq, it.BalanceAfter, run)
		}
	}
	if run != balance {
		t.Fatalf("statement ends at %s, wallet says %s", run, balance)
	}
}

// addAmounts adds two canonical amounts in integer paise.
func addAmounts(t *testing.T, a, b string) string {
	t.Helper()
	p := func(s string) int64 {
		var neg bool
		if s, neg = strings.CutPrefix(s, "-"); neg {
			return -p2(t, s)
		}
		return p2(t, s)
	}
	sum := p(a) + p(b)
	sign := ""
	if sum < 0 {
		sign, sum = "-", -sum
	}
	return fmt.Sprintf("%s%d.%02d", sign, sum/100, sum%100)
}

func p2(t *testing.T, s string) int64 {
	t.Helper()
	var whole, frac int64
	if _, err := fmt.Sscanf(s, "%d.%d", &whole, &frac); err != nil {
		t.Fatalf("amount %q: %v", s, err)
	}
	return whole*100 + frac
}

// First in the file (tests run in order): later tests flood the stream with thousands of records.
func TestLedgerTransactionCommittedReachesAnalyticsOnce(t *testing.T) {
	user := uniq("relay")
	tok := token(t, user, "customer")
	corr := uniq("ledger-corr")
	r := walletMove(t, "deposits", tok, "announce", "7.50", nil, "X-Correlation-Id", corr)
	if r.Status != 201 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	txID := ledger.DeriveID("dep", user, "announce")
	match := map[string]string{"msg": "event observed", "eventId": "LTX#" + txID}
	started := time.Now()
	eventually(t, 60*time.Second, "LedgerTransactionCommitted for the deposit reaches the analytics sink", func() bool {
		return len(logLines(match)) > 0
	})
	t.Logf("deposit → LedgerTransactionCommitted observed at the analytics sink in %v", time.Since(started).Round(time.Millisecond))
	consistently(t, 2*time.Second, "LedgerTransactionCommitted observed once, no duplicate", func() bool {
		if lines := logLines(match); len(lines) != 1 {
			t.Logf("observed %d times: %v", len(lines), lines)
			return false
		}
		return true
	})
	l := logLines(match)[0]
	if l["detailType"] != "LedgerTransactionCommitted.v1" || l["source"] != "holdfast.ledger" || l["correlationId"] != corr {
		t.Fatalf("%v", l)
	}
}

func TestLedgerHundredConcurrentDepositsToOneWallet(t *testing.T) {
	user := uniq("dep100")
	tok := token(t, user, "customer")
	const n = 100
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	retries := 0
	seqs := map[uint64]bool{}
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine int
			r := walletMove(t, "deposits", tok, fmt.Sprintf("k-%03d", i), "1.25", &mine)
			var body struct {
				Wallet struct {
					Seq uint64 `json:"seq"`
				} `json:"wallet"`
			}
			_ = json.Unmarshal(r.Body, &body)
			mu.Lock()
			defer mu.Unlock()
			statuses[r.Status]++
			retries += mine
			seqs[body.Wallet.Seq] = true
		}()
	}
	wg.Wait()
	t.Logf("100 concurrent deposits: statuses %v, %d client retries after 503", statuses, retries)
	if statuses[201] != n || len(seqs) != n {
		t.Fatalf("statuses %v, %d distinct seqs", statuses, len(seqs))
	}
	for s := uint64(1); s <= n; s++ {
		if !seqs[s] {
			t.Fatalf("no deposit answered seq %d", s)
		}
	}
	w := getWallet(t, tok)
	if w.Balance != "125.00" || w.HeadSeq != n || w.Account != "wallet:"+user {
		t.Fatalf("%+v", w)
	}
	checkChain(t, statement(t, tok), n, "125.00")
	status, v := verifyAccount(t, tok, "wallet:"+user)
	if status != 200 || !v.Valid || v.Entries != n || v.HeadSeq != n || v.HeadHash != w.HeadHash || v.FirstInvalidSeq != nil {
		t.Fatalf("%d %+v", status, v)
	}
}

func TestLedgerConcurrentWithdrawalsNeverOverdraw(t *testing.T) {
	user := uniq("wdr50")
	tok := token(t, user, "customer")
	if r := walletMove(t, "deposits", tok, "fund", "100.00", nil); r.Status != 201 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	const n = 50 // 50 × 3.00 = 150.00 against 100.00: exactly 33 are covered
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	codes := map[string]int{}
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := walletMove(t, "withdrawals", tok, fmt.Sprintf("w-%02d", i), "3.00", nil)
			var p struct {
				Code string `json:"code"`
			}
			_ = json.Unmarshal(r.Body, &p)
			mu.Lock()
			statuses[r.Status]++
			codes[p.Code]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if statuses[201] != 33 || statuses[422] != 17 || codes["insufficient_funds"] != 17 {
		t.Fatalf("statuses %v codes %v", statuses, codes)
	}
	w := getWallet(t, tok)
	if w.Balance != "1.00" || w.HeadSeq != 34 {
		t.Fatalf("%+v", w)
	}
	checkChain(t, statement(t, tok), 34, "1.00")
	if status, v := verifyAccount(t, tok, "wallet:"+user); status != 200 || !v.Valid {
		t.Fatalf("%d %+v", status, v)
	}
}

func TestLedgerOneKeyTwentyConcurrentRequests(t *testing.T) {
	user := uniq("onekey")
	tok := token(t, user, "customer")
	var wg sync.WaitGroup
	var mu sync.Mutex
	var got []response
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := call(t, "POST", "/api/v1/wallet/deposits", tok, map[string]string{"amount": "42.00"}, "Idempotency-Key", "the-one")
			mu.Lock()
			got = append(got, r)
			mu.Unlock()
		}()
	}
	wg.Wait()
	var bodies []string
	originals, replays, inFlight := 0, 0, 0
	for _, r := range got {
		switch {
		case r.Status == 201 && r.Header.Get("Idempotent-Replayed") == "true":
			replays++
			bodies = append(bodies, string(r.Body))
		case r.Status == 201:
			originals++
			bodies = append(bodies, string(r.Body))
		case r.Status == 409 && strings.Contains(string(r.Body), `"idempotency_in_flight"`):
			inFlight++
		default:
			t.Fatalf("unexpected answer %d %s", r.Status, r.Body)
		}
	}
	t.Logf("one key × 20: %d original, %d replayed, %d in flight", originals, replays, inFlight)
	if originals != 1 {
		t.Fatalf("%d original answers", originals)
	}
	for _, b := range bodies {
		if b != bodies[0] {
			t.Fatalf("answers differ:\n%s\n%s", b, bodies[0])
		}
	}
	late := call(t, "POST", "/api/v1/wallet/deposits", tok, map[string]string{"amount": "42.00"}, "Idempotency-Key", "the-one")
	if late.Status != 201 || late.Header.Get("Idempotent-Replayed") != "true" || string(late.Body) != bodies[0] {
		t.Fatalf("later replay: %d %s", late.Status, late.Body)
	}
	if w := getWallet(t, tok); w.HeadSeq != 1 || w.Balance != "42.00" {
		t.Fatalf("%+v", w)
	}
}

func TestLedgerBadInputIs400AndWritesNothing(t *testing.T) {
	user := uniq("badin")
	tok := token(t, user, "customer")
	if r := walletMove(t, "deposits", tok, "seed", "10.00", nil); r.Status != 201 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	before := getWallet(t, tok)
	beforeStmt := statement(t, tok)
	cases := []struct {
		name, body string
		noKey      bool
		code       string
		field      string
	}{
		{"zero", `{"amount":"0"}`, false, "validation_failed", "amount"},
		{"negative", `{"amount":"-5.00"}`, false, "validation_failed", "amount"},
		{"three decimals", `{"amount":"1.005"}`, false, "validation_failed", "amount"},
		{"above 10,000,000", `{"amount":"10000000.01"}`, false, "validation_failed", "amount"},
		{"a number", `{"amount":5}`, false, "invalid_type", "amount"},
		{"missing Idempotency-Key", `{"amount":"5.00"}`, true, "idempotency_key_required", "Idempotency-Key"},
		{"unknown field", `{"amount":"5.00","wallet":"wallet:someone-else"}`, false, "unknown_field", "wallet"},
		{"malformed JSON", `{"amount":"5.00"`, false, "malformed_json", ""},
		{"65 KiB body", `{"amount":"5.00","pad":"` + strings.Repeat("x", 65<<10) + `"}`, false, "body_too_large", ""},
	}
	for _, kind := range []string{"deposits", "withdrawals"} {
		for _, c := range cases {
			var h []string
			if !c.noKey {
				h = []string{"Idempotency-Key", uniq("bad")}
			}
			r := call(t, "POST", "/api/v1/wallet/"+kind, tok, c.body, h...)
			var p struct {
				Code   string `json:"code"`
				Errors []struct {
					Field string `json:"field"`
				} `json:"errors"`
			}
			_ = json.Unmarshal(r.Body, &p)
			if r.Status != 400 || p.Code != c.code || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
				t.Errorf("%s %s: %d %s", kind, c.name, r.Status, r.Body)
				continue
			}
			if c.field != "" && (len(p.Errors) != 1 || p.Errors[0].Field != c.field) {
				t.Errorf("%s %s: %s", kind, c.name, r.Body)
			}
		}
	}
	if after := getWallet(t, tok); after != before {
		t.Fatalf("wallet moved: %+v → %+v", before, after)
	}
	if after := statement(t, tok); len(after) != len(beforeStmt) || after[0] != beforeStmt[0] {
		t.Fatalf("statement changed: %+v", after)
	}
}

func TestLedgerOtherUsersWalletAndRoles(t *testing.T) {
	alice, bob := uniq("alice"), uniq("bob")
	at, bt := token(t, alice, "customer"), token(t, bob, "customer")
	if r := walletMove(t, "deposits", bt, "b", "5.00", nil); r.Status != 201 {
		t.Fatal(r.Status)
	}
	if s, _ := verifyAccount(t, at, "wallet:"+bob); s != 403 {
		t.Errorf("alice verifies bob's wallet: %d", s)
	}
	if s, _ := verifyAccount(t, at, "wallet:"+alice); s != 404 {
		t.Errorf("alice's empty wallet: %d", s)
	}
	if s, v := verifyAccount(t, token(t, "aud", "auditor"), "wallet:"+bob); s != 200 || !v.Valid {
		t.Errorf("auditor verifies bob: %d %+v", s, v)
	}
	if s, _ := verifyAccount(t, token(t, "root", "admin"), "wallet:"+uniq("ghost")); s != 404 {
		t.Errorf("unknown account: %d", s)
	}
	if r := call(t, "GET", "/api/v1/ledger/digests", at, nil); r.Status != 403 {
		t.Errorf("customer lists digests: %d", r.Status)
	}
	if r := call(t, "GET", "/api/v1/wallet", token(t, "root", "admin"), nil); r.Status != 403 {
		t.Errorf("admin reads a wallet of their own: %d", r.Status)
	}
	if r := call(t, "GET", "/api/v1/wallet", "", nil); r.Status != 401 {
		t.Errorf("no token: %d", r.Status)
	}
	// Alice's GET shows her own (empty) wallet, never bob's.
	if w := getWallet(t, at); w.Account != "wallet:"+alice || w.HeadSeq != 0 {
		t.Errorf("%+v", w)
	}
}

type digestItem struct {
	Seq       uint64 `json:"seq"`
	Hash      string `json:"hash"`
	PrevHash  string `json:"prevHash"`
	At        string `json:"at"`
	HeadCount int    `json:"headCount"`
}

func newestDigests(t *testing.T) []digestItem {
	t.Helper()
	r := call(t, "GET", "/api/v1/ledger/digests?limit=5", token(t, "aud", "auditor"), nil)
	if r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	var page struct {
		Items []digestItem `json:"items"`
	}
	if err := json.Unmarshal(r.Body, &page); err != nil {
		t.Fatal(err)
	}
	return page.Items
}

func TestLedgerDigestJobRunViaSchedule(t *testing.T) {
	tok := token(t, uniq("digest"), "customer")
	if r := walletMove(t, "deposits", tok, "d", "3.00", nil); r.Status != 201 {
		t.Fatal(r.Status)
	}
	before := newestDigests(t)
	r := localCall(t, "POST", "/__local/schedules/LedgerDigestJobFunction.Digest/run", map[string]string{"asOf": time.Now().UTC().Format(time.RFC3339Nano)})
	if r.Status != 200 {
		t.Fatalf("schedule run: %d %s", r.Status, r.Body)
	}
	var out struct {
		Result struct {
			Digests []uint64 `json:"digests"`
			Heads   int      `json:"heads"`
			Hash    string   `json:"hash"`
		} `json:"result"`
	}
	if err := json.Unmarshal(r.Body, &out); err != nil || len(out.Result.Digests) == 0 || out.Result.Heads < 2 {
		t.Fatalf("%s %v", r.Body, err)
	}
	last := out.Result.Digests[len(out.Result.Digests)-1]
	after := newestDigests(t)
	var found *digestItem
	for i := range after {
		if after[i].Seq == last {
			found = &after[i]
		}
	}
	if found == nil || found.Hash != out.Result.Hash || found.HeadCount < 2 || (len(before) > 0 && found.Seq <= before[0].Seq) {
		t.Fatalf("recorded %v, listed %+v (before %+v)", out.Result, after, before)
	}
}

// The tampered chain: written straight to DynamoDB, as someone with table access would.
func TestLedgerTamperedChainIsReportedByRouteAndCLI(t *testing.T) {
	user := uniq("tamper")
	tok := token(t, user, "customer")
	for i := range 3 {
		if r := walletMove(t, "deposits", tok, fmt.Sprint("t", i), "10.00", nil); r.Status != 201 {
			t.Fatal(r.Status)
		}
	}
	account := "wallet:" + user
	table := cloud.Deployment.Functions["WalletDepositFunction"].Env["LENDING_TABLE"]
	if _, err := dynamodb.NewFromConfig(awsCfg).UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
		TableName: aws.String(table),
		Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "ACCT#" + account},
			"sk": &types.AttributeValueMemberS{Value: "ENTRY#00000000000000000002"}},
		UpdateExpression:          aws.String("SET delta = :d"),
		ConditionExpression:       aws.String("attribute_exists(pk)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":d": &types.AttributeValueMemberN{Value: "1000"}},
	}); err != nil {
		t.Fatal(err)
	}
	status, v := verifyAccount(t, tok, account)
	if status != 200 || v.Valid || v.FirstInvalidSeq == nil || *v.FirstInvalidSeq != 2 || v.Problem == "" {
		t.Fatalf("%d %+v", status, v)
	}

	bin := filepath.Join(t.TempDir(), "holdfast")
	build := exec.Command("go", "build", "-o", bin, "./cmd/holdfast")
	build.Dir = repoDir
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the CLI: %v\n%s", err, out)
	}
	cli := exec.Command(bin, "ledger", "verify", "--account", account, "--table", table, "--endpoint", cloud.Emulator.DynamoDBURL())
	cli.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_REGION=us-east-1", "AWS_ENDPOINT_URL=")
	var stdout, stderr strings.Builder
	cli.Stdout, cli.Stderr = &stdout, &stderr
	err := cli.Run()
	exit, ok := err.(*exec.ExitError)
	if !ok || exit.ExitCode() != 1 {
		t.Fatalf("CLI on a tampered chain: %v\nstdout %s\nstderr %s", err, stdout.String(), stderr.String())
	}
	if want := "account " + account + " is broken at seq 2"; !strings.Contains(stderr.String(), want) {
		t.Fatalf("stderr %q lacks %q", stderr.String(), want)
	}
	var cv verification
	if err := json.Unmarshal([]byte(stdout.String()), &cv); err != nil || cv.Valid || cv.FirstInvalidSeq == nil || *cv.FirstInvalidSeq != 2 {
		t.Fatalf("%v %s", err, stdout.String())
	}
	// An untouched wallet verifies with the same command: exit 0.
	other := uniq("intact")
	if r := walletMove(t, "deposits", token(t, other, "customer"), "x", "1.00", nil); r.Status != 201 {
		t.Fatal(r.Status)
	}
	ok2 := exec.Command(bin, "ledger", "verify", "--account", "wallet:"+other, "--table", table, "--endpoint", cloud.Emulator.DynamoDBURL())
	ok2.Env = cli.Env
	if out, err := ok2.CombinedOutput(); err != nil {
		t.Fatalf("intact wallet: %v\n%s", err, out)
	}
}

// TestLedgerFigures prints deposit latency through the local cloud at 16 concurrent clients,
// each on its own wallet. Figures, not assertions.
func TestLedgerFigures(t *testing.T) {
	// One client first: the uncontended latency the 16-client p95 is compared with.
	solo := token(t, uniq("fig-solo"), "customer")
	var one []time.Duration
	for i := range 20 {
		start := time.Now()
		var retried int
		if r := walletMove(t, "deposits", solo, fmt.Sprint("s", i), "1.00", &retried); r.Status != 201 {
			t.Fatalf("deposit: %d %s", r.Status, r.Body)
		}
		one = append(one, time.Since(start))
	}
	const clients, perClient = 16, 8
	var wg sync.WaitGroup
	var mu sync.Mutex
	var lat []time.Duration
	retries := 0
	began := time.Now()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok := token(t, uniq(fmt.Sprint("fig", c)), "customer")
			for i := range perClient {
				start := time.Now()
				var mine int
				r := walletMove(t, "deposits", tok, fmt.Sprint("f", i), "1.00", &mine)
				d := time.Since(start)
				if r.Status != 201 {
					t.Errorf("deposit: %d %s", r.Status, r.Body)
					return
				}
				mu.Lock()
				lat = append(lat, d)
				retries += mine
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(began)
	if len(lat) == 0 {
		t.Fatal("no deposits")
	}
	t.Logf("FIGURE deposit latency through the local cloud, 1 client, %d deposits: p50 %v p95 %v", len(one), percentile(one, .5), percentile(one, .95))
	t.Logf("FIGURE deposit latency through the local cloud, %d concurrent clients, %d deposits: p50 %v p95 %v (%d client retries after 503); %.1f deposits/s; p95 at %d ÷ p50 at 1 = %.1f",
		clients, len(lat), percentile(lat, .5), percentile(lat, .95), retries, float64(len(lat))/elapsed.Seconds(),
		clients, float64(percentile(lat, .95))/float64(percentile(one, .5)))
}
