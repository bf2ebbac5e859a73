package e2e

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"holdfast/shared/ledger"
	"holdfast/shared/lending/lendingstore"
)

// These tests take ledger events the whole way a deployment does: a deposit through the HTTP
// API commits a ledger transaction, the lending table's stream carries it to the lending relay,
// the relay puts LedgerTransactionCommitted.v1 on the bus, the bus rules deliver it to the
// credit-score and fraud-watch queues, and their workers act on it.

// pathWait bounds each wait on that whole path: generous, because the machine is shared and
// moto serialises DynamoDB; a bound, never a figure.
const pathWait = asyncWait

// consistently polls cond for d and fails the moment it does not hold: how a test says that
// something does NOT happen (a late duplicate, a second alert) without asserting a speed.
func consistently(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		if !cond() {
			t.Fatalf("stopped holding within %v: %s", d, what)
		}
		if time.Now().After(deadline) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func creditScore(t *testing.T, tok string) int {
	t.Helper()
	r := call(t, "GET", "/api/v1/me", tok, nil)
	if r.Status != 200 {
		t.Fatalf("GET /me: %d %s", r.Status, r.Body)
	}
	s, ok := r.JSON(t)["creditScore"].(float64)
	if !ok {
		t.Fatalf("GET /me has no numeric creditScore: %s", r.Body)
	}
	return int(s)
}

// appliedScoreChanges are the credit-score updater's log lines that changed user's score.
func appliedScoreChanges(user string) []map[string]any {
	return logLines(map[string]string{"msg": "credit score", "userId": user, "applied": "true"})
}

// TestLendingDepositRaisesCreditScoreThroughTheEventPath: a deposit of 1,000.00 through the
// route moves the depositor's score 650 → 655 exactly once; a second one the same business day
// is seen by the updater and changes nothing (+5 at most once a day); one the next business day
// → 660; replaying any deposit's Idempotency-Key answers the original deposit, posts nothing,
// and the score stays at 660.
func TestLendingDepositRaisesCreditScoreThroughTheEventPath(t *testing.T) {
	explainFailure(t)
	t.Cleanup(func() { resetClock(t) })
	user, tok := newBorrower(t, "40000.00")
	if s := creditScore(t, tok); s != 650 {
		t.Fatalf("a new borrower's score is %d, want 650", s)
	}

	// Before the real now, like every clock move in these tests (see day).
	setClock(t, day("2025-09-20"))
	first := deposit(t, tok, "score-1", "1000.00")
	started := time.Now()
	var score int
	eventually(t, pathWait, "the deposit's LedgerTransactionCommitted reaches the credit-score updater", func() bool {
		score = creditScore(t, tok)
		return score != 650
	})
	t.Logf("deposit → score moved, observed through GET /me after %v", time.Since(started).Round(time.Millisecond))
	if score != 655 {
		t.Fatalf("after one deposit the score is %d, want 655", score)
	}

	second := deposit(t, tok, "score-2", "1000.00")
	eventually(t, pathWait, "the same day's second deposit reaches the credit-score updater", func() bool {
		return len(logLines(map[string]string{"msg": "credit score", "userId": user, "txId": str(second, "txId")})) > 0
	})
	if score = creditScore(t, tok); score != 655 {
		t.Fatalf("after a second deposit the same business day the score is %d, want 655 (+5 once a day)", score)
	}

	setClock(t, day("2025-09-21"))
	third := deposit(t, tok, "score-3", "1000.00")
	started = time.Now()
	eventually(t, pathWait, "the next day's deposit reaches the credit-score updater", func() bool {
		score = creditScore(t, tok)
		return score != 655
	})
	lag := time.Since(started)
	t.Logf("next day's deposit → score moved after %v", lag.Round(time.Millisecond))
	if score != 660 {
		t.Fatalf("after the next business day's deposit the score is %d, want 660", score)
	}

	// The same keys again: the original answers, replayed, and no new ledger transaction; with
	// no transaction there is no event for the updater to count.
	for key, orig := range map[string]map[string]any{"score-1": first, "score-2": second, "score-3": third} {
		r := walletMove(t, "deposits", tok, key, "1000.00", nil)
		if r.Status != 201 || r.Header.Get("Idempotent-Replayed") != "true" || str(r.JSON(t), "txId") != str(orig, "txId") {
			t.Fatalf("replay of %s: %d %v %s (original %v)", key, r.Status, r.Header, r.Body, orig)
		}
	}
	if w := getWallet(t, tok); w.HeadSeq != 3 || w.Balance != "3000.00" {
		t.Fatalf("after three deposits and three replays the wallet is %+v, want seq 3, 3000.00", w)
	}
	// A duplicate delivery or a replay that posted would land within about the time a deposit
	// took to move the score; hold for twice that (at least 5 s, at most 30 s).
	hold := min(max(2*lag, 5*time.Second), 30*time.Second)
	consistently(t, hold, "the score stays at 660", func() bool { return creditScore(t, tok) == 660 })

	applied := appliedScoreChanges(user)
	got := map[string]int{}
	for _, l := range applied {
		got[str(l, "txId")]++
	}
	want := map[string]int{str(first, "txId"): 1, str(third, "txId"): 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("score changes applied per transaction %v, want %v", got, want)
	}
	seen := len(logLines(map[string]string{"msg": "credit score", "userId": user}))
	t.Logf("the updater handled %d deliveries for 3 deposits; it applied 2", seen)
}

// pinnedDeposit deposits with the local clock set to at just before each attempt. The local
// clock keeps running once set (shared/localcloud/clock.go), and the gateway stamps the
// invocation when the request arrives, so pinning it per attempt puts every deposit at at plus
// the few milliseconds from the clock call to the gateway, however slow the machine or the
// chain's serialisation. It reports rather than stops (it runs on worker goroutines).
func pinnedDeposit(t *testing.T, tok, key, amount string, at time.Time) (map[string]any, error) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for attempt := 0; ; attempt++ {
		if r := localCall(t, "POST", "/__local/clock", map[string]string{"now": at.UTC().Format(time.RFC3339Nano)}); r.Status != 200 {
			return nil, fmt.Errorf("clock: %d %s", r.Status, r.Body)
		}
		r := call(t, "POST", "/api/v1/wallet/deposits", tok, map[string]string{"amount": amount}, "Idempotency-Key", key)
		busy := r.Status == 503 || (r.Status == 409 && strings.Contains(string(r.Body), `"idempotency_in_flight"`))
		if busy && time.Now().Before(deadline) {
			time.Sleep(time.Duration(min(200*(attempt+1), 2000)) * time.Millisecond)
			continue
		}
		if r.Status != 201 {
			return nil, fmt.Errorf("deposit %s: %d %s", key, r.Status, r.Body)
		}
		return r.JSON(t), nil
	}
}

