package ledgerapi_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"holdfast/shared/ledger"
	"holdfast/shared/ledger/ledgerapi"
	"holdfast/shared/platform/audit"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/lambdahttp"
	"holdfast/shared/platform/platformtest"
	"holdfast/shared/platform/problem"
)

func TestDepositWithdrawBalanceStatementAndAudit(t *testing.T) {
	e := setup(t)
	r := e.move(rDeposit, "alice", "k-1", amount("1500"))
	if r.StatusCode != 201 {
		t.Fatalf("deposit: %d %s", r.StatusCode, r.Body)
	}
	dep := decode[ledgerapi.MovementView](t, r)
	wantID := ledger.DeriveID("dep", "alice", "k-1")
	if dep.TxID != wantID || dep.Type != "DEPOSIT" || dep.Amount != "1500.00" || dep.Currency != "INR" ||
		dep.Wallet != (ledgerapi.EntryView{Account: "wallet:alice", Seq: 1, BalanceAfter: "1500.00", Hash: dep.Wallet.Hash}) ||
		len(dep.Wallet.Hash) != 64 || dep.At != "2025-01-31T09:30:00.000Z" || r.Headers["Idempotent-Replayed"] != "" {
		t.Fatalf("%+v %v", dep, r.Headers)
	}
	r = e.move(rWithdraw, "alice", "k-2", amount("200.5"))
	wd := decode[ledgerapi.MovementView](t, r)
	if r.StatusCode != 201 || wd.Type != "WITHDRAWAL" || wd.Amount != "200.50" || wd.Wallet.Seq != 2 || wd.Wallet.BalanceAfter != "1299.50" ||
		wd.TxID != ledger.DeriveID("wdr", "alice", "k-2") {
		t.Fatalf("withdrawal: %d %+v", r.StatusCode, wd)
	}
	w := e.wallet("alice")
	if w != (ledgerapi.WalletView{Account: "wallet:alice", Currency: "INR", Balance: "1299.50", HeadSeq: 2, HeadHash: wd.Wallet.Hash}) {
		t.Fatalf("%+v", w)
	}
	st := decode[ledgerapi.StatementView](t, e.do(rStatement, customer("alice")))
	if len(st.Items) != 2 || st.NextCursor != nil || st.Items[0].Seq != 2 || st.Items[0].Delta != "-200.50" ||
		st.Items[0].BalanceAfter != "1299.50" || st.Items[1].Delta != "1500.00" || st.Items[1].BalanceAfter != "1500.00" ||
		st.Items[0].PrevHash != st.Items[1].Hash || st.Items[1].PrevHash != ledger.GenesisHash {
		t.Fatalf("%+v", st)
	}
	// The system side: the money came from and went to external shards; the ledger sums to zero.
	ext, err := e.store.Balance(context.Background(), ledger.External)
	if err != nil || ext.String() != "-1299.5" {
		t.Fatalf("external %v %v", ext, err)
	}
	page, err := audit.NewStore(e.d.DynamoDB, e.d.Config.AuditTable, e.clk).Query(context.Background(), audit.Query{})
	if err != nil || len(page.Items) != 2 {
		t.Fatalf("audit: %+v %v", page, err)
	}
	for _, rec := range page.Items {
		if rec.Actor.ID != "alice" || rec.Outcome != audit.Success || rec.Status != 201 || rec.Entity == nil ||
			*rec.Entity != (audit.Entity{Type: "wallet", ID: "alice"}) || !strings.HasPrefix(rec.Action, "wallet.") {
			t.Fatalf("%+v", rec)
		}
	}
}

func TestNewWalletIsEmptyGenesis(t *testing.T) {
	e := setup(t)
	if w := e.wallet("nobody"); w.Balance != "0.00" || w.HeadSeq != 0 || w.HeadHash != ledger.GenesisHash {
		t.Fatalf("%+v", w)
	}
	st := decode[ledgerapi.StatementView](t, e.do(rStatement, customer("nobody")))
	if st.Items == nil || len(st.Items) != 0 || st.NextCursor != nil {
		t.Fatalf("%+v", st)
	}
	if n := e.lendingItems(); n != 0 {
		t.Fatalf("reads wrote %d items", n)
	}
}

