package identity

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
)

// Profile is how a user is shown.
type Profile struct {
	DisplayName string `json:"displayName,omitempty"`
	FirstName   string `json:"firstName,omitempty"`
	LastName    string `json:"lastName,omitempty"`
	Locale      string `json:"locale,omitempty" doc:"vi (default) or en"`
}

// IdentifierInput is an identifier as a client sends it, with where it came from in the request
// (for error messages).
type IdentifierInput struct {
	Scheme Scheme `json:"scheme,omitempty" openapi:"enum=USERNAME,EMAIL,PHONE_NUMBER,NX_AUTH" doc:"USERNAME, EMAIL, PHONE_NUMBER or NX_AUTH"`
	Value  string `json:"value,omitempty" openapi:"required"`
	loc    string
}

// NewUser is what the UserService creates in one transaction: the user, its identifiers (a
// USER_NUMBER is always added), its profile, its password credential and its roles.
type NewUser struct {
	Identifiers []IdentifierInput
	// Password is required unless the user signs in elsewhere (NX_AUTH) or with a PIN only
	// (AllowNoPassword).
	Password        string
	AllowNoPassword bool
	Profile         Profile
	Roles           []auth.Role
	OrganizerID     id.ID // 0: none
	Status          string
	// PasswordLoc names the password in errors (default "body.password").
	PasswordLoc string
}

type preparedUser struct {
	id          id.ID
	identifiers []IdentifierInput // normalized
	hash        string
	profile     Profile
	roles       []auth.Role
	organizerID id.ID
	status      string
}

// prepare checks and normalizes a new user and hashes its password: everything that needs no
// database, done before a transaction so bcrypt never holds one open.
func (m *Module) prepare(nu NewUser) (*preparedUser, error) {
	p := &preparedUser{id: m.ids.Next(), profile: nu.Profile, roles: nu.Roles, organizerID: nu.OrganizerID, status: nu.Status}
	if p.status == "" {
		p.status = StatusActive
	}
	if p.status != StatusActive && p.status != StatusBlocked {
		return nil, errs.Field("body.status", "must be ACTIVE or BLOCKED", p.status)
	}
	seen := map[Identifier]bool{}
	var values []string
	external := false
	for i, in := range nu.Identifiers {
		loc := in.loc
		if loc == "" {
			loc = fmt.Sprintf("body.identifiers[%d].value", i)
		}
		scheme, ok := ParseScheme(string(in.Scheme))
		if !ok || scheme == UserNumber {
			return nil, errs.Field(strings.TrimSuffix(loc, ".value")+".scheme", "must be USERNAME, EMAIL, PHONE_NUMBER or NX_AUTH (user numbers are generated)", in.Scheme)
		}
		v, err := Normalize(scheme, in.Value)
		if err != nil {
			return nil, errs.Field(loc, err.Error(), in.Value)
		}
		key := Identifier{Scheme: scheme, Value: v}
		if seen[key] {
			return nil, errs.Field(loc, "is given twice", in.Value)
		}
		seen[key] = true
		external = external || scheme == NXAuth
		values = append(values, v)
		p.identifiers = append(p.identifiers, IdentifierInput{Scheme: scheme, Value: v, loc: loc})
	}
	pwLoc := nu.PasswordLoc
	if pwLoc == "" {
		pwLoc = "body.password"
	}
	if len(p.identifiers) == 0 && !nu.AllowNoPassword {
		return nil, errs.Field("body", "needs at least one of username, email or phone number", nil)
	}
	switch {
	case nu.Password != "":
		if err := CheckPassword(pwLoc, nu.Password, values); err != nil {
			return nil, err
		}
		h, err := m.hash.hash(nu.Password)
		if err != nil {
			return nil, err
		}
		p.hash = h
	case !external && !nu.AllowNoPassword:
		return nil, errs.Field(pwLoc, "is required", nil)
	}
	if p.profile.Locale == "" {
		p.profile.Locale = LocaleVI
	}
	if p.profile.Locale != LocaleVI && p.profile.Locale != LocaleEN {
		return nil, errs.Field("body.profile.locale", "must be vi or en", p.profile.Locale)
	}
	p.profile.DisplayName = strings.TrimSpace(p.profile.DisplayName)
	if p.profile.DisplayName == "" {
		p.profile.DisplayName = strings.TrimSpace(p.profile.FirstName + " " + p.profile.LastName)
	}
	if p.profile.DisplayName == "" && len(p.identifiers) > 0 {
		first := p.identifiers[0].Value
		if local, _, ok := strings.Cut(first, "@"); ok {
			first = local
		}
		p.profile.DisplayName = first
	}
	if len([]rune(p.profile.DisplayName)) > 200 {
		return nil, errs.Field("body.displayName", "must have at most 200 characters", nil)
	}
	return p, nil
}

