// Package auth authenticates callers (JWT bearer tokens and Basic credentials), carries the
// caller's principal in the context (the document's useRequestContext), and decides what the
// caller may do: the five fixed roles, permissions, and the tenant scope that confines
// non-admin callers to their organizer's and merchants' rows.
package auth

import (
	"context"
	"slices"
	"strings"

	"github.com/banapos/bana/internal/platform/errs"
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

	// merchants answers which organizer a merchant belongs to, for ActFor: an owner's token does
	// not list its organizer's merchants. The Authenticator sets it.
	merchants Directory
}

// Directory answers which organizer a merchant belongs to (commerce keeps merchants). An unknown
// or deleted merchant is errs.NotFound. Implementations read every tenant's merchants, whoever
// asks, and should be cheap: ActFor asks on every write of an owner that names a merchant.
type Directory interface {
	MerchantOrganizer(ctx context.Context, merchantID id.ID) (organizerID id.ID, err error)
}

// WithDirectory returns a copy of p whose merchant references ActFor checks through d. The
// Authenticator gives it to every principal it authenticates; tests that build principals by
// hand give it where an owner names merchants.
func (p *Principal) WithDirectory(d Directory) *Principal {
	c := *p
	c.merchants = d
	return &c
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
	All         bool    // admins and the system: no restriction
	None        bool    // no caller and no system context: nothing (tenancy fails closed)
	OrganizerID id.ID   // organizer owners and employees
	MerchantIDs []id.ID // employees: only these merchants; empty means every merchant of the organizer

	merchants Directory // the principal's: where ActFor looks up the merchants an owner names
}

// Scope returns the caller's tenant scope.
func (p *Principal) Scope() Scope {
	if p.IsAdmin() {
		return Scope{All: true}
	}
	s := Scope{OrganizerID: p.OrganizerID, merchants: p.merchants}
	if !p.HasRole(OrganizerOwner) {
		s.MerchantIDs = p.MerchantIDs
		if len(s.MerchantIDs) == 0 {
			s.MerchantIDs = []id.ID{-1} // an employee with no merchant sees nothing
		}
	}
	return s
}

// AllowsMerchant reports whether the scope covers a row of (organizer, merchant), as stored: it
// trusts that the merchant is the organizer's. A merchant id that a caller names is checked by
// ActFor, which also looks the merchant up.
func (s Scope) AllowsMerchant(organizer, merchant id.ID) bool {
	if s.None {
		return false
	}
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

type clientAddrKey struct{}

// WithClientAddr returns ctx carrying the network address of the client that sent the request
// (the API server sets it on every request), for limits kept per client address.
func WithClientAddr(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, clientAddrKey{}, addr)
}

// ClientAddr returns the client's address (an IP, without the port), or "" outside a request.
// It is the TCP peer: behind a proxy, every client has the proxy's address (X-Forwarded-For is
// not trusted, since any client can write it).
func ClientAddr(ctx context.Context) string {
	s, _ := ctx.Value(clientAddrKey{}).(string)
	return s
}

// ErrNoPrincipal is returned when tenant rows are reached with neither a caller nor an explicit
// system context: a background worker or handler that forgot to say it acts for the system.
// Tenancy fails closed: such code reads and writes nothing.
var ErrNoPrincipal = errs.New(errs.Internal, "no caller in context: tenant rows are reachable only for a caller or under auth.System")

// ErrNotYourMerchant is returned by ActFor for a merchant outside the caller's scope. It is a
// 404: another tenant's merchant is indistinguishable from one that does not exist.
var ErrNotYourMerchant = errs.Wrap(errs.NotFound, "is not a merchant you may act for", errs.ErrNotFound)

// ScopeOf returns the tenant scope of ctx: the caller's, everything under System, and nothing
// (None) without either. Use Tenancy where the missing caller should be an error.
func ScopeOf(ctx context.Context) Scope {
	if p := From(ctx); p != nil {
		return p.Scope()
	}
	return Scope{None: true}
}

// Tenancy returns the tenant scope of ctx, or ErrNoPrincipal when ctx has neither a caller nor
// the system: the check that every query of tenant rows makes first.
func Tenancy(ctx context.Context) (Scope, error) {
	if p := From(ctx); p != nil {
		return p.Scope(), nil
	}
	return Scope{None: true}, ErrNoPrincipal
}

// ActFor is the one check of "may the caller of ctx act for this merchant of this organizer":
// nil when it may, ErrNoPrincipal without a caller or System, ErrNotYourMerchant otherwise.
// merchant 0 asks about the organizer as a whole. An owner's merchant is looked up in the
// principal's Directory, so an id of another organizer's merchant (or of none) is refused
// wherever a caller names it: a row's merchantId, a query parameter, a document's merchant.
func ActFor(ctx context.Context, organizer, merchant id.ID) error {
	sc, err := Tenancy(ctx)
	if err != nil {
		return err
	}
	if !sc.AllowsMerchant(organizer, merchant) || (merchant == 0 && !sc.All && len(sc.MerchantIDs) > 0) {
		return ErrNotYourMerchant
	}
	if sc.All || merchant == 0 || len(sc.MerchantIDs) > 0 {
		return nil // admins and the system; the organizer as a whole; an employee's listed merchants
	}
	// An owner names one merchant: it must be one of the organizer's (the token does not list
	// them). Without a directory nothing can say so, and the check fails closed.
	if sc.merchants == nil {
		return ErrNotYourMerchant
	}
	owner, err := sc.merchants.MerchantOrganizer(ctx, merchant)
	if errs.KindOf(err) == errs.NotFound || (err == nil && owner != organizer) {
		return ErrNotYourMerchant
	}
	return err
}

// System returns a context acting as the system, for jobs, event handlers, seeds and the
// command line: the explicit way to reach every tenant's rows without a caller.
func System(ctx context.Context) context.Context {
	return WithPrincipal(ctx, &Principal{Roles: []Role{SuperAdmin}, Kind: KindSystem})
}

// IsSystem reports whether ctx acts as the system (see System).
func IsSystem(ctx context.Context) bool {
	p := From(ctx)
	return p != nil && p.Kind == KindSystem
}

// Kinds of principal: how the caller signed in.
const (
	KindUser   = "user"   // a user's password or token
	KindPIN    = "pin"    // an employee's PIN on a terminal
	KindDevice = "device" // a registered device's token
	KindSystem = "system" // the process itself (System)
)

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