// The two idempotency layers agree: the middleware replays within its retention, and after its
// record is gone the deterministic transaction ID still posts once and answers the same.
func TestIdempotencyBothLayers(t *testing.T) {
	e := setup(t)
	first := e.move(rDeposit, "bob", "same", amount("10.00"))
	again := e.move(rDeposit, "bob", "same", `{ "amount" : "10.00" }`)
	if first.StatusCode != 201 || again.StatusCode != 201 || again.Body != first.Body || again.Headers["Idempotent-Replayed"] != "true" {
		t.Fatalf("replay: %d %s / %d %s %v", first.StatusCode, first.Body, again.StatusCode, again.Body, again.Headers)
	}
	other := e.move(rDeposit, "bob", "same", amount("11.00"))
	if p := decode[problem.Document](t, other); other.StatusCode != 422 || p.Code != "idempotency_key_reuse" {
		t.Fatalf("%d %s", other.StatusCode, other.Body)
	}
	// The same key on the other route is another request: a withdrawal, not a replay.
	if r := e.move(rWithdraw, "bob", "same", amount("1.00")); r.StatusCode != 201 || r.Headers["Idempotent-Replayed"] != "" {
		t.Fatalf("%d %s", r.StatusCode, r.Body)
	}
	// Another user's identical key is their own.
	if r := e.move(rDeposit, "carol", "same", amount("10.00")); r.StatusCode != 201 || r.Headers["Idempotent-Replayed"] != "" {
		t.Fatalf("%d %s", r.StatusCode, r.Body)
	}
	// The idempotency records expire (TTL): the ledger record is now the only memory.
	e.clearIdempotency()
	late := e.move(rDeposit, "bob", "same", amount("10.00"))
	if late.StatusCode != 201 || late.Body != first.Body || late.Headers["Idempotent-Replayed"] != "true" {
		t.Fatalf("after expiry: %d %s %v\nfirst: %s", late.StatusCode, late.Body, late.Headers, first.Body)
	}
	e.clearIdempotency()
	if r := e.move(rDeposit, "bob", "same", amount("12.00")); r.StatusCode != 422 || decode[problem.Document](t, r).Code != "idempotency_key_reuse" {
		t.Fatalf("different amount after expiry: %d %s", r.StatusCode, r.Body)
	}
	if w := e.wallet("bob"); w.HeadSeq != 2 || w.Balance != "9.00" {
		t.Fatalf("%+v", w)
	}
}

func (e *env) clearIdempotency() {
	e.t.Helper()
	ctx := context.Background()
	tbl := aws.String(e.d.Config.IdempotencyTable)
	out, err := e.d.DynamoDB.Scan(ctx, &dynamodb.ScanInput{TableName: tbl})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, it := range out.Items {
		if _, err := e.d.DynamoDB.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: tbl, Key: map[string]types.AttributeValue{"pk": it["pk"]}}); err != nil {
			e.t.Fatal(err)
		}
	}
}

