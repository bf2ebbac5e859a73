package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"holdfast/shared/platform/jwtauth"
)

func TestHealthReportsVersionAndDependencies(t *testing.T) {
	resp := call(t, "GET", "/api/v1/health", "", nil)
	if resp.Status != 200 {
		t.Fatalf("health: %d %s", resp.Status, resp.Body)
	}
	h := resp.JSON(t)
	deps, _ := h["dependencies"].(map[string]any)
	if h["version"] != "e2e" || h["status"] != "ok" || len(deps) < 5 {
		t.Fatalf("health = %v", h)
	}
	for name, d := range deps {
		if d.(map[string]any)["ok"] != true {
			t.Errorf("dependency %s not ok: %v", name, d)
		}
	}
	if resp.Header.Get("X-Correlation-Id") == "" {
		t.Error("no X-Correlation-Id on the response")
	}
}

func TestMeIsCreatedOnFirstCallOnce(t *testing.T) {
	user := uniq("alice")
	tok := token(t, user, "customer")
	first := call(t, "GET", "/api/v1/me", tok, nil)
	if first.Status != 200 {
		t.Fatalf("first GET /me: %d %s", first.Status, first.Body)
	}
	p := first.JSON(t)
	if p["userId"] != user || p["creditScore"] != float64(650) {
		t.Fatalf("profile = %v", p)
	}
	second := call(t, "GET", "/api/v1/me", tok, nil).JSON(t)
	if second["createdAt"] != p["createdAt"] {
		t.Fatalf("profile re-created: %v then %v", p["createdAt"], second["createdAt"])
	}
	// Concurrent first calls of another user create one profile.
	other := token(t, uniq("bob"), "customer")
	var wg sync.WaitGroup
	created := make([]string, 8)
	for i := range created {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r := call(t, "GET", "/api/v1/me", other, nil)
			var m map[string]any
			_ = json.Unmarshal(r.Body, &m)
			created[i], _ = m["createdAt"].(string)
		}(i)
	}
	wg.Wait()
	for _, c := range created {
		if c == "" || c != created[0] {
			t.Fatalf("concurrent first calls disagree: %v", created)
		}
	}
}

func TestBadTokensAre401(t *testing.T) {
	other, err := jwtauth.NewDevIssuer()
	if err != nil {
		t.Fatal(err)
	}
	other.KeyID = cloud.Issuer.KeyID // same kid, another key: a forged signature
	forged, _ := other.Mint(jwtauth.TokenSpec{Subject: "mallory", Roles: []string{"admin"}})
	wrongIss, _ := cloud.Issuer.Mint(jwtauth.TokenSpec{Subject: "u", Roles: []string{"customer"}, Issuer: "https://evil.example"})
	wrongAud, _ := cloud.Issuer.Mint(jwtauth.TokenSpec{Subject: "u", Roles: []string{"customer"}, Audience: "someone-else"})
	for name, tok := range map[string]string{
		"missing": "", "expired": expiredToken(t), "wrong issuer": wrongIss,
		"wrong audience": wrongAud, "bad signature": forged,
	} {
		for _, path := range []string{"/api/v1/me", "/api/v1/audit"} {
			resp := call(t, "GET", path, tok, nil)
			if resp.Status != 401 {
				t.Errorf("%s token on %s: %d %s", name, path, resp.Status, resp.Body)
			}
		}
	}
	// A valid token with the wrong role is 403 problem+json from the policy table.
	resp := call(t, "GET", "/api/v1/audit", token(t, uniq("c"), "customer"), nil)
	if resp.Status != 403 || resp.JSON(t)["code"] != "forbidden" {
		t.Fatalf("customer on audit: %d %s", resp.Status, resp.Body)
	}
}

func profileItem(t *testing.T, user string) map[string]types.AttributeValue {
	t.Helper()
	out, err := dynamodb.NewFromConfig(awsCfg).GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(cloud.Deployment.Functions["MePatchFunction"].Env["LENDING_TABLE"]),
		Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "USER#" + user},
			"sk": &types.AttributeValueMemberS{Value: "PROFILE"}},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Item
}

