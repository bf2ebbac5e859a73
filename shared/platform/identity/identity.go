// Package identity is who is calling: the principal built from the JWT claims API Gateway has
// already validated, and the roles the product knows. It must never verify tokens itself (the
// gateway's authorizer does), read identity from a request body, or decide what a role may do
// (that is package authz).
package identity

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
)

// The roles of the product (SPEC §0 Auth).
const (
	RoleCustomer     = "customer"
	RoleApprover     = "approver"
	RoleAdmin        = "admin"
	RoleAuditor      = "auditor"
	RolePatient      = "patient"
	RoleReceptionist = "receptionist"
	RoleDoctor       = "doctor"
	RoleService      = "service"
)

// AllRoles lists every role, for tests that walk routes × roles.
func AllRoles() []string {
	return []string{RoleCustomer, RoleApprover, RoleAdmin, RoleAuditor, RolePatient,
		RoleReceptionist, RoleDoctor, RoleService}
}

// Principal is the caller. The zero value is anonymous.
type Principal struct {
	Subject string   // the token's sub
	Roles   []string // from the configured roles claim
	Tenant  string   // from the configured tenant claim (service callers)
}

// Authenticated reports whether the caller presented a token with a subject.
func (p Principal) Authenticated() bool { return p.Subject != "" }

// HasRole reports whether the caller holds role.
func (p Principal) HasRole(role string) bool { return slices.Contains(p.Roles, role) }

// HasAnyRole reports whether the caller holds at least one of roles.
func (p Principal) HasAnyRole(roles ...string) bool {
	for _, r := range roles {
		if p.HasRole(r) {
			return true
		}
	}
	return false
}

// FromClaims builds the principal from API Gateway's JWT claims map.
func FromClaims(claims map[string]string, rolesClaim, tenantClaim string) Principal {
	if claims == nil {
		return Principal{}
	}
	return Principal{
		Subject: strings.TrimSpace(claims["sub"]),
		Roles:   ParseRoles(claims[rolesClaim]),
		Tenant:  strings.TrimSpace(claims[tenantClaim]),
	}
}

// ParseRoles reads a roles claim in any of the forms it reaches a function in: API Gateway's
// flattening of an array claim ("[a b c]"), a JSON array string (`["a","b"]`), or a comma
// and/or space separated list. Duplicates and empty entries are dropped; order is kept.
func ParseRoles(raw string) []string {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil
	}
	var parts []string
	if strings.HasPrefix(raw, "[") {
		var arr []string
		if err := json.Unmarshal([]byte(raw), &arr); err == nil {
			parts = arr
		} else {
			raw = strings.TrimSuffix(strings.TrimPrefix(raw, "["), "]")
		}
	}
	if parts == nil {
		parts = strings.FieldsFunc(raw, func(r rune) bool {
			return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
		})
	}
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		p = strings.Trim(strings.TrimSpace(p), `"'`)
		if p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

type ctxKey struct{}

// With returns ctx carrying p.
func With(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// FromContext returns the caller carried by ctx; anonymous when none.
func FromContext(ctx context.Context) Principal {
	p, _ := ctx.Value(ctxKey{}).(Principal)
	return p
}