func TestBadInputIs400NamingTheFieldAndWritesNothing(t *testing.T) {
	e := setup(t)
	cases := []struct {
		name, key, body, code, field string
	}{
		{"zero", "k", amount("0"), errs.CodeValidation, "amount"},
		{"zero with decimals", "k", amount("0.00"), errs.CodeValidation, "amount"},
		{"negative", "k", amount("-5.00"), errs.CodeValidation, "amount"},
		{"three decimals", "k", amount("1.005"), errs.CodeValidation, "amount"},
		{"trailing zero third decimal", "k", amount("1.000"), errs.CodeValidation, "amount"},
		{"above the maximum", "k", amount("10000000.01"), errs.CodeValidation, "amount"},
		{"exponent", "k", amount("1e3"), errs.CodeValidation, "amount"},
		{"plus sign", "k", amount("+5"), errs.CodeValidation, "amount"},
		{"spaces", "k", amount(" 5"), errs.CodeValidation, "amount"},
		{"words", "k", amount("lots"), errs.CodeValidation, "amount"},
		{"empty string", "k", amount(""), errs.CodeValidation, "amount"},
		{"number not string", "k", `{"amount":5}`, errs.CodeInvalidType, "amount"},
		{"boolean", "k", `{"amount":true}`, errs.CodeInvalidType, "amount"},
		{"null", "k", `{"amount":null}`, errs.CodeValidation, "amount"},
		{"missing amount", "k", `{}`, errs.CodeValidation, "amount"},
		{"unknown field", "k", `{"amount":"5.00","to":"wallet:mallory"}`, errs.CodeUnknownField, "to"},
		{"malformed", "k", `{"amount":"5.00"`, errs.CodeMalformedJSON, ""},
		{"two values", "k", `{"amount":"5.00"}{"amount":"5.00"}`, errs.CodeMalformedJSON, ""},
		{"array", "k", `[{"amount":"5.00"}]`, errs.CodeInvalidType, "$"},
		{"65 KiB", "k", `{"amount":"` + strings.Repeat("9", 65<<10) + `"}`, errs.CodeBodyTooLarge, ""},
		{"missing key", "", amount("5.00"), "idempotency_key_required", "Idempotency-Key"},
		{"key too long", strings.Repeat("k", 256), amount("5.00"), "invalid_idempotency_key", "Idempotency-Key"},
		{"key with control char", "k\x01", amount("5.00"), "invalid_idempotency_key", "Idempotency-Key"},
	}
	for _, route := range []string{rDeposit, rWithdraw} {
		for _, c := range cases {
			key := c.key
			if key == "k" {
				key = route + c.name // a fresh key per case: nothing replays
			}
			r := e.move(route, "dave", key, c.body)
			p := decode[problem.Document](t, r)
			if r.StatusCode != 400 || p.Code != c.code || r.Headers["Content-Type"] != problem.ContentType {
				t.Errorf("%s %s: %d %s", route, c.name, r.StatusCode, r.Body)
				continue
			}
			if c.field != "" && (len(p.Errors) != 1 || p.Errors[0].Field != c.field) {
				t.Errorf("%s %s: fields %+v", route, c.name, p.Errors)
			}
		}
	}
	if n := e.lendingItems(); n != 0 {
		t.Fatalf("bad input wrote %d ledger items", n)
	}
	if w := e.wallet("dave"); w.HeadSeq != 0 || w.Balance != "0.00" {
		t.Fatalf("%+v", w)
	}
}

func TestBoundsAreInclusive(t *testing.T) {
	e := setup(t)
	for i, a := range []string{"0.01", "10000000", "10000000.00"} {
		if r := e.move(rDeposit, "erin", "b"+a+string(rune('a'+i)), amount(a)); r.StatusCode != 201 {
			t.Fatalf("%s: %d %s", a, r.StatusCode, r.Body)
		}
	}
	if w := e.wallet("erin"); w.Balance != "20000000.01" || w.HeadSeq != 3 {
		t.Fatalf("%+v", w)
	}
}

func TestWithdrawalBeyondBalanceIs422AndWritesNothing(t *testing.T) {
	e := setup(t)
	if r := e.move(rDeposit, "fay", "d", amount("100.00")); r.StatusCode != 201 {
		t.Fatal(r.Body)
	}
	before := e.wallet("fay")
	r := e.move(rWithdraw, "fay", "w", amount("100.01"))
	if p := decode[problem.Document](t, r); r.StatusCode != 422 || p.Code != "insufficient_funds" {
		t.Fatalf("%d %s", r.StatusCode, r.Body)
	}
	if after := e.wallet("fay"); after != before {
		t.Fatalf("%+v → %+v", before, after)
	}
	// The same key retried answers the same refusal (the idempotency record stored it).
	if r2 := e.move(rWithdraw, "fay", "w", amount("100.01")); r2.StatusCode != 422 || r2.Headers["Idempotent-Replayed"] != "true" {
		t.Fatalf("%d %v", r2.StatusCode, r2.Headers)
	}
	if r := e.move(rWithdraw, "fay", "all", amount("100.00")); r.StatusCode != 201 || decode[ledgerapi.MovementView](t, r).Wallet.BalanceAfter != "0.00" {
		t.Fatalf("%d %s", r.StatusCode, r.Body)
	}
}