func TestBadInputIs400AndWritesNothing(t *testing.T) {
	user := uniq("carol")
	tok := token(t, user, "customer")
	if r := call(t, "PATCH", "/api/v1/me", tok, map[string]string{"monthlyIncome": "50000.00"}); r.Status != 200 {
		t.Fatalf("valid patch: %d %s", r.Status, r.Body)
	}
	before := profileItem(t, user)
	cases := []struct {
		name, body, code, field string
	}{
		{"malformed JSON", `{"monthlyIncome": "1`, "malformed_json", ""},
		{"unknown field", `{"monthlyIncome":"1.00","isAdmin":true}`, "unknown_field", "isAdmin"},
		{"wrong type", `{"monthlyIncome": 1000}`, "invalid_type", "monthlyIncome"},
		{"three decimals", `{"monthlyIncome":"1.005"}`, "validation_failed", "monthlyIncome"},
		{"negative", `{"monthlyIncome":"-5.00"}`, "validation_failed", "monthlyIncome"},
		{"missing field", `{}`, "validation_failed", "monthlyIncome"},
		{"65 KiB body", `{"monthlyIncome":"1.00","pad":"` + strings.Repeat("x", 65*1024) + `"}`, "body_too_large", ""},
		{"hostile string", `{"monthlyIncome":"<script>alert(1)</script>"}`, "validation_failed", "monthlyIncome"},
	}
	for _, c := range cases {
		resp := call(t, "PATCH", "/api/v1/me", tok, c.body)
		if resp.Status != 400 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
			t.Errorf("%s: %d %s %s", c.name, resp.Status, resp.Header.Get("Content-Type"), resp.Body)
			continue
		}
		p := resp.JSON(t)
		if p["code"] != c.code {
			t.Errorf("%s: code %v, want %s", c.name, p["code"], c.code)
		}
		if c.field != "" {
			errs, _ := p["errors"].([]any)
			named := false
			for _, e := range errs {
				named = named || e.(map[string]any)["field"] == c.field
			}
			if !named {
				t.Errorf("%s: errors %v do not name %s", c.name, p["errors"], c.field)
			}
		}
		if strings.Contains(string(resp.Body), "dynamodb") || strings.Contains(string(resp.Body), "goroutine") {
			t.Errorf("%s: internal detail leaked: %s", c.name, resp.Body)
		}
	}
	after := profileItem(t, user)
	if fmt.Sprint(after["version"]) != fmt.Sprint(before["version"]) || fmt.Sprint(after["monthlyIncome"]) != fmt.Sprint(before["monthlyIncome"]) {
		t.Fatalf("bad input changed the profile: %v → %v", before, after)
	}
}

