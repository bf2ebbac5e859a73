package ledgerapi_test

import (
	"context"
	"strings"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"holdfast/shared/ledger"
	"holdfast/shared/ledger/ledgerapi"
	"holdfast/shared/platform/platformtest"
	"holdfast/shared/platform/problem"
)

func verifyCall(sub string, roles []string, id string) platformtest.Call {
	return platformtest.Call{Sub: sub, Roles: roles, PathParams: map[string]string{"id": id}}
}

var (
	admin   = []string{"admin"}
	auditor = []string{"auditor"}
	cust    = []string{"customer"}
)

func (e *env) deposits(sub string, n int) {
	e.t.Helper()
	for i := range n {
		if r := e.move(rDeposit, sub, sub+"-dep-"+pad20(i), amount("10.00")); r.StatusCode != 201 {
			e.t.Fatalf("%d %s", r.StatusCode, r.Body)
		}
	}
}

func TestVerifyRouteOwnershipAndAnswers(t *testing.T) {
	e := setup(t)
	e.deposits("ivy", 3)
	r := e.do(rVerify, verifyCall("ivy", cust, "wallet:ivy"))
	v := decode[ledger.Verification](t, r)
	if r.StatusCode != 200 || !v.Valid || v.Entries != 3 || v.HeadSeq != 3 || v.FirstInvalidSeq != nil || len(v.HeadHash) != 64 ||
		!strings.Contains(r.Body, `"firstInvalidSeq":null`) {
		t.Fatalf("%d %s", r.StatusCode, r.Body)
	}
	ext := string(e.store.Sharding().Resolve(ledger.External, ledger.DeriveID("dep", "ivy", "ivy-dep-"+pad20(0))))
	cases := []struct {
		call   platformtest.Call
		status int
	}{
		{verifyCall("ivy", cust, "wallet:jon"), 403},     // another user's wallet: forbidden before any read
		{verifyCall("ivy", cust, ext), 403},              // a system shard: overrides only
		{verifyCall("ivy", cust, "loan:L-1"), 403},       // a loan: overrides only
		{verifyCall("root", admin, "wallet:ivy"), 200},   // admin: any account
		{verifyCall("aud", auditor, ext), 200},           // auditor: a system shard
		{verifyCall("aud", auditor, "wallet:jon"), 404},  // nothing stored
		{verifyCall("root", admin, "loan:L-1"), 404},     // nothing stored
		{verifyCall("jon", cust, "wallet:jon"), 404},     // own wallet, nothing stored
		{verifyCall("root", admin, "external"), 400},     // the logical account: name a shard
		{verifyCall("root", admin, "bogus"), 400},        // not an account
		{verifyCall("root", admin, "wallet:"), 400},      // no owner
		{verifyCall("root", admin, "wallet:a b"), 400},   // a space
		{verifyCall("root", admin, "external#100"), 400}, // shard out of range
		{verifyCall("root", admin, strings.Repeat("w", 5000)), 400},
		{verifyCall("ivy", cust, "wallet:../../etc"), 400}, // path tricks are just a bad ID
		{verifyCall("", nil, "wallet:ivy"), 401},
		{verifyCall("doc", []string{"doctor"}, "wallet:ivy"), 403},
		{verifyCall("appr", []string{"approver"}, "wallet:ivy"), 403},
	}
	for _, c := range cases {
		r := e.do(rVerify, c.call)
		if r.StatusCode != c.status {
			t.Errorf("%s %v on %q: %d %s", c.call.Sub, c.call.Roles, c.call.PathParams["id"], r.StatusCode, r.Body)
			continue
		}
		if c.status == 400 {
			if p := decode[problem.Document](t, r); len(p.Errors) != 1 || p.Errors[0].Field != "id" {
				t.Errorf("%q: %s", c.call.PathParams["id"], r.Body)
			}
		}
	}
	c := verifyCall("ivy", cust, "wallet:ivy")
	c.Query = "deep=1"
	if r := e.do(rVerify, c); r.StatusCode != 400 {
		t.Errorf("unknown parameter: %d", r.StatusCode)
	}
}

