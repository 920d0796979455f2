package identity

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/db"
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
	Scheme Scheme `json:"scheme,omitempty" doc:"USERNAME, EMAIL, PHONE_NUMBER or NX_AUTH"`
	Value  string `json:"value,omitempty"`
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

// conflict is a 409 that names the field.
func conflict(loc, msg string, value any) error {
	return &errs.E{Kind: errs.Conflict, Message: msg, Fields: []errs.FieldError{{Location: loc, Message: msg, Value: value}}}
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
		p.profile.Locale = "vi"
	}
	if p.profile.Locale != "vi" && p.profile.Locale != "en" {
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

// insert writes a prepared user in the transaction of ctx. An identifier someone else holds is a
// 409 naming it; two concurrent sign-ups with one email cannot both pass, because the unique
// index decides and ON CONFLICT DO NOTHING reports the loser without aborting the transaction.
func (m *Module) insert(ctx context.Context, p *preparedUser) error {
	now := m.now()
	var org any
	if p.organizerID != 0 {
		org = int64(p.organizerID)
	}
	if _, err := m.exec(ctx, "INSERT INTO users (id, organizer_id, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
		int64(p.id), org, p.status, now, now); err != nil {
		return err
	}
	for _, in := range p.identifiers {
		n, err := m.exec(ctx, "INSERT INTO user_identifiers (id, user_id, scheme, value, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
			int64(m.ids.Next()), int64(p.id), string(in.Scheme), in.Value, now, now)
		if err != nil {
			return err
		}
		if n == 0 {
			return conflict(in.loc, "is already in use by another account", in.Value)
		}
	}
	for try := 0; ; try++ {
		n, err := m.exec(ctx, "INSERT INTO user_identifiers (id, user_id, scheme, value, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
			int64(m.ids.Next()), int64(p.id), string(UserNumber), newUserNumber(), now, now)
		if err != nil {
			return err
		}
		if n == 1 {
			break
		}
		if try == 20 {
			return errs.New(errs.Internal, "could not draw a free user number")
		}
	}
	if _, err := m.exec(ctx, "INSERT INTO user_profiles (id, user_id, display_name, first_name, last_name, locale, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		int64(m.ids.Next()), int64(p.id), p.profile.DisplayName, p.profile.FirstName, p.profile.LastName, p.profile.Locale, now, now); err != nil {
		return err
	}
	if p.hash != "" {
		if _, err := m.exec(ctx, "INSERT INTO user_credentials (user_id, password_hash, changed_at) VALUES (?, ?, ?)", int64(p.id), p.hash, now); err != nil {
			return err
		}
	}
	for i, r := range p.roles {
		n, err := m.exec(ctx, "INSERT INTO user_roles (id, user_id, role_id, created_at, updated_at) SELECT ?, ?, id, ?, ? FROM roles WHERE code = ?",
			int64(m.ids.Next()), int64(p.id), now, now, int(r))
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.Field(fmt.Sprintf("body.roles[%d]", i), "is not a role", int(r))
		}
	}
	return nil
}

// checkGrant refuses to let anyone but a SUPER_ADMIN (or the system: the CLI, jobs) hand out the
// SUPER_ADMIN or ADMIN role, so an ADMIN cannot raise itself or others above its rank.
func checkGrant(ctx context.Context, loc string, roles []auth.Role) error {
	p := auth.From(ctx)
	if p == nil || p.HasRole(auth.SuperAdmin) {
		return nil
	}
	for _, r := range roles {
		if r == auth.SuperAdmin || r == auth.Admin {
			return &errs.E{Kind: errs.Forbidden, Message: "only a SUPER_ADMIN may grant " + r.String(),
				Fields: []errs.FieldError{{Location: loc, Message: "only a SUPER_ADMIN may grant " + r.String(), Value: r.String()}}}
		}
	}
	return nil
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
			var n int
			if err := m.queryRow(ctx, true, "SELECT count(*) FROM organizers WHERE id = ? AND deleted_at IS NULL", int64(p.organizerID)).Scan(&n); err != nil {
				return db.Classify(err)
			}
			if n == 0 {
				return errs.Field("body.organizerId", "is not an organizer", p.organizerID)
			}
		}
		return m.insert(ctx, p)
	})
	if err != nil {
		return nil, err
	}
	return m.View(ctx, p.id)
}

// IdentifierView is an identifier as the API shows it.
type IdentifierView struct {
	Scheme   Scheme `json:"scheme"`
	Value    string `json:"value"`
	Verified bool   `json:"verified"`
}