type alertSeen struct {
	AlertID, UserID, WindowStart, WindowEnd string
	Count                                   int
	TxIDs                                   []string
}

// allFraudAlerts reads every page of GET /api/v1/fraud/alerts as an admin.
func allFraudAlerts(t *testing.T, admin string) []alertSeen {
	t.Helper()
	var out []alertSeen
	q := "?limit=200"
	for pages := 0; pages < 50; pages++ {
		r := call(t, "GET", "/api/v1/fraud/alerts"+q, admin, nil)
		if r.Status != 200 {
			t.Fatalf("fraud alerts: %d %s", r.Status, r.Body)
		}
		page := r.JSON(t)
		items, _ := page["items"].([]any)
		for _, it := range items {
			m := it.(map[string]any)
			a := alertSeen{AlertID: str(m, "alertId"), UserID: str(m, "userId"), WindowStart: str(m, "windowStart"), WindowEnd: str(m, "windowEnd")}
			if n, ok := m["count"].(float64); ok {
				a.Count = int(n)
			}
			ids, _ := m["txIds"].([]any)
			for _, id := range ids {
				a.TxIDs = append(a.TxIDs, fmt.Sprint(id))
			}
			out = append(out, a)
		}
		next, ok := page["nextCursor"].(string)
		if !ok || next == "" {
			return out
		}
		q = "?limit=200&cursor=" + url.QueryEscape(next)
	}
	t.Fatal("the alert list never ended")
	return nil
}

// fraudWindowSize counts the transactions the detector has recorded in user's sliding window.
// There is no route for it: the test reads the detector's items only to know that every
// transaction has reached it before it asserts that no further alert exists.
func fraudWindowSize(t *testing.T, user string) int {
	t.Helper()
	out, err := dynamodb.NewFromConfig(awsCfg).Query(context.Background(), &dynamodb.QueryInput{TableName: aws.String(lendingTable()),
		KeyConditionExpression: aws.String("pk = :pk AND begins_with(sk, :tx)"), ConsistentRead: aws.Bool(true),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: "FRAUD#" + user},
			":tx": &types.AttributeValueMemberS{Value: "TX#"}}})
	if err != nil {
		t.Fatal(err)
	}
	return len(out.Items)
}