func TestMutatingCallIsAudited(t *testing.T) {
	user := uniq("dave")
	corr := uniq("corr")
	resp := call(t, "PATCH", "/api/v1/me", token(t, user, "customer"), map[string]string{"monthlyIncome": "72000.50"},
		"X-Correlation-Id", corr, "User-Agent", "e2e-agent/1", "X-Forwarded-For", "203.0.113.9")
	if resp.Status != 200 || resp.Header.Get("X-Correlation-Id") != corr {
		t.Fatalf("patch: %d %s corr=%q", resp.Status, resp.Body, resp.Header.Get("X-Correlation-Id"))
	}
	// A failed call is audited too, with its error code.
	if r := call(t, "PATCH", "/api/v1/me", token(t, user, "customer"), `{"monthlyIncome":"x"}`); r.Status != 400 {
		t.Fatalf("bad patch: %d", r.Status)
	}
	auditor := token(t, uniq("auditor"), "auditor")
	var items []any
	deadline := time.Now().Add(5 * time.Second)
	for len(items) < 2 && time.Now().Before(deadline) {
		page := call(t, "GET", "/api/v1/audit?actor="+url.QueryEscape(user), auditor, nil)
		if page.Status != 200 {
			t.Fatalf("audit list: %d %s", page.Status, page.Body)
		}
		items, _ = page.JSON(t)["items"].([]any)
	}
	if len(items) != 2 {
		t.Fatalf("audit records for %s: %v", user, items)
	}
	failed, ok := items[0].(map[string]any), items[1].(map[string]any) // newest first
	if failed["outcome"] != "FAILED" || failed["errorCode"] == "" {
		t.Errorf("failed call's record: %v", failed)
	}
	actor, _ := ok["actor"].(map[string]any)
	if ok["action"] != "profile.update" || actor["id"] != user || ok["outcome"] != "SUCCESS" || ok["correlationId"] != corr ||
		ok["sourceIp"] != "127.0.0.1" || ok["userAgent"] != "e2e-agent/1" || ok["status"] != float64(200) {
		t.Fatalf("audit record: %v", ok)
	}
	if _, has := ok["durationMs"]; !has {
		t.Fatalf("no duration: %v", ok)
	}
	// X-Forwarded-For from an untrusted hop is not believed.
	if ok["sourceIp"] == "203.0.113.9" {
		t.Fatal("X-Forwarded-For from an untrusted client was honoured")
	}
	// Filters: by action, and a time range that excludes everything.
	byAction := call(t, "GET", "/api/v1/audit?action=profile.update&limit=1", auditor, nil).JSON(t)
	if got, _ := byAction["items"].([]any); len(got) != 1 || byAction["nextCursor"] == nil {
		t.Fatalf("action filter page: %v", byAction)
	}
	past := time.Now().Add(-72 * time.Hour).UTC().Format(time.RFC3339)
	empty := call(t, "GET", "/api/v1/audit?actor="+url.QueryEscape(user)+"&to="+past, auditor, nil).JSON(t)
	if got, _ := empty["items"].([]any); len(got) != 0 {
		t.Fatalf("range before the calls returned %v", got)
	}
	if r := call(t, "GET", "/api/v1/audit?from=yesterday", auditor, nil); r.Status != 400 {
		t.Fatalf("bad from: %d %s", r.Status, r.Body)
	}
	if r := call(t, "GET", "/api/v1/audit?bogus=1", auditor, nil); r.Status != 400 {
		t.Fatalf("unknown param: %d %s", r.Status, r.Body)
	}
}

func TestIdempotencyThroughTheLocalCloud(t *testing.T) {
	user := uniq("erin")
	tok := token(t, user, "customer")
	key := uniq("key")
	body := map[string]string{"monthlyIncome": "61000.00"}
	first := call(t, "PATCH", "/api/v1/me", tok, body, "Idempotency-Key", key)
	if first.Status != 200 || first.Header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("first: %d %v", first.Status, first.Header)
	}
	replay := call(t, "PATCH", "/api/v1/me", tok, body, "Idempotency-Key", key)
	if replay.Status != 200 || replay.Header.Get("Idempotent-Replayed") != "true" || string(replay.Body) != string(first.Body) {
		t.Fatalf("replay: %d %v %s", replay.Status, replay.Header, replay.Body)
	}
	reuse := call(t, "PATCH", "/api/v1/me", tok, map[string]string{"monthlyIncome": "1.00"}, "Idempotency-Key", key)
	if reuse.Status != 422 || reuse.JSON(t)["code"] != "idempotency_key_reuse" {
		t.Fatalf("reuse: %d %s", reuse.Status, reuse.Body)
	}
	// 20 concurrent requests with one new key: one execution (the profile version moves by one).
	v0 := call(t, "GET", "/api/v1/me", tok, nil).JSON(t)["version"].(float64)
	key2 := uniq("key")
	var wg sync.WaitGroup
	statuses := make([]int, 20)
	for i := range statuses {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			statuses[i] = call(t, "PATCH", "/api/v1/me", tok, map[string]string{"monthlyIncome": "99000.00"}, "Idempotency-Key", key2).Status
		}(i)
	}
	wg.Wait()
	for _, s := range statuses {
		if s != 200 && s != 409 {
			t.Fatalf("statuses %v: want only 200 (first or replayed) and 409 (in flight)", statuses)
		}
	}
	v1 := call(t, "GET", "/api/v1/me", tok, nil).JSON(t)["version"].(float64)
	if v1 != v0+1 {
		t.Fatalf("version %v → %v after 20 requests with one key: executed %v times", v0, v1, v1-v0)
	}
	// Another caller's same key is theirs alone.
	other := call(t, "PATCH", "/api/v1/me", token(t, uniq("frank"), "customer"), map[string]string{"monthlyIncome": "1.00"}, "Idempotency-Key", key)
	if other.Status != 200 || other.Header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("other caller with the same key: %d %v", other.Status, other.Header)
	}
}
