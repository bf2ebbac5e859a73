package lambdahttp_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"holdfast/shared/platform/httpapi"
	"holdfast/shared/platform/lambdahttp"
	"holdfast/shared/platform/platformtest"
)

// TestRolesComeFromTheVerifiedTokensExactArray drives the audit list route (admin, auditor):
// API Gateway flattens the token's roles array ["customer admin"] to "[customer admin]", which
// must not read back as the two roles customer and admin.
func TestRolesComeFromTheVerifiedTokensExactArray(t *testing.T) {
	var logs bytes.Buffer
	d := platformtest.Deps(t, platformtest.Options{Out: &logs})
	fn, err := lambdahttp.New(context.Background(), "GET /api/v1/audit", d, func(context.Context, *httpapi.Deps) (httpapi.Handler, error) {
		return func(*http.Request) (*httpapi.Response, error) { return httpapi.Empty(204), nil }, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	status := func(c platformtest.Call, edit func(map[string]string)) int {
		t.Helper()
		ev := c.Event()
		if edit != nil {
			edit(ev.Headers)
		}
		resp, err := fn.Invoke(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode
	}
	call := func(sub string, roles ...string) platformtest.Call {
		return platformtest.Call{Path: "/api/v1/audit", Sub: sub, Roles: roles}
	}
	if s := status(call("mallory", "customer admin"), nil); s != 403 {
		t.Errorf(`role "customer admin": status %d, want 403`, s)
	}
	if !strings.Contains(logs.String(), "unknown roles ignored") || !strings.Contains(logs.String(), "customer admin") {
		t.Errorf("the ignored role was not logged: %s", logs.String())
	}
	if s := status(call("alice", "admin"), nil); s != 204 {
		t.Errorf("admin: status %d, want 204", s)
	}
	if s := status(call("alice", "auditor", "Admin", " admin"), nil); s != 204 {
		t.Errorf("auditor among unknown names: status %d, want 204", s)
	}
	if s := status(call("mallory", "Admin", "admin "), nil); s != 403 {
		t.Errorf("near-miss role names: status %d, want 403", s)
	}
	// Claims with no bearer token were not shaped by the gateway's authorizer.
	if s := status(call("alice", "admin"), func(h map[string]string) { delete(h, "authorization") }); s != 401 {
		t.Errorf("claims without Authorization: status %d, want 401", s)
	}
	// The token must be the one the claims were verified from.
	alices := call("alice", "admin").Event().Headers["authorization"]
	if s := status(call("mallory", "customer"), func(h map[string]string) { h["authorization"] = alices }); s != 401 {
		t.Errorf("another subject's token: status %d, want 401", s)
	}
	if s := status(call("alice", "admin"), func(h map[string]string) { h["authorization"] = "Bearer not-a-jwt" }); s != 401 {
		t.Errorf("unreadable token: status %d, want 401", s)
	}
}