// Concurrent withdrawals that together exceed the balance: exactly those covered succeed.
func TestConcurrentWithdrawalsNeverOverdraw(t *testing.T) {
	e := setup(t)
	if r := e.move(rDeposit, "gus", "d", amount("100.00")); r.StatusCode != 201 {
		t.Fatal(r.Body)
	}
	const n = 12
	var wg sync.WaitGroup
	status := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := customer("gus")
			c.Body = amount("10.00")
			c.Headers = map[string]string{"Idempotency-Key": "w-" + string(rune('a'+i))}
			resp, err := e.fns[rWithdraw].Invoke(context.Background(), withRoute(c, rWithdraw).Event())
			if err != nil {
				t.Error(err)
				return
			}
			status[i] = resp.StatusCode
		}()
	}
	wg.Wait()
	ok, refused := 0, 0
	for _, s := range status {
		switch s {
		case 201:
			ok++
		case 422:
			refused++
		}
	}
	if ok != 10 || refused != 2 {
		t.Fatalf("statuses %v", status)
	}
	if w := e.wallet("gus"); w.Balance != "0.00" || w.HeadSeq != 11 {
		t.Fatalf("%+v", w)
	}
}

func withRoute(c platformtest.Call, route string) platformtest.Call {
	method, path, _ := strings.Cut(route, " ")
	c.Method, c.Path, c.RouteKey = method, path, route
	return c
}

func TestStatementPagesNewestFirst(t *testing.T) {
	e := setup(t)
	for i := 1; i <= 5; i++ {
		if r := e.move(rDeposit, "hal", "p"+string(rune('0'+i)), amount(string(rune('0'+i))+".00")); r.StatusCode != 201 {
			t.Fatal(r.Body)
		}
	}
	var seqs []uint64
	cursor := ""
	for pages := 0; ; pages++ {
		c := customer("hal")
		c.Query = "limit=2"
		if cursor != "" {
			c.Query += "&cursor=" + cursor
		}
		r := e.do(rStatement, c)
		st := decode[ledgerapi.StatementView](t, r)
		if r.StatusCode != 200 || len(st.Items) > 2 || pages > 3 {
			t.Fatalf("%d %s", r.StatusCode, r.Body)
		}
		for _, it := range st.Items {
			seqs = append(seqs, it.Seq)
		}
		if st.NextCursor == nil {
			break
		}
		cursor = *st.NextCursor
	}
	if len(seqs) != 5 || seqs[0] != 5 || seqs[4] != 1 {
		t.Fatalf("%v", seqs)
	}
	for _, q := range []struct{ query, field string }{
		{"limit=0", "limit"}, {"limit=201", "limit"}, {"limit=abc", "limit"}, {"limit=01", "limit"}, {"limit=-1", "limit"},
		{"cursor=bm9wZQ", "cursor"}, {"cursor=", "cursor"}, {"cursor=%FF%FE", "cursor"}, {"sort=asc", "sort"},
		{"limit=1&limit=2", "limit"},
	} {
		c := customer("hal")
		c.Query = q.query
		r := e.do(rStatement, c)
		p := decode[problem.Document](t, r)
		if r.StatusCode != 400 || len(p.Errors) != 1 || p.Errors[0].Field != q.field {
			t.Errorf("%s: %d %s", q.query, r.StatusCode, r.Body)
		}
	}
	c := customer("hal")
	c.Query = "bogus=1"
	if r := e.do(rWallet, c); r.StatusCode != 400 {
		t.Errorf("GET wallet with unknown parameter: %d", r.StatusCode)
	}
}

func TestWalletRoutesAuthorization(t *testing.T) {
	e := setup(t)
	for _, route := range []string{rDeposit, rWithdraw, rWallet, rStatement} {
		for _, c := range []struct {
			call   platformtest.Call
			status int
		}{
			{platformtest.Call{}, 401},
			{platformtest.Call{Sub: "x"}, 403},
			{platformtest.Call{Sub: "root", Roles: []string{"admin"}}, 403},
			{platformtest.Call{Sub: "aud", Roles: []string{"auditor"}}, 403},
			{platformtest.Call{Sub: "doc", Roles: []string{"doctor"}}, 403},
			{platformtest.Call{Sub: "svc", Roles: []string{"service"}, Tenant: "t"}, 403},
			// A subject that cannot name a wallet (hostile or foreign token) holds none.
			{platformtest.Call{Sub: "a#b", Roles: []string{"customer"}}, 403},
			{platformtest.Call{Sub: strings.Repeat("x", 200), Roles: []string{"customer"}}, 403},
		} {
			c.call.Body = amount("5.00")
			c.call.Headers = map[string]string{"Idempotency-Key": "authz"}
			if strings.HasPrefix(route, "GET") {
				c.call.Body, c.call.Headers = "", nil
			}
			if r := e.do(route, c.call); r.StatusCode != c.status {
				t.Errorf("%s as %q %v: %d %s", route, c.call.Sub, c.call.Roles, r.StatusCode, r.Body)
			}
		}
	}
	if n := e.lendingItems(); n != 0 {
		t.Fatalf("refused calls wrote %d items", n)
	}
}

