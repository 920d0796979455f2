// Package auth authenticates callers (JWT bearer tokens and Basic credentials), carries the
// caller's principal in the context (the document's useRequestContext), and decides what the
// caller may do: the five fixed roles, permissions, and the tenant scope that confines
// non-admin callers to their organizer's and merchants' rows.
package auth

import (
	"context"
	"slices"
	"strings"

	"github.com/banapos/bana/internal/platform/id"
)

// Role is one of the document's fixed roles, by code.
type Role int

// FixedUserRoles of the document.
const (
	SuperAdmin     Role = 999
	Admin          Role = 998
	Operator       Role = 997
	OrganizerOwner Role = 899
	Employee       Role = 898
)

// Roles lists the fixed roles, highest first.
var Roles = []Role{SuperAdmin, Admin, Operator, OrganizerOwner, Employee}

// String returns the role's UPPER_SNAKE name.
func (r Role) String() string {
	switch r {
	case SuperAdmin:
		return "SUPER_ADMIN"
	case Admin:
		return "ADMIN"
	case Operator:
		return "OPERATOR"
	case OrganizerOwner:
		return "ORGANIZER_OWNER"
	case Employee:
		return "EMPLOYEE"
	}
	return "UNKNOWN"
}

// ParseRole reads a role name.
func ParseRole(s string) (Role, bool) {
	for _, r := range Roles {
		if strings.EqualFold(r.String(), s) {
			return r, true
		}
	}
	return 0, false
}

// Principal is the authenticated caller.
type Principal struct {
	UserID      id.ID    `json:"userId"`
	Roles       []Role   `json:"roles"`
	Permissions []string `json:"permissions,omitempty"`
	OrganizerID id.ID    `json:"organizerId,omitempty"`
	MerchantIDs []id.ID  `json:"merchantIds,omitempty"`
	// TokenID is the jti of the bearer token (empty for Basic), so it can be revoked.
	TokenID string `json:"-"`
	// Kind says how the caller signed in: "user", "pin" (employee PIN on a terminal), "device".
	Kind string `json:"kind"`
}

// HasRole reports whether p holds any of roles.
func (p *Principal) HasRole(roles ...Role) bool {
	for _, r := range p.Roles {
		if slices.Contains(roles, r) {
			return true
		}
	}
	return false
}

// IsAdmin reports whether p sees every tenant (SUPER_ADMIN, ADMIN, OPERATOR).
func (p *Principal) IsAdmin() bool { return p.HasRole(SuperAdmin, Admin, Operator) }

// Can reports whether p holds the permission. SUPER_ADMIN and ADMIN hold all; otherwise a
// granted permission matches exactly, by "resource.*", or "*".
func (p *Principal) Can(perm string) bool {
	if p.HasRole(SuperAdmin, Admin) {
		return true
	}
	res, _, _ := strings.Cut(perm, ".")
	for _, g := range p.Permissions {
		if g == "*" || g == perm || g == res+".*" {
			return true
		}
	}
	return false
}

// Scope is the set of tenant rows a caller may touch.
type Scope struct {
	All         bool    // admins: no restriction
	OrganizerID id.ID   // organizer owners and employees
	MerchantIDs []id.ID // employees: only these merchants; empty means every merchant of the organizer
}

// Scope returns the caller's tenant scope.
func (p *Principal) Scope() Scope {
	if p.IsAdmin() {
		return Scope{All: true}
	}
	s := Scope{OrganizerID: p.OrganizerID}
	if !p.HasRole(OrganizerOwner) {
		s.MerchantIDs = p.MerchantIDs
		if len(s.MerchantIDs) == 0 {
			s.MerchantIDs = []id.ID{-1} // an employee with no merchant sees nothing
		}
	}
	return s
}

// AllowsMerchant reports whether the scope covers a row of (organizer, merchant).
func (s Scope) AllowsMerchant(organizer, merchant id.ID) bool {
	if s.All {
		return true
	}
	if organizer != s.OrganizerID {
		return false
	}
	return len(s.MerchantIDs) == 0 || merchant == 0 || slices.Contains(s.MerchantIDs, merchant)
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// From returns the caller, or nil for an anonymous request or a background job.
func From(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// ScopeOf returns the tenant scope of ctx. Code without a caller (jobs, event handlers, seeds)
// acts for the system and sees every tenant.
func ScopeOf(ctx context.Context) Scope {
	if p := From(ctx); p != nil {
		return p.Scope()
	}
	return Scope{All: true}
}

// System returns a context acting as the system, for jobs and event handlers.
func System(ctx context.Context) context.Context {
	return WithPrincipal(ctx, &Principal{Roles: []Role{SuperAdmin}, Kind: "system"})
}

// Requirement is what an operation needs of its caller.
type Requirement struct {
	// Public operations need no credentials.
	Public bool
	// Roles, when set, admit only callers holding one of them.
	Roles []Role
	// Permission, when set, must be held (see Principal.Can).
	Permission string
}

// Check returns "" when p satisfies r, else the reason it does not.
func (r Requirement) Check(p *Principal) string {
	if r.Public {
		return ""
	}
	if p == nil {
		return "authentication required"
	}
	if len(r.Roles) > 0 && !p.HasRole(r.Roles...) {
		names := make([]string, len(r.Roles))
		for i, x := range r.Roles {
			names[i] = x.String()
		}
		return "requires one of the roles " + strings.Join(names, ", ")
	}
	if r.Permission != "" && !p.Can(r.Permission) {
		return "requires the permission " + r.Permission
	}
	return ""
}
