package identity

import (
	"context"
	"slices"
	"testing"
)

func TestParseRoles(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"   ", nil},
		{"[]", nil},
		{"customer", []string{"customer"}},
		{"[customer admin]", []string{"customer", "admin"}},
		{"[customer]", []string{"customer"}},
		{`["customer","auditor"]`, []string{"customer", "auditor"}},
		{`[ "customer" , "auditor" ]`, []string{"customer", "auditor"}},
		{"customer,admin", []string{"customer", "admin"}},
		{"customer, admin  auditor", []string{"customer", "admin", "auditor"}},
		{"admin admin,admin", []string{"admin"}},
		{"[a,b]", []string{"a", "b"}},
		{`"admin"`, []string{"admin"}},
	}
	for _, c := range cases {
		if got := ParseRoles(c.in); !slices.Equal(got, c.want) {
			t.Errorf("ParseRoles(%q) = %q want %q", c.in, got, c.want)
		}
	}
}

func TestFromClaims(t *testing.T) {
	p := FromClaims(map[string]string{"sub": "u-1", "cognito:groups": "[service]", "tid": "acme"}, "cognito:groups", "tid")
	if p.Subject != "u-1" || !p.HasRole(RoleService) || p.Tenant != "acme" || !p.Authenticated() {
		t.Fatalf("%+v", p)
	}
	if p.HasAnyRole(RoleAdmin, RoleAuditor) || !p.HasAnyRole(RoleAdmin, RoleService) {
		t.Fatal("HasAnyRole")
	}
	if FromClaims(nil, "roles", "tenant").Authenticated() {
		t.Fatal("nil claims authenticated")
	}
	if FromClaims(map[string]string{"roles": "admin"}, "roles", "tenant").Authenticated() {
		t.Fatal("claims without sub authenticated")
	}
}

func TestContext(t *testing.T) {
	if FromContext(context.Background()).Authenticated() {
		t.Fatal("anonymous expected")
	}
	p := Principal{Subject: "s", Roles: []string{RoleAdmin}}
	if got := FromContext(With(context.Background(), p)); got.Subject != "s" {
		t.Fatal(got)
	}
	if len(AllRoles()) != 8 {
		t.Fatal(AllRoles())
	}
}
