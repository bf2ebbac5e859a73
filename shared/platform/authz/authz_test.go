package authz

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"testing"

	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/httpapi"
	"holdfast/shared/platform/identity"
	"holdfast/shared/platform/problem"
)

var routeKey = regexp.MustCompile(`^(GET|POST|PUT|PATCH|DELETE) /[A-Za-z0-9/{}._\-+]*$`)

func TestTableIsWellFormed(t *testing.T) {
	actions := map[string]string{}
	for _, rk := range Routes() {
		p, ok := Lookup(rk)
		if !ok {
			t.Fatalf("%s listed but not found", rk)
		}
		if !routeKey.MatchString(rk) {
			t.Errorf("%s: not a route key", rk)
		}
		if p.Action == "" {
			t.Errorf("%s: no action", rk)
		}
		if prev, dup := actions[p.Action]; dup {
			t.Errorf("%s and %s share action %s", rk, prev, p.Action)
		}
		actions[p.Action] = rk
		if !p.Public && len(p.Roles) == 0 {
			t.Errorf("%s: private route without roles", rk)
		}
		if p.Public && (p.Mutating || len(p.Roles) > 0) {
			t.Errorf("%s: public routes are read-only and role-free", rk)
		}
		for _, r := range append(slices.Clone(p.Roles), p.OverrideRoles...) {
			if !slices.Contains(identity.AllRoles(), r) {
				t.Errorf("%s: unknown role %q", rk, r)
			}
		}
		if isGet := rk[:4] == "GET "; isGet && (p.Mutating || p.Idempotency != IdempotencyNone) {
			t.Errorf("%s: a GET is neither mutating nor idempotency-keyed", rk)
		}
	}
	if _, ok := Lookup("DELETE /api/v1/nothing"); ok {
		t.Fatal("unknown route found")
	}
}

// TestDecisions walks every route × every role (plus anonymous and role-less callers).
func TestDecisions(t *testing.T) {
	// The platform's own routes are pinned here, so changing who may call them is a deliberate
	// edit in two places. Every other route is checked against its own entry (and against
	// template.yaml by shared/archtest), so products add routes in one place only.
	pinned := map[string][]string{
		"GET /api/v1/health":       identity.AllRoles(),
		"GET /api/v1/openapi.yaml": identity.AllRoles(),
		"GET /api/v1/me":           {identity.RoleCustomer, identity.RolePatient, identity.RoleAdmin},
		"PATCH /api/v1/me":         {identity.RoleCustomer, identity.RolePatient},
		"GET /api/v1/audit":        {identity.RoleAdmin, identity.RoleAuditor},
	}
	for rk := range pinned {
		if _, ok := Lookup(rk); !ok {
			t.Errorf("pinned route %s has no policy", rk)
		}
	}
	for _, rk := range Routes() {
		p, _ := Lookup(rk)
		want, ok := pinned[rk]
		switch {
		case ok:
		case p.Public:
			want = identity.AllRoles()
		default:
			want = p.Roles
		}
		anon := Decide(p, identity.Principal{}, nil)
		if p.Public != (anon == nil) {
			t.Errorf("%s anonymous: %v", rk, anon)
		}
		if !p.Public && problem.StatusOf(anon) != 401 {
			t.Errorf("%s anonymous: want 401 got %v", rk, anon)
		}
		noRole := Decide(p, identity.Principal{Subject: "u"}, nil)
		if !p.Public && problem.StatusOf(noRole) != 403 {
			t.Errorf("%s no role: want 403 got %v", rk, noRole)
		}
		for _, role := range identity.AllRoles() {
			err := Decide(p, identity.Principal{Subject: "u", Roles: []string{role}, Tenant: "t"}, nil)
			if slices.Contains(want, role) != (err == nil) {
				t.Errorf("%s × %s: %v", rk, role, err)
			}
			if err != nil {
				if pe := problem.From(err); problem.Status(pe.Kind) != 403 || pe.Code != errs.CodeForbidden {
					t.Errorf("%s × %s: want 403 forbidden, got %v", rk, role, err)
				}
			}
		}
	}
}

