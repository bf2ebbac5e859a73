// Package identity is who is calling: the principal built from the JWT claims API Gateway has
// already validated, and the roles the product knows. It must never verify tokens itself (the
// gateway's authorizer does), read identity from a request body, or decide what a role may do
// (that is package authz).
package identity

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
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

// KnownRole reports whether role is exactly the name of one of the product's roles.
func KnownRole(role string) bool { return slices.Contains(AllRoles(), role) }

// Principal is the caller. The zero value is anonymous.
type Principal struct {
	Subject string   // the token's sub
	Roles   []string // from the bearer token's roles claim: exact known role names only
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

// Reasons FromGateway refuses a caller (each means 401).
var (
	ErrNoToken       = errors.New("authorizer claims without an Authorization bearer token")
	ErrTokenPayload  = errors.New("bearer token payload unreadable")
	ErrTokenMismatch = errors.New("bearer token differs from the verified claims")
)

// FromGateway builds the principal of a protected route's request. claims is API Gateway's
// flattened claims map, authorization the request's Authorization header, whose token the
// gateway's authorizer verified before it produced claims. Roles come from that token's exact
// array: the flattened claim cannot be read back ("[customer admin]" is one role with a space or
// two roles), so the token's payload is decoded (not verified: the gateway did that). A role
// that is not exactly a known role name is ignored and returned in ignored, for the caller to
// log. Claims without a bearer token, or a token whose sub differs from the claims', are
// refused: such an event was not shaped by the gateway's authorizer. No claims is anonymous.
func FromGateway(claims map[string]string, authorization, rolesClaim, tenantClaim string) (p Principal, ignored []string, err error) {
	if claims == nil {
		return Principal{}, nil, nil
	}
	raw, ok := strings.CutPrefix(strings.TrimSpace(authorization), "Bearer ")
	if !ok {
		raw, ok = strings.CutPrefix(strings.TrimSpace(authorization), "bearer ")
	}
	raw = strings.TrimSpace(raw)
	if !ok || raw == "" {
		return Principal{}, nil, ErrNoToken
	}
	payload, err := tokenPayload(raw)
	if err != nil {
		return Principal{}, nil, err
	}
	sub, _ := payload["sub"].(string)
	if sub == "" || sub != claims["sub"] {
		return Principal{}, nil, ErrTokenMismatch
	}
	roles, ignored := exactRoles(payload[rolesClaim])
	return Principal{
		Subject: strings.TrimSpace(sub),
		Roles:   roles,
		Tenant:  strings.TrimSpace(claims[tenantClaim]),
	}, ignored, nil
}

// tokenPayload decodes the claims of a compact JWS without checking its signature.
func tokenPayload(raw string) (map[string]any, error) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return nil, ErrTokenPayload
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, ErrTokenPayload
	}
	var payload map[string]any
	if err := json.Unmarshal(b, &payload); err != nil || payload == nil {
		return nil, ErrTokenPayload
	}
	return payload, nil
}

// exactRoles reads a roles claim as the token holds it: an array of strings, or one string
// naming one role. Only exact known role names are kept; everything else is ignored.
func exactRoles(v any) (roles, ignored []string) {
	var names []string
	switch t := v.(type) {
	case nil:
	case string:
		names = []string{t}
	case []any:
		for _, e := range t {
			s, ok := e.(string)
			if !ok {
				b, _ := json.Marshal(e)
				s = string(b)
			}
			names = append(names, s)
		}
	default:
		b, _ := json.Marshal(t)
		names = []string{string(b)}
	}
	for _, n := range names {
		switch {
		case !KnownRole(n):
			ignored = append(ignored, n)
		case !slices.Contains(roles, n):
			roles = append(roles, n)
		}
	}
	return roles, ignored
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
