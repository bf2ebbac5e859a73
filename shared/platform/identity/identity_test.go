package identity

import (
	"context"
	"encoding/base64"
	"errors"
	"slices"
	"testing"
)

func TestFromGateway(t *testing.T) {
	tok := func(payload string) string {
		return "Bearer e30." + base64.RawURLEncoding.EncodeToString([]byte(payload)) + ".c2ln"
	}
	claims := map[string]string{"sub": "u-1", "cognito:groups": "[service customer admin]", "tid": "acme"}
	p, ignored, err := FromGateway(claims, tok(`{"sub":"u-1","cognito:groups":["service","customer admin"]}`), "cognito:groups", "tid")
	if err != nil || p.Subject != "u-1" || !slices.Equal(p.Roles, []string{RoleService}) || p.Tenant != "acme" ||
		!slices.Equal(ignored, []string{"customer admin"}) {
		t.Fatalf("%+v %q %v", p, ignored, err)
	}
	if p.HasAnyRole(RoleAdmin, RoleAuditor) || !p.HasAnyRole(RoleAdmin, RoleService) {
		t.Fatal("HasAnyRole")
	}
	p, _, err = FromGateway(map[string]string{"sub": "u-1", "roles": "admin"}, tok(`{"sub":"u-1","roles":"admin"}`), "roles", "tenant")
	if err != nil || !slices.Equal(p.Roles, []string{RoleAdmin}) {
		t.Fatalf("a one-string roles claim: %+v %v", p, err)
	}
	if p, _, err := FromGateway(nil, "", "roles", "tenant"); err != nil || p.Authenticated() {
		t.Fatal("no claims must be anonymous", p, err)
	}
	for name, c := range map[string]struct {
		auth string
		want error
	}{
		"no header":     {"", ErrNoToken},
		"basic":         {"Basic dTpw", ErrNoToken},
		"two parts":     {"Bearer a.b", ErrTokenPayload},
		"not base64":    {"Bearer a.%%%.c", ErrTokenPayload},
		"not an object": {tok(`[1]`), ErrTokenPayload},
		"other subject": {tok(`{"sub":"u-2","roles":["admin"]}`), ErrTokenMismatch},
		"no subject":    {tok(`{"roles":["admin"]}`), ErrTokenMismatch},
		"numeric sub":   {tok(`{"sub":1,"roles":["admin"]}`), ErrTokenMismatch},
	} {
		if _, _, err := FromGateway(map[string]string{"sub": "u-1", "roles": "[admin]"}, c.auth, "roles", "tenant"); !errors.Is(err, c.want) {
			t.Errorf("%s: err %v want %v", name, err, c.want)
		}
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
