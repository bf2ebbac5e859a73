package archtest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"holdfast/shared/platform/authz"
	"holdfast/shared/platform/httpapi"
	"holdfast/shared/platform/identity"
)

// ownerRoles are the roles that own resources (loans, wallets, profiles, appointments): a
// route one of them may call on a path-named resource needs an owner rule, unless the resource
// is shared by construction (listed in sharedResources).
var ownerRoles = []string{identity.RoleCustomer, identity.RolePatient}

// sharedResources are routes an owner role may call on any resource the path names, on
// purpose: a doctor's slots are everyone's to read.
var sharedResources = map[string]bool{
	"GET /api/v1/doctors/{id}/slots": true,
}

var pathParam = regexp.MustCompile(`\{([^}]+)\}`)

// ownershipProblems walks every route with an owner rule × every role the route lets in: a
// caller of that role acting on a resource another caller owns (another sub; another tenant)
// must be refused unless the role is one of the route's override roles, and allowed on its
// own. It drives the real decision — authz.Decide for an owner path parameter, the chain's authz
// step then authz.RequireOwner / RequireTenant as a handler asks them — and reads only the
// table, so a new owner rule (or role) is walked without changing this test. A route an owner
// role may call on a path-named resource without an owner rule is reported too.
func ownershipProblems(policies map[string]authz.Policy) []string {
	keys := make([]string, 0, len(policies))
	for k := range policies {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var out []string
	for _, key := range keys {
		p := policies[key]
		if p.Public {
			continue
		}
		params := pathParam.FindAllStringSubmatch(key, -1)
		switch p.Ownership {
		case authz.OwnerNone:
			for _, role := range ownerRoles {
				if len(params) > 0 && slices.Contains(p.Roles, role) && !sharedResources[key] {
					out = append(out, fmt.Sprintf("%s: a %s may call it on any %s: the entry has no owner rule", key, role, params[0][1]))
				}
			}
			continue
		case authz.OwnerSelf, authz.OwnerTenant:
		default:
			out = append(out, fmt.Sprintf("%s: unknown ownership %v", key, p.Ownership))
			continue
		}
		if p.OwnerParam != "" && !slices.ContainsFunc(params, func(m []string) bool { return m[1] == p.OwnerParam }) {
			out = append(out, fmt.Sprintf("%s: owner parameter %q is not in the path", key, p.OwnerParam))
		}
		owned := 0
		for _, role := range p.Roles {
			override := slices.Contains(p.OverrideRoles, role)
			if !override {
				owned++
			}
			caller := identity.Principal{Subject: "caller-" + role, Roles: []string{role}, Tenant: "t1"}
			if p.Ownership == authz.OwnerTenant && !roleBound(role) {
				caller.Tenant = ""
			}
			other := ownerDecision(key, p, caller, false)
			own := ownerDecision(key, p, caller, true)
			switch {
			case own != nil:
				out = append(out, fmt.Sprintf("%s × %s: refused on its own resource: %v", key, role, own))
			case !override && problemStatus(other) != 403:
				out = append(out, fmt.Sprintf("%s × %s: on another's resource got %v, want 403", key, role, other))
			case override && other != nil && !(p.Ownership == authz.OwnerTenant && caller.Tenant != ""):
				out = append(out, fmt.Sprintf("%s × %s: override role refused on another's resource: %v", key, role, other))
			}
		}
		if owned == 0 {
			out = append(out, fmt.Sprintf("%s: every role it lets in overrides its owner rule: the rule binds no one", key))
		}
	}
	return out
}

// roleBound reports whether callers of role carry a tenant in their credentials.
func roleBound(role string) bool { return role == identity.RoleService }

// ownerDecision is the decision for caller on a resource of key that it owns (own) or that
// another sub / tenant owns: the owner path parameter through authz.Decide when the entry names
// one, otherwise the chain's authz step followed by the handler's RequireOwner or RequireTenant.
func ownerDecision(key string, p authz.Policy, caller identity.Principal, own bool) error {
	owner, tenant := "someone-else", "another-tenant"
	if own {
		owner, tenant = caller.Subject, caller.Tenant
	}
	if p.OwnerParam != "" {
		return authz.Decide(p, caller, map[string]string{p.OwnerParam: owner})
	}
	var asked error
	h := authz.Middleware(key, p, nil)(func(r *http.Request) (*httpapi.Response, error) {
		if p.Ownership == authz.OwnerTenant {
			asked = authz.RequireTenant(r.Context(), tenant)
		} else {
			asked = authz.RequireOwner(r.Context(), owner)
		}
		return httpapi.Empty(204), nil
	})
	r := httptest.NewRequestWithContext(identity.With(context.Background(), caller), "GET", "/", nil)
	if _, err := h(r); err != nil {
		return err
	}
	return asked
}

func TestEveryOwnerRuleRefusesTheWrongOwner(t *testing.T) {
	policies := map[string]authz.Policy{}
	for _, key := range authz.Routes() {
		p, _ := authz.Lookup(key)
		policies[key] = p
	}
	for _, p := range ownershipProblems(policies) {
		t.Error(p)
	}
}

// The walk must fail for broken owner rules: a loan read with the rule missing, one whose
// override list lets every caller in, a wallet route whose owner parameter is not in its path.
func TestABrokenOwnerRuleIsReported(t *testing.T) {
	loan, _ := authz.Lookup("GET /api/v1/loans/{id}")
	missing := loan
	missing.Ownership, missing.OverrideRoles = authz.OwnerNone, nil
	void := loan
	void.OverrideRoles = slices.Clone(loan.Roles)
	wallet, _ := authz.Lookup("GET /api/v1/wallet")
	wallet.OwnerParam = "userId"
	probs := strings.Join(ownershipProblems(map[string]authz.Policy{
		"GET /api/v1/loans/{id}":          missing,
		"GET /api/v1/loans/{id}/timeline": void,
		"GET /api/v1/wallet":              wallet,
	}), "\n")
	for _, want := range []string{
		"GET /api/v1/loans/{id}: a customer may call it on any id: the entry has no owner rule",
		"GET /api/v1/loans/{id}/timeline: every role it lets in overrides its owner rule",
		`GET /api/v1/wallet: owner parameter "userId" is not in the path`,
	} {
		if !strings.Contains(probs, want) {
			t.Errorf("not reported: %s\nin:\n%s", want, probs)
		}
	}
}