// UserView is a user as the API shows it: who it is, how it signs in, what it may do, where.
type UserView struct {
	ID           id.ID            `json:"id"`
	Status       string           `json:"status"`
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

// loadAccount reads the user row with its profile and employee record (one query).
func (m *Module) loadAccount(ctx context.Context, userID id.ID) (*account, error) {
	var a account
	var org, emp sql.NullInt64
	var last sql.NullTime
	var display, first, last2, locale sql.NullString
	var empOK sql.NullBool
	err := m.queryRow(ctx, false, `SELECT u.id, u.status, u.organizer_id, u.last_sign_in_at, u.created_at,
			p.display_name, p.first_name, p.last_name, p.locale, e.id, e.status = 'ACTIVE' AND e.deleted_at IS NULL
		FROM users u
		LEFT JOIN user_profiles p ON p.user_id = u.id
		LEFT JOIN employees e ON e.user_id = u.id
		WHERE u.id = ? AND u.deleted_at IS NULL`, int64(userID)).Scan(
		&a.id, &a.status, &org, &last, &a.view.CreatedAt, &display, &first, &last2, &locale, &emp, &empOK)
	if err != nil {
		return nil, db.Classify(err)
	}
	a.organizerID, a.employeeID, a.employeeOK = id.ID(org.Int64), id.ID(emp.Int64), empOK.Bool
	v := &a.view
	v.ID, v.Status = a.id, a.status
	if org.Valid {
		o := a.organizerID
		v.OrganizerID = &o
	}
	if emp.Valid {
		e := a.employeeID
		v.EmployeeID = &e
	}
	if last.Valid {
		t := last.Time.UTC()
		v.LastSignInAt = &t
	}
	v.CreatedAt = v.CreatedAt.UTC()
	v.Profile = Profile{DisplayName: display.String, FirstName: first.String, LastName: last2.String, Locale: locale.String}
	rows, err := m.db.Raw(ctx, false).QueryContext(ctx, m.db.Rebind(
		"SELECT scheme, value, verified_at IS NOT NULL FROM user_identifiers WHERE user_id = ? ORDER BY scheme, value"), int64(userID))
	if err != nil {
		return nil, db.Classify(err)
	}
	defer rows.Close()
	v.Identifiers = []IdentifierView{}
	for rows.Next() {
		var iv IdentifierView
		if err := rows.Scan(&iv.Scheme, &iv.Value, &iv.Verified); err != nil {
			return nil, db.Classify(err)
		}
		v.Identifiers = append(v.Identifiers, iv)
	}
	return &a, db.Classify(rows.Err())
}

// grants reads the user's roles (highest first) and effective permissions.
func (m *Module) grants(ctx context.Context, userID id.ID) (roles []auth.Role, names, perms []string, err error) {
	rows, err := m.db.Raw(ctx, false).QueryContext(ctx, m.db.Rebind(`SELECT r.code, r.name, p.code
		FROM user_roles ur
		JOIN roles r ON r.id = ur.role_id
		LEFT JOIN role_permissions rp ON rp.role_id = r.id
		LEFT JOIN permissions p ON p.id = rp.permission_id
		WHERE ur.user_id = ?
		ORDER BY r.code DESC`), int64(userID))
	if err != nil {
		return nil, nil, nil, db.Classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		var code int
		var name string
		var perm sql.NullString
		if err := rows.Scan(&code, &name, &perm); err != nil {
			return nil, nil, nil, db.Classify(err)
		}
		if !slices.Contains(roles, auth.Role(code)) {
			roles = append(roles, auth.Role(code))
			names = append(names, name)
		}
		if perm.Valid && !slices.Contains(perms, perm.String) {
			perms = append(perms, perm.String)
		}
	}
	slices.Sort(perms)
	if names == nil {
		names = []string{}
	}
	if perms == nil {
		perms = []string{}
	}
	return roles, names, perms, db.Classify(rows.Err())
}

// merchantsOf lists the merchants an employee works at.
func (m *Module) merchantsOf(ctx context.Context, employeeID id.ID) ([]id.ID, error) {
	rows, err := m.db.Raw(ctx, false).QueryContext(ctx, m.db.Rebind(
		"SELECT merchant_id FROM employee_merchants WHERE employee_id = ? ORDER BY merchant_id"), int64(employeeID))
	if err != nil {
		return nil, db.Classify(err)
	}
	defer rows.Close()
	var out []id.ID
	for rows.Next() {
		var mid int64
		if err := rows.Scan(&mid); err != nil {
			return nil, db.Classify(err)
		}
		out = append(out, id.ID(mid))
	}
	return out, db.Classify(rows.Err())
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

// errInactiveEmployee refuses an employee whose employment is over or suspended: without this,
// an employee at no merchant would still see its organizer's organizer-wide rows.
var errInactiveEmployee = errs.New(errs.Forbidden, "this employee is inactive")

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
	p := &auth.Principal{UserID: userID, Roles: roles, Permissions: perms, OrganizerID: a.organizerID, Kind: "user"}
	if a.employeeID != 0 {
		if !a.employeeOK {
			return nil, nil, errInactiveEmployee
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

func (m *Module) exec(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := m.db.Raw(ctx, true).ExecContext(ctx, m.db.Rebind(q), args...)
	if err != nil {
		return 0, db.Classify(err)
	}
	return res.RowsAffected()
}

func (m *Module) queryRow(ctx context.Context, write bool, q string, args ...any) *sql.Row {
	return m.db.Raw(ctx, write).QueryRowContext(ctx, m.db.Rebind(q), args...)
}