func TestOwnershipRules(t *testing.T) {
	self := Policy{Action: "x", Roles: []string{"customer", "admin"}, Ownership: OwnerSelf,
		OwnerParam: "userId", OverrideRoles: []string{"admin"}}
	params := map[string]string{"userId": "alice"}
	cases := []struct {
		who    identity.Principal
		status int
	}{
		{identity.Principal{Subject: "alice", Roles: []string{"customer"}}, 0},
		{identity.Principal{Subject: "bob", Roles: []string{"customer"}}, 403},
		{identity.Principal{Subject: "root", Roles: []string{"admin"}}, 0},
	}
	for _, c := range cases {
		err := Decide(self, c.who, params)
		if (c.status == 0) != (err == nil) || (err != nil && problem.StatusOf(err) != c.status) {
			t.Errorf("%+v: %v", c.who, err)
		}
	}
	tenant := Policy{Action: "y", Roles: []string{"service", "admin"}, Ownership: OwnerTenant, OverrideRoles: []string{"admin"}}
	if err := Decide(tenant, identity.Principal{Subject: "svc", Roles: []string{"service"}}, nil); problem.StatusOf(err) != 403 {
		t.Errorf("unbound service allowed: %v", err)
	}
	if err := Decide(tenant, identity.Principal{Subject: "svc", Roles: []string{"service"}, Tenant: "acme"}, nil); err != nil {
		t.Error(err)
	}
}

func TestMiddlewareAndHandlerChecks(t *testing.T) {
	p := Policy{Action: "loan.read", Roles: []string{"customer", "admin"}, Ownership: OwnerSelf, OverrideRoles: []string{"admin"}}
	var ownerErrs []error
	h := Middleware("GET /x", p, nil)(func(r *http.Request) (*httpapi.Response, error) {
		ownerErrs = append(ownerErrs, RequireOwner(r.Context(), "alice"), RequireTenant(r.Context(), "acme"))
		return httpapi.Empty(204), nil
	})
	run := func(who identity.Principal) error {
		r, _ := http.NewRequest(http.MethodGet, "/x", nil)
		_, err := h(r.WithContext(identity.With(context.Background(), who)))
		return err
	}
	if err := run(identity.Principal{}); problem.StatusOf(err) != 401 {
		t.Fatal(err)
	}
	if len(ownerErrs) != 0 {
		t.Fatal("handler ran for a denied caller")
	}
	if err := run(identity.Principal{Subject: "alice", Roles: []string{"customer"}}); err != nil {
		t.Fatal(err)
	}
	if ownerErrs[0] != nil || problem.StatusOf(ownerErrs[1]) != 403 {
		t.Fatalf("alice: %v", ownerErrs)
	}
	ownerErrs = nil
	if err := run(identity.Principal{Subject: "bob", Roles: []string{"customer"}, Tenant: "acme"}); err != nil {
		t.Fatal(err)
	}
	if problem.StatusOf(ownerErrs[0]) != 403 || ownerErrs[1] != nil {
		t.Fatalf("bob: %v", ownerErrs)
	}
	ownerErrs = nil
	if err := run(identity.Principal{Subject: "root", Roles: []string{"admin"}}); err != nil {
		t.Fatal(err)
	}
	if ownerErrs[0] != nil || ownerErrs[1] != nil {
		t.Fatalf("admin override: %v", ownerErrs)
	}
	if err := RequireOwner(context.Background(), "alice"); problem.StatusOf(err) != 403 {
		t.Fatal("no policy in context must deny")
	}
	ctx := identity.With(context.Background(), identity.Principal{Subject: "svc", Roles: []string{"service"}, Tenant: "acme"})
	if tnt, err := CallerTenant(ctx); err != nil || tnt != "acme" {
		t.Fatal(tnt, err)
	}
	if _, err := CallerTenant(identity.With(context.Background(), identity.Principal{Subject: "u"})); problem.StatusOf(err) != 403 {
		t.Fatal(err)
	}
}

// TestIdempotencyVocabulary pins what each Idempotency value asks of the chain: lambdahttp
// installs the idempotency middleware exactly when ChainKeepsRecords, and a key is refused
// when absent exactly when KeyRequired (by the middleware, or by the route's own handler).
func TestIdempotencyVocabulary(t *testing.T) {
	for _, c := range []struct {
		i           Idempotency
		name        string
		chain, need bool
	}{
		{IdempotencyNone, "none", false, false},
		{IdempotencyOptional, "optional", true, false},
		{IdempotencyRequired, "required", true, true},
		{IdempotencyRequiredByRoute, "required-by-route", false, true},
		{Idempotency(99), "unknown", false, false},
	} {
		if c.i.String() != c.name || c.i.ChainKeepsRecords() != c.chain || c.i.KeyRequired() != c.need {
			t.Errorf("%d: %s chain=%v required=%v, want %s %v %v", c.i, c.i, c.i.ChainKeepsRecords(), c.i.KeyRequired(), c.name, c.chain, c.need)
		}
	}
	for _, rk := range Routes() {
		if p, _ := Lookup(rk); p.Idempotency.String() == "unknown" {
			t.Errorf("%s: Idempotency %d is not in the vocabulary", rk, p.Idempotency)
		}
	}
}

