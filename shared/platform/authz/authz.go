// Package authz is THE authorization model: one policy table mapping every API Gateway route
// key to its audit action name, the roles allowed, whether it is public or mutating, its
// ownership rule and its idempotency requirement; and the one decision over it. Every route's
// chain asks it before the handler runs, and handlers ask it (RequireOwner, RequireTenant)
// once they know whose resource they hold. It must never be bypassed or duplicated: a route
// with no entry is denied, and no handler checks roles on its own.
package authz

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"sort"

	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/httpapi"
	"holdfast/shared/platform/identity"
)

// Ownership says whose resources a caller may touch through a route.
type Ownership int

const (
	// OwnerNone: any caller holding an allowed role may act on any resource of the route.
	OwnerNone Ownership = iota
	// OwnerSelf: the resource's owner (the path parameter OwnerParam, or what the handler
	// passes to RequireOwner) must be the caller's sub, unless the caller holds an
	// OverrideRoles role. Routes on "me" are OwnerSelf by construction.
	OwnerSelf
	// OwnerTenant: service callers are bound to the tenant in their credentials and reach
	// only that tenant's resources; OverrideRoles (admins) reach any tenant.
	OwnerTenant
)

func (o Ownership) String() string {
	switch o {
	case OwnerSelf:
		return "self"
	case OwnerTenant:
		return "tenant"
	}
	return "none"
}

// Owner names whose sub owns a resource of an OwnerSelf route without OwnerParam: what the
// handler resolves, from the resource it holds, and passes to RequireOwner. A route may name
// several (any of them may act); the table says which, so no handler decides it on its own.
type Owner string

const (
	// OwnedByPatient: the appointment's patient.
	OwnedByPatient Owner = "appointment.patient"
	// OwnedByDoctorUser: the user a doctor record names (clinic.Doctor.UserID) — for a doctor
	// route the doctor in the path, for an appointment route the appointment's doctor. A doctor
	// record without a user is owned by nobody: only OverrideRoles reach it.
	OwnedByDoctorUser Owner = "doctor.user"
)

// Owners lists every Owner kind the table may name.
func Owners() []Owner { return []Owner{OwnedByPatient, OwnedByDoctorUser} }

// Idempotency says how a route treats the Idempotency-Key header, and what answers for a key:
// the chain's idempotency middleware (records in the idempotency table) or the route itself.
// Exactly one of the two ever does, so no two records of one key can disagree.
type Idempotency int

const (
	// IdempotencyNone: the header is ignored.
	IdempotencyNone Idempotency = iota
	// IdempotencyOptional: honoured when sent; the chain keeps the answer and replays it.
	IdempotencyOptional
	// IdempotencyRequired: as Optional, and the chain refuses a request without a key (400
	// idempotency_key_required).
	IdempotencyRequired
	// IdempotencyRequiredByRoute: the key is required, and the route's own record answers for
	// it; the chain keeps none (and the function needs no idempotency table). The handler
	// refuses a missing or malformed key with idempotency.RequireKey (400
	// idempotency_key_required, invalid_idempotency_key) before it reads or writes anything,
	// and answers a replay (Idempotent-Replayed: true) or a reuse (422
	// idempotency_key_reuse) from its own record. For a route whose record is naturally keyed
	// another way than the chain's (subject, route, key; 24 hours): POST /api/v1/notify, where
	// the notification itself, named by tenant and key and kept for good, is the record.
	IdempotencyRequiredByRoute
)

// ChainKeepsRecords reports whether the chain's idempotency middleware stores and replays the
// route's answers.
func (i Idempotency) ChainKeepsRecords() bool {
	return i == IdempotencyOptional || i == IdempotencyRequired
}

// KeyRequired reports whether a request without an Idempotency-Key is refused.
func (i Idempotency) KeyRequired() bool {
	return i == IdempotencyRequired || i == IdempotencyRequiredByRoute
}

func (i Idempotency) String() string {
	switch i {
	case IdempotencyNone:
		return "none"
	case IdempotencyOptional:
		return "optional"
	case IdempotencyRequired:
		return "required"
	case IdempotencyRequiredByRoute:
		return "required-by-route"
	}
	return "unknown"
}