// queueSettled reports a queue with nothing waiting and nothing in flight: every message
// received has been handled and deleted.
func queueSettled(t *testing.T, logicalID string) bool {
	t.Helper()
	u := queueURL(t, logicalID)
	out, err := sqs.NewFromConfig(awsCfg).GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: &u,
		AttributeNames: []sqstypes.QueueAttributeName{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"}})
	if err != nil {
		t.Fatal(err)
	}
	return out.Attributes["ApproximateNumberOfMessages"] == "0" && out.Attributes["ApproximateNumberOfMessagesNotVisible"] == "0"
}

// TestLendingFraudAlertThroughTheEventPath: 11 deposits through the route for one user, all
// stamped within 5 s by the local clock, raise exactly one alert naming those 11 transactions;
// 10 for another user raise none. The detector windows on the ledger time each transaction
// carries (LedgerTransactionCommitted.at), never on when the event arrives, so pinning the
// local clock makes the outcome independent of how fast the path delivers.
// TestLendingFraudAlerts (direct to the queue) is the precise window-boundary test.
func TestLendingFraudAlertThroughTheEventPath(t *testing.T) {
	explainFailure(t)
	t.Cleanup(func() { resetClock(t) })
	// Before the real now, like every clock move in these tests (see day): moving back fires
	// no schedule.
	at := day("2025-09-15")
	burst, ten := uniq("fraud-burst"), uniq("fraud-ten")
	toks := map[string]string{burst: token(t, burst, "customer"), ten: token(t, ten, "customer")}
	type job struct {
		user string
		n    int
	}
	var jobs []job
	for i := 0; i < 11; i++ {
		jobs = append(jobs, job{burst, i})
		if i < 10 {
			jobs = append(jobs, job{ten, i})
		}
	}
	// Four at a time across both wallets; each wallet's chain takes them one by one anyway.
	work := make(chan job)
	var mu sync.Mutex
	stamps := map[string][]time.Time{}
	txIDs := map[string][]string{}
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				dep, err := pinnedDeposit(t, toks[j.user], fmt.Sprintf("fraud-%02d", j.n), "1.00", at)
				if err != nil {
					t.Error(err)
					continue
				}
				stamp, err := ledger.ParseTime(str(dep, "at"))
				if err != nil {
					t.Errorf("deposit at %v: %v", dep["at"], err)
					continue
				}
				mu.Lock()
				stamps[j.user] = append(stamps[j.user], stamp)
				txIDs[j.user] = append(txIDs[j.user], str(dep, "txId"))
				mu.Unlock()
			}
		}()
	}
	started := time.Now()
	for _, j := range jobs {
		work <- j
	}
	close(work)
	wg.Wait()
	// The clock stays at the pinned time until the test ends (t.Cleanup resets it): the
	// detector's records expire a day after their ledger time, by the local clock, and the
	// engine's TTL sweeper deletes them as DynamoDB would once the clock jumps 15 months ahead.
	if t.Failed() {
		t.FailNow()
	}
	t.Logf("21 deposits, 4 at a time, took %v", time.Since(started).Round(time.Millisecond))
	// The premise: every deposit carries a ledger time inside one 5-second window.
	for user, want := range map[string]int{burst: 11, ten: 10} {
		s := stamps[user]
		sort.Slice(s, func(a, b int) bool { return s[a].Before(s[b]) })
		if len(s) != want || s[0].Before(at) || !s[len(s)-1].Before(s[0].Add(lendingstore.FraudWindow)) {
			t.Fatalf("%s: %d deposits stamped %v … %v; want %d within %v of %v", user, len(s), s[0], s[len(s)-1], want, lendingstore.FraudWindow, at)
		}
		t.Logf("%d deposits for %s stamped %v … +%v", want, user, s[0].Format(time.RFC3339Nano), s[len(s)-1].Sub(s[0]))
	}

	admin := token(t, uniq("admin"), "admin")
	alertsOf := func(user string) []alertSeen {
		var out []alertSeen
		for _, a := range allFraudAlerts(t, admin) {
			if a.UserID == user {
				out = append(out, a)
			}
		}
		return out
	}
	eventually(t, pathWait, "the burst's transactions reach the fraud detector and raise an alert", func() bool {
		return len(alertsOf(burst)) > 0
	})
	t.Logf("deposits done → alert listed after %v", time.Since(started).Round(time.Millisecond))
	// Before asserting what did NOT happen: every transaction recorded by the detector, and its
	// queue empty, so no detector invocation is still between recording and deciding.
	eventually(t, pathWait, "every transaction reaches the detector and its queue settles", func() bool {
		return fraudWindowSize(t, burst) == 11 && fraudWindowSize(t, ten) == 10 && queueSettled(t, "LedgerFraudWatchQueue")
	})

	got := alertsOf(burst)
	if len(got) != 1 {
		t.Fatalf("%d alerts for the burst, want exactly 1: %+v", len(got), got)
	}
	a := got[0]
	gotIDs, wantIDs := append([]string(nil), a.TxIDs...), append([]string(nil), txIDs[burst]...)
	sort.Strings(gotIDs)
	sort.Strings(wantIDs)
	first := stamps[burst][0]
	if a.Count != 11 || strings.Join(gotIDs, ",") != strings.Join(wantIDs, ",") {
		t.Fatalf("alert %+v; want count 11 naming the deposits %v", a, wantIDs)
	}
	if ws, err := time.Parse(time.RFC3339Nano, a.WindowStart); err != nil || !ws.Equal(first) {
		t.Fatalf("alert window starts %q (%v), want the first deposit's time %v", a.WindowStart, err, first)
	}
	if n := len(alertsOf(ten)); n != 0 {
		t.Fatalf("%d alerts for 10 transactions within 5 s, want none", n)
	}
}