func TestVerifyRouteReportsTheFirstBadSeqOfATamperedChain(t *testing.T) {
	e := setup(t)
	e.deposits("kim", 5)
	e.tamper("wallet:kim", 3, "delta", "20.00") // the entry's own hash no longer covers its fields
	v := decode[ledger.Verification](t, e.do(rVerify, verifyCall("kim", cust, "wallet:kim")))
	if v.Valid || v.FirstInvalidSeq == nil || *v.FirstInvalidSeq != 3 || v.Problem == "" || v.Reason == "" || v.Entries != 5 {
		t.Fatalf("%+v", v)
	}
	// The whole-ledger check (the scheduled job) names the same account and seq.
	res, err := e.jobs().Audit(context.Background(), lambdaevents.CloudWatchEvent{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Valid || res.FirstInvalid == nil || res.FirstInvalid.Account != "wallet:kim" || *res.FirstInvalid.FirstInvalidSeq != 3 {
		t.Fatalf("%+v", res)
	}
}

func TestDigestJobAndDigestsRoute(t *testing.T) {
	e := setup(t)
	jobs := e.jobs()
	ctx := context.Background()
	list := func(c platformtest.Call) ledgerapi.DigestsView {
		t.Helper()
		r := e.do(rDigests, c)
		if r.StatusCode != 200 {
			t.Fatalf("%d %s", r.StatusCode, r.Body)
		}
		return decode[ledgerapi.DigestsView](t, r)
	}
	root := platformtest.Call{Sub: "root", Roles: admin}
	if v := list(root); len(v.Items) != 0 || v.NextCursor != nil {
		t.Fatalf("%+v", v)
	}
	e.deposits("lee", 2)
	// The heads that moved: the wallet and the external shard each deposit landed on.
	moved := map[ledger.Account]bool{"wallet:lee": true}
	for i := range 2 {
		moved[e.store.Sharding().Resolve(ledger.External, ledger.DeriveID("dep", "lee", "lee-dep-"+pad20(i)))] = true
	}
	res, err := jobs.Digest(ctx, lambdaevents.CloudWatchEvent{})
	if err != nil || len(res.Digests) != 1 || res.Digests[0] != 1 || res.Heads != len(moved) || len(res.Hash) != 64 {
		t.Fatalf("%+v %v", res, err)
	}
	for i := 2; i <= 4; i++ {
		if next, err := jobs.Digest(ctx, lambdaevents.CloudWatchEvent{}); err != nil || next.Digests[0] != uint64(i) {
			t.Fatalf("%+v %v", next, err)
		}
	}
	v := list(platformtest.Call{Sub: "aud", Roles: auditor})
	if len(v.Items) != 4 || v.Items[0].Seq != 4 || v.Items[3].Seq != 1 || v.Items[3].HeadCount != len(moved) || v.Items[3].Hash != res.Hash ||
		v.Items[3].PrevHash != ledger.GenesisHash || v.Items[2].PrevHash != v.Items[3].Hash || v.NextCursor != nil {
		t.Fatalf("%+v", v)
	}
	var seqs []uint64
	c := root
	c.Query = "limit=3"
	for {
		page := list(c)
		for _, it := range page.Items {
			seqs = append(seqs, it.Seq)
		}
		if page.NextCursor == nil {
			break
		}
		c.Query = "limit=3&cursor=" + *page.NextCursor
	}
	if len(seqs) != 4 || seqs[0] != 4 || seqs[3] != 1 {
		t.Fatalf("%v", seqs)
	}
	// The digests anchor the wallet's chain: verification holds it against them.
	if vr := decode[ledger.Verification](t, e.do(rVerify, verifyCall("lee", cust, "wallet:lee"))); !vr.Valid || vr.AnchorsChecked == 0 {
		t.Fatalf("%+v", vr)
	}
	for _, q := range []string{"limit=0", "limit=101", "cursor=xyz", "cursor=ZGlnZXN0cy52MS4x", "order=asc"} {
		c := root
		c.Query = q
		if r := e.do(rDigests, c); r.StatusCode != 400 {
			t.Errorf("%s: %d %s", q, r.StatusCode, r.Body)
		}
	}
	for _, c := range []platformtest.Call{{}, {Sub: "lee", Roles: cust}, {Sub: "a", Roles: []string{"approver"}}} {
		if r := e.do(rDigests, c); r.StatusCode != 401 && r.StatusCode != 403 || (c.Sub == "" && r.StatusCode != 401) {
			t.Errorf("%v: %d", c.Roles, r.StatusCode)
		}
	}
}

func TestAuditJobPassesASoundLedger(t *testing.T) {
	e := setup(t)
	e.deposits("max", 3)
	if r := e.move(rWithdraw, "max", "w", amount("5.00")); r.StatusCode != 201 {
		t.Fatal(r.Body)
	}
	if _, err := e.jobs().Digest(context.Background(), lambdaevents.CloudWatchEvent{}); err != nil {
		t.Fatal(err)
	}
	res, err := e.jobs().Audit(context.Background(), lambdaevents.CloudWatchEvent{})
	if err != nil || !res.Valid || res.Total != "0.00" || res.Transactions != 4 || res.Entries != 8 || res.Digests != 1 ||
		res.FirstInvalid != nil || len(res.Problems) != 0 {
		t.Fatalf("%+v %v", res, err)
	}
}