// TestWalletAuditEntityFoundByRoute: a wallet movement is audited under entity wallet:<sub>,
// and GET /api/v1/audit?entity=wallet:<sub> finds it, together with a record written the old
// way (entity id "wallet:<sub>", i.e. wallet:wallet:<sub>), newest first, across pages.
func TestWalletAuditEntityFoundByRoute(t *testing.T) {
	e := setup(t)
	// A record from before the fix: an hour earlier, entity type wallet, id wallet:alice.
	old := audit.Record{ID: "legacy-1", At: e.clk.Now(context.Background()).Add(-time.Hour), Action: "wallet.deposit",
		Route: rDeposit, Actor: audit.Actor{ID: "alice", Roles: []string{"customer"}}, Arguments: json.RawMessage(`{}`),
		Outcome: audit.Success, Status: 201, Entity: &audit.Entity{Type: "wallet", ID: "wallet:alice"}, CorrelationID: "c-old"}
	if err := audit.NewStore(e.d.DynamoDB, e.d.Config.AuditTable, e.clk).Put(context.Background(), old); err != nil {
		t.Fatal(err)
	}
	if r := e.move(rDeposit, "alice", "k-a1", amount("10")); r.StatusCode != 201 {
		t.Fatalf("deposit: %d %s", r.StatusCode, r.Body)
	}
	if r := e.move(rDeposit, "bob", "k-b1", amount("10")); r.StatusCode != 201 {
		t.Fatalf("deposit: %d %s", r.StatusCode, r.Body)
	}
	fn, err := lambdahttp.New(context.Background(), "GET /api/v1/audit", e.d, audit.ListHandler)
	if err != nil {
		t.Fatal(err)
	}
	list := func(query string) (ids []string, next *string) {
		t.Helper()
		c := platformtest.Call{Method: "GET", RouteKey: "GET /api/v1/audit", Path: "/api/v1/audit", Query: query, Sub: "boss", Roles: []string{"auditor"}}
		resp, err := fn.Invoke(context.Background(), c.Event())
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("audit %s: %d %s %v", query, resp.StatusCode, resp.Body, err)
		}
		var body struct {
			Items      []audit.Record `json:"items"`
			NextCursor *string        `json:"nextCursor"`
		}
		if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
			t.Fatal(err)
		}
		for _, r := range body.Items {
			if r.Entity == nil || r.Entity.Type != "wallet" {
				t.Fatalf("record %+v", r)
			}
			ids = append(ids, r.ID+"="+r.Entity.ID)
		}
		return ids, body.NextCursor
	}
	ids, next := list("entity=wallet:alice")
	if len(ids) != 2 || next != nil || ids[0] == "legacy-1=wallet:alice" || !strings.HasSuffix(ids[0], "=alice") || ids[1] != "legacy-1=wallet:alice" {
		t.Fatalf("entity=wallet:alice: %v next %v", ids, next)
	}
	// One record a page: the new record, then the old one, then nothing.
	first, next := list("entity=wallet:alice&limit=1")
	if len(first) != 1 || first[0] != ids[0] || next == nil {
		t.Fatalf("page 1: %v %v", first, next)
	}
	second, next := list("entity=wallet:alice&limit=1&cursor=" + url.QueryEscape(*next))
	if len(second) != 1 || second[0] != "legacy-1=wallet:alice" {
		t.Fatalf("page 2: %v %v", second, next)
	}
	if next != nil {
		if third, after := list("entity=wallet:alice&limit=1&cursor=" + url.QueryEscape(*next)); len(third) != 0 || after != nil {
			t.Fatalf("page 3: %v %v", third, after)
		}
	}
	if bob, _ := list("entity=wallet:bob"); len(bob) != 1 || !strings.HasSuffix(bob[0], "=bob") {
		t.Fatalf("entity=wallet:bob: %v", bob)
	}
}