// Policy is one route's entry.
type Policy struct {
	Action        string   // audit action name, "<domain>.<verb>"
	Roles         []string // roles allowed (ignored when Public)
	Public        bool     // no token needed
	Mutating      bool     // changes state: the chain audits it
	Ownership     Ownership
	OwnerParam    string   // for OwnerSelf: path parameter holding the owner's sub
	OwnedBy       []Owner  // for OwnerSelf without OwnerParam: whom the handler resolves as owner
	OverrideRoles []string // may act on resources they do not own
	Idempotency   Idempotency
}

// table builds the policy table. It is a function, not a package variable, so nothing can
// mutate the one authorization model at run time.
func table() map[string]Policy {
	const (
		customer = identity.RoleCustomer
		admin    = identity.RoleAdmin
		auditor  = identity.RoleAuditor
	)
	return map[string]Policy{
		"GET /api/v1/health":       {Action: "health.read", Public: true},
		"GET /api/v1/openapi.yaml": {Action: "openapi.read", Public: true},
		// Patients keep a profile too: it holds where booking confirmations and "you are next" go.
		"GET /api/v1/me": {Action: "profile.read", Roles: []string{customer, identity.RolePatient, admin},
			Ownership: OwnerSelf},
		"PATCH /api/v1/me": {Action: "profile.update", Roles: []string{customer, identity.RolePatient},
			Mutating: true, Ownership: OwnerSelf, Idempotency: IdempotencyOptional},
		"GET /api/v1/audit": {Action: "audit.list", Roles: []string{admin, auditor}},
		// wallet and ledger: a customer moves and reads only wallet:<own sub>; the
		// verify handler asks RequireOwner with the wallet's user (other accounts: overrides only).
		"POST /api/v1/wallet/deposits": {Action: "wallet.deposit", Roles: []string{customer},
			Mutating: true, Ownership: OwnerSelf, Idempotency: IdempotencyRequired},
		"POST /api/v1/wallet/withdrawals": {Action: "wallet.withdraw", Roles: []string{customer},
			Mutating: true, Ownership: OwnerSelf, Idempotency: IdempotencyRequired},
		"GET /api/v1/wallet":           {Action: "wallet.read", Roles: []string{customer}, Ownership: OwnerSelf},
		"GET /api/v1/wallet/statement": {Action: "wallet.statement", Roles: []string{customer}, Ownership: OwnerSelf},
		"GET /api/v1/ledger/accounts/{id}/verify": {Action: "ledger.verify", Roles: []string{customer, admin, auditor},
			Ownership: OwnerSelf, OverrideRoles: []string{admin, auditor}},
		"GET /api/v1/ledger/digests": {Action: "ledger.digests", Roles: []string{admin, auditor}},
		"POST /api/v1/loans": {Action: "loan.apply", Roles: []string{identity.RoleCustomer},
			Mutating: true, Ownership: OwnerSelf, Idempotency: IdempotencyOptional},
		"GET /api/v1/loans": {Action: "loan.list", Roles: []string{identity.RoleCustomer}, Ownership: OwnerSelf},
		"GET /api/v1/loans/{id}": {Action: "loan.read", Roles: []string{identity.RoleCustomer, identity.RoleApprover, identity.RoleAdmin, identity.RoleAuditor},
			Ownership: OwnerSelf, OverrideRoles: []string{identity.RoleApprover, identity.RoleAdmin, identity.RoleAuditor}},
		"POST /api/v1/loans/{id}/approve": {Action: "loan.approve", Roles: []string{identity.RoleApprover},
			Mutating: true, Idempotency: IdempotencyOptional},
		"POST /api/v1/loans/{id}/reject": {Action: "loan.reject", Roles: []string{identity.RoleApprover},
			Mutating: true, Idempotency: IdempotencyOptional},
		"POST /api/v1/loans/{id}/cancel": {Action: "loan.cancel", Roles: []string{identity.RoleCustomer, identity.RoleAdmin},
			Mutating: true, Ownership: OwnerSelf, OverrideRoles: []string{identity.RoleAdmin}, Idempotency: IdempotencyOptional},
		"GET /api/v1/loans/{id}/timeline": {Action: "loan.timeline", Roles: []string{identity.RoleCustomer, identity.RoleApprover, identity.RoleAdmin, identity.RoleAuditor},
			Ownership: OwnerSelf, OverrideRoles: []string{identity.RoleApprover, identity.RoleAdmin, identity.RoleAuditor}},
		"GET /api/v1/loans/{id}/schedule": {Action: "loan.schedule", Roles: []string{identity.RoleCustomer, identity.RoleApprover, identity.RoleAdmin, identity.RoleAuditor},
			Ownership: OwnerSelf, OverrideRoles: []string{identity.RoleApprover, identity.RoleAdmin, identity.RoleAuditor}},
		"GET /api/v1/loan-calculator": {Action: "loan.calculate", Public: true},
		"POST /api/v1/loans/{id}/repayments": {Action: "loan.repay", Roles: []string{identity.RoleCustomer},
			Mutating: true, Ownership: OwnerSelf, Idempotency: IdempotencyRequired},
		"GET /api/v1/loans/{id}/foreclosure-quote": {Action: "loan.foreclosure_quote", Roles: []string{identity.RoleCustomer},
			Ownership: OwnerSelf},
		"POST /api/v1/loans/{id}/foreclosure": {Action: "loan.foreclose", Roles: []string{identity.RoleCustomer},
			Mutating: true, Ownership: OwnerSelf, Idempotency: IdempotencyRequired},
		"GET /api/v1/fraud/alerts": {Action: "fraud.alerts", Roles: []string{identity.RoleAdmin}},
		// the approvers' work queue: loans awaiting an approval decision (admins oversee it)
		"GET /api/v1/approvals": {Action: "loan.review-queue", Roles: []string{identity.RoleApprover, identity.RoleAdmin}},
		// notify keeps its own idempotency: the notification is named by tenant and key.
		"POST /api/v1/notify": {Action: "notify.send", Roles: []string{identity.RoleService},
			Mutating: true, Ownership: OwnerTenant, Idempotency: IdempotencyRequiredByRoute},
		"GET /api/v1/notifications/{id}": {Action: "notify.read", Roles: []string{identity.RoleService, admin},
			Ownership: OwnerTenant, OverrideRoles: []string{admin}},
		"POST /api/v1/notifications/dead-letters/redrive": {Action: "notify.redrive", Roles: []string{admin},
			Mutating: true},
		"POST /api/v1/tenants": {Action: "tenant.create", Roles: []string{admin},
			Mutating: true, Idempotency: IdempotencyOptional},
		"GET /api/v1/tenants": {Action: "tenant.list", Roles: []string{admin}},
		// clinic queue: patients book and check in for themselves (the handler asks
		// RequireOwner with the appointment's patient). A doctor acts on and reads only their
		// own doctor record's queue, appointments and statistics: the handler resolves the
		// doctor record's user (OwnedByDoctorUser) and asks RequireOwner; receptionists and
		// admins override and reach every doctor's.
		"POST /api/v1/doctors": {Action: "clinic.doctor.create", Roles: []string{identity.RoleAdmin},
			Mutating: true, Idempotency: IdempotencyOptional},
		"PUT /api/v1/doctors/{id}/user": {Action: "clinic.doctor.set_user", Roles: []string{identity.RoleAdmin},
			Mutating: true},
		"GET /api/v1/doctors": {Action: "clinic.doctor.list", Roles: []string{identity.RolePatient,
			identity.RoleReceptionist, identity.RoleDoctor, identity.RoleAdmin}},
		"GET /api/v1/doctors/{id}/slots": {Action: "clinic.slots.read", Roles: []string{identity.RolePatient,
			identity.RoleReceptionist, identity.RoleDoctor, identity.RoleAdmin}},
		"POST /api/v1/appointments": {Action: "clinic.appointment.book", Roles: []string{identity.RolePatient},
			Mutating: true, Ownership: OwnerSelf, Idempotency: IdempotencyOptional},
		"GET /api/v1/appointments/{id}": {Action: "clinic.appointment.read", Roles: []string{identity.RolePatient,
			identity.RoleReceptionist, identity.RoleDoctor, identity.RoleAdmin}, Ownership: OwnerSelf,
			OwnedBy: []Owner{OwnedByPatient, OwnedByDoctorUser}, OverrideRoles: []string{identity.RoleReceptionist, identity.RoleAdmin}},
		"POST /api/v1/appointments/{id}/cancel": {Action: "clinic.appointment.cancel", Roles: []string{identity.RolePatient,
			identity.RoleReceptionist, identity.RoleAdmin}, Mutating: true, Ownership: OwnerSelf, OwnedBy: []Owner{OwnedByPatient},
			OverrideRoles: []string{identity.RoleReceptionist, identity.RoleAdmin}, Idempotency: IdempotencyOptional},
		"POST /api/v1/appointments/{id}/check-in": {Action: "clinic.appointment.check_in", Roles: []string{identity.RolePatient,
			identity.RoleReceptionist}, Mutating: true, Ownership: OwnerSelf, OwnedBy: []Owner{OwnedByPatient},
			OverrideRoles: []string{identity.RoleReceptionist}, Idempotency: IdempotencyOptional},
		"POST /api/v1/appointments/{id}/emergency-check-in": {Action: "clinic.appointment.emergency_check_in",
			Roles: []string{identity.RoleReceptionist}, Mutating: true, Idempotency: IdempotencyOptional},
		"POST /api/v1/appointments/{id}/skip": {Action: "clinic.appointment.skip", Roles: []string{identity.RoleDoctor,
			identity.RoleReceptionist}, Mutating: true, Ownership: OwnerSelf, OwnedBy: []Owner{OwnedByDoctorUser},
			OverrideRoles: []string{identity.RoleReceptionist}, Idempotency: IdempotencyOptional},
		"POST /api/v1/appointments/{id}/complete": {Action: "clinic.appointment.complete", Roles: []string{identity.RoleDoctor},
			Mutating: true, Ownership: OwnerSelf, OwnedBy: []Owner{OwnedByDoctorUser}, Idempotency: IdempotencyOptional},
		"POST /api/v1/doctors/{id}/queue/next": {Action: "clinic.queue.next", Roles: []string{identity.RoleDoctor},
			Mutating: true, Ownership: OwnerSelf, OwnedBy: []Owner{OwnedByDoctorUser}, Idempotency: IdempotencyOptional},
		"GET /api/v1/doctors/{id}/queue": {Action: "clinic.queue.read", Roles: []string{identity.RoleReceptionist,
			identity.RoleDoctor, identity.RoleAdmin}, Ownership: OwnerSelf, OwnedBy: []Owner{OwnedByDoctorUser},
			OverrideRoles: []string{identity.RoleReceptionist, identity.RoleAdmin}},
		"GET /api/v1/doctors/{id}/stats": {Action: "clinic.stats.read", Roles: []string{identity.RoleReceptionist,
			identity.RoleDoctor, identity.RoleAdmin}, Ownership: OwnerSelf, OwnedBy: []Owner{OwnedByDoctorUser},
			OverrideRoles: []string{identity.RoleReceptionist, identity.RoleAdmin}},
		"GET /api/v1/doctors/{id}/board": {Action: "clinic.board.snapshot", Public: true},
		"POST /api/v1/doctors/{id}/display-tokens": {Action: "clinic.display_token.issue",
			Roles: []string{identity.RoleReceptionist, identity.RoleAdmin}, Mutating: true},
		"GET /board/{doctorId}": {Action: "clinic.board.page", Public: true},
	}
}