// checkGrant refuses to let anyone but a SUPER_ADMIN (or the system: the CLI, jobs) hand out the
// SUPER_ADMIN or ADMIN role, so an ADMIN cannot raise itself or others above its rank
// (ErrGrantForbidden).
func checkGrant(ctx context.Context, loc string, roles []auth.Role) error {
	p := auth.From(ctx)
	if p == nil || p.HasRole(auth.SuperAdmin) {
		return nil
	}
	for _, r := range roles {
		if r == auth.SuperAdmin || r == auth.Admin {
			return at(told(ErrGrantForbidden, "only a SUPER_ADMIN may grant "+r.String()), loc, r.String())
		}
	}
	return nil
}

// roleCodes reads the codes of roles named by a client (body.roles), naming the one that is not
// a role.
func (m *Module) roleCodes(ctx context.Context, names []string) ([]auth.Role, error) {
	var out []auth.Role
	for i, n := range names {
		code, err := m.roleCode(ctx, strings.ToUpper(strings.TrimSpace(n)))
		if errs.KindOf(err) == errs.NotFound {
			return nil, errs.Field(fmt.Sprintf("body.roles[%d]", i), "is not a role", n)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, code)
	}
	return out, nil
}

// CreateUser is the UserService: it creates the user, identifiers, profile, credential and
// roles in one transaction and returns the user.
func (m *Module) CreateUser(ctx context.Context, nu NewUser) (*UserView, error) {
	if err := checkGrant(ctx, "body.roles", nu.Roles); err != nil {
		return nil, err
	}
	p, err := m.prepare(nu)
	if err != nil {
		return nil, err
	}
	err = m.db.InTx(ctx, func(ctx context.Context) error {
		if p.organizerID != 0 {
			ok, err := m.organizerExists(ctx, p.organizerID)
			if err != nil {
				return err
			}
			if !ok {
				return at(ErrNoOrganizer, "body.organizerId", p.organizerID)
			}
		}
		return m.insertUser(ctx, p, m.now())
	})
	if err != nil {
		return nil, err
	}
	return m.View(ctx, p.id)
}

// IdentifierView is an identifier as the API shows it.
type IdentifierView struct {
	Scheme   Scheme `json:"scheme" openapi:"enum=USERNAME,EMAIL,PHONE_NUMBER,USER_NUMBER,NX_AUTH"`
	Value    string `json:"value"`
	Verified bool   `json:"verified"`
}

// UserView is a user as the API shows it: who it is, how it signs in, what it may do, where.
type UserView struct {
	ID           id.ID            `json:"id"`
	Status       string           `json:"status" openapi:"enum=ACTIVE,BLOCKED"`
	OrganizerID  *id.ID           `json:"organizerId,omitempty"`
	EmployeeID   *id.ID           `json:"employeeId,omitempty"`
	Identifiers  []IdentifierView `json:"identifiers"`
	Profile      Profile          `json:"profile"`
	Roles        []string         `json:"roles"`
	Permissions  []string         `json:"permissions"`
	MerchantIDs  []id.ID          `json:"merchantIds,omitempty"`
	LastSignInAt *time.Time       `json:"lastSignInAt,omitempty"`
	CreatedAt    time.Time        `json:"createdAt"`
}

// account is what authentication needs of a user.
type account struct {
	id          id.ID
	organizerID id.ID
	employeeID  id.ID
	employeeOK  bool // the employee record is active and not deleted
	status      string
	view        UserView
}

// View returns the user with identifiers, profile, roles, permissions and merchants.
func (m *Module) View(ctx context.Context, userID id.ID) (*UserView, error) {
	a, err := m.loadAccount(ctx, userID)
	if err != nil {
		return nil, err
	}
	_, names, perms, err := m.grants(ctx, userID)
	if err != nil {
		return nil, err
	}
	a.view.Roles, a.view.Permissions = names, perms
	if a.employeeID != 0 {
		if a.view.MerchantIDs, err = m.merchantsOf(ctx, a.employeeID); err != nil {
			return nil, err
		}
	}
	return &a.view, nil
}

// principal builds the token subject of a user: roles, permissions, organizer, merchants.
func (m *Module) principal(ctx context.Context, userID id.ID) (*auth.Principal, *UserView, error) {
	a, err := m.loadAccount(ctx, userID)
	if err != nil {
		return nil, nil, err
	}
	roles, names, perms, err := m.grants(ctx, userID)
	if err != nil {
		return nil, nil, err
	}
	a.view.Roles, a.view.Permissions = names, perms
	p := &auth.Principal{UserID: userID, Roles: roles, Permissions: perms, OrganizerID: a.organizerID, Kind: auth.KindUser}
	if a.employeeID != 0 {
		if !a.employeeOK {
			return nil, nil, ErrEmployeeInactive
		}
		if p.MerchantIDs, err = m.merchantsOf(ctx, a.employeeID); err != nil {
			return nil, nil, err
		}
		a.view.MerchantIDs = p.MerchantIDs
	}
	if p.Permissions == nil {
		p.Permissions = []string{}
	}
	return p, &a.view, nil
}