// TestDoctorRoleIsBoundToItsOwnDoctor: every route a doctor may call on a doctor's queue,
// appointments or statistics is an owner rule resolved from the doctor record's user, with no
// override for the doctor role; receptionists and admins keep clinic-wide access.
func TestDoctorRoleIsBoundToItsOwnDoctor(t *testing.T) {
	for _, rk := range []string{"GET /api/v1/doctors/{id}/queue", "GET /api/v1/doctors/{id}/stats",
		"POST /api/v1/doctors/{id}/queue/next", "GET /api/v1/appointments/{id}",
		"POST /api/v1/appointments/{id}/skip", "POST /api/v1/appointments/{id}/complete"} {
		p, ok := Lookup(rk)
		if !ok || !slices.Contains(p.Roles, identity.RoleDoctor) {
			t.Fatalf("%s: no doctor policy", rk)
		}
		if p.Ownership != OwnerSelf || !slices.Contains(p.OwnedBy, OwnedByDoctorUser) || slices.Contains(p.OverrideRoles, identity.RoleDoctor) {
			t.Errorf("%s: %+v, want owned by the doctor record's user and no doctor override", rk, p)
		}
		for _, staff := range []string{identity.RoleReceptionist, identity.RoleAdmin} {
			if slices.Contains(p.Roles, staff) && !slices.Contains(p.OverrideRoles, staff) {
				t.Errorf("%s: %s may call it but not on every doctor", rk, staff)
			}
		}
	}
	for _, rk := range Routes() {
		p, _ := Lookup(rk)
		for _, o := range p.OwnedBy {
			if !slices.Contains(Owners(), o) || p.Ownership != OwnerSelf || p.OwnerParam != "" {
				t.Errorf("%s: owner %q needs OwnerSelf without OwnerParam and a known owner kind", rk, o)
			}
		}
		if slices.Contains(p.Roles, identity.RoleDoctor) && slices.Contains(p.OverrideRoles, identity.RoleDoctor) {
			t.Errorf("%s: the doctor role overrides ownership", rk)
		}
	}
}

// RequireOwner with several owners (an appointment's patient and its doctor's user) lets any
// of them act, and an empty owner (a doctor record naming no user) lets nobody.
func TestRequireOwnerOfSeveral(t *testing.T) {
	p := Policy{Action: "x", Roles: []string{"patient", "doctor", "receptionist"}, Ownership: OwnerSelf,
		OwnedBy: []Owner{OwnedByPatient, OwnedByDoctorUser}, OverrideRoles: []string{"receptionist"}}
	var got []error
	h := Middleware("GET /x", p, nil)(func(r *http.Request) (*httpapi.Response, error) {
		got = append(got, RequireOwner(r.Context(), "pat", "dr"), RequireOwner(r.Context(), "pat", ""))
		return httpapi.Empty(204), nil
	})
	for _, c := range []struct {
		who       identity.Principal
		both, pat bool
	}{
		{identity.Principal{Subject: "pat", Roles: []string{"patient"}}, true, true},
		{identity.Principal{Subject: "dr", Roles: []string{"doctor"}}, true, false},
		{identity.Principal{Subject: "other", Roles: []string{"doctor"}}, false, false},
		{identity.Principal{Subject: "rita", Roles: []string{"receptionist"}}, true, true},
	} {
		got = nil
		r, _ := http.NewRequest(http.MethodGet, "/x", nil)
		if _, err := h(r.WithContext(identity.With(context.Background(), c.who))); err != nil {
			t.Fatal(err)
		}
		if (got[0] == nil) != c.both || (got[1] == nil) != c.pat {
			t.Errorf("%+v: %v, want allowed %v / %v", c.who, got, c.both, c.pat)
		}
	}
	ctx := context.WithValue(identity.With(context.Background(), identity.Principal{Subject: "dr", Roles: []string{"doctor"}}), policyKey{}, p)
	if !OwnedBy(ctx, OwnedByDoctorUser) || OwnedBy(context.Background(), OwnedByDoctorUser) {
		t.Fatal("OwnedBy does not read the authorised policy")
	}
}