// Routes lists every route key with a policy, sorted.
func Routes() []string {
	t := table()
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Lookup returns the policy of a route key such as "GET /api/v1/me".
func Lookup(routeKey string) (Policy, bool) {
	p, ok := table()[routeKey]
	if ok {
		p.Roles = slices.Clone(p.Roles)
		p.OverrideRoles = slices.Clone(p.OverrideRoles)
		p.OwnedBy = slices.Clone(p.OwnedBy)
	}
	return p, ok
}

// Decide is the decision for a caller on a route before its handler runs: nil to allow,
// 401 unauthenticated when a token is needed and absent, 403 forbidden otherwise.
func Decide(p Policy, caller identity.Principal, pathParams map[string]string) error {
	if p.Public {
		return nil
	}
	if !caller.Authenticated() {
		return errs.Unauthenticated()
	}
	if !caller.HasAnyRole(p.Roles...) {
		return errs.Forbidden("Your role may not perform this action.")
	}
	switch p.Ownership {
	case OwnerSelf:
		if p.OwnerParam != "" {
			if owner := pathParams[p.OwnerParam]; owner != caller.Subject && !caller.HasAnyRole(p.OverrideRoles...) {
				return errs.Forbidden("You may act only on your own resources.")
			}
		}
	case OwnerTenant:
		if caller.HasRole(identity.RoleService) && caller.Tenant == "" {
			return errs.Forbidden("Your credentials are not bound to a tenant.")
		}
	}
	return nil
}

type policyKey struct{}

// Middleware is the chain's authz step for routeKey: it denies before the handler runs and
// leaves the policy in the context for RequireOwner/RequireTenant.
func Middleware(routeKey string, p Policy, log *slog.Logger) httpapi.Middleware {
	return func(next httpapi.Handler) httpapi.Handler {
		return func(r *http.Request) (*httpapi.Response, error) {
			ctx := r.Context()
			caller := identity.FromContext(ctx)
			if err := Decide(p, caller, httpapi.PathParams(ctx)); err != nil {
				if log != nil {
					log.WarnContext(ctx, "access denied", "action", p.Action, "roles", caller.Roles,
						"code", errs.CodeOf(err))
				}
				return nil, err
			}
			return next(r.WithContext(context.WithValue(ctx, policyKey{}, p)))
		}
	}
}

// PolicyFrom returns the policy the chain authorised the request under.
func PolicyFrom(ctx context.Context) (Policy, bool) {
	p, ok := ctx.Value(policyKey{}).(Policy)
	return p, ok
}

// OwnedBy reports whether the route the request was authorised under names o among the
// owners its handler resolves (Policy.OwnedBy).
func OwnedBy(ctx context.Context, o Owner) bool {
	p, ok := PolicyFrom(ctx)
	return ok && slices.Contains(p.OwnedBy, o)
}

// RequireOwner lets the request act on a resource owned by owners (subs; an empty one owns
// nothing): the caller must be one of them or hold one of the route's override roles. Without
// an authorised policy in the context it denies.
func RequireOwner(ctx context.Context, owners ...string) error {
	p, ok := PolicyFrom(ctx)
	if !ok {
		return errs.Forbidden("")
	}
	caller := identity.FromContext(ctx)
	if !caller.Authenticated() {
		return errs.Unauthenticated()
	}
	for _, owner := range owners {
		if owner != "" && owner == caller.Subject {
			return nil
		}
	}
	if caller.HasAnyRole(p.OverrideRoles...) {
		return nil
	}
	return errs.Forbidden("You may act only on your own resources.")
}

// CallerTenant is the tenant a service caller is bound to by its credentials.
func CallerTenant(ctx context.Context) (string, error) {
	caller := identity.FromContext(ctx)
	if !caller.Authenticated() {
		return "", errs.Unauthenticated()
	}
	if caller.Tenant == "" {
		return "", errs.Forbidden("Your credentials are not bound to a tenant.")
	}
	return caller.Tenant, nil
}

// RequireTenant lets the request act on a resource of tenant: a caller bound to a tenant must
// be bound to that one; an unbound caller needs an override role.
func RequireTenant(ctx context.Context, tenant string) error {
	p, ok := PolicyFrom(ctx)
	if !ok {
		return errs.Forbidden("")
	}
	caller := identity.FromContext(ctx)
	if !caller.Authenticated() {
		return errs.Unauthenticated()
	}
	if caller.Tenant != "" {
		if caller.Tenant == tenant {
			return nil
		}
		return errs.Forbidden("You may act only within your own tenant.")
	}
	if caller.HasAnyRole(p.OverrideRoles...) {
		return nil
	}
	return errs.Forbidden("You may act only within your own tenant.")
}
