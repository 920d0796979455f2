package identity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
)

// insertUser writes a prepared user in the transaction of ctx: the user, its identifiers (and a
// generated USER_NUMBER), profile, credential and roles. An identifier someone else holds is
// ErrIdentifierTaken naming it; two concurrent sign-ups with one email cannot both pass, because
// the unique index decides and ON CONFLICT DO NOTHING reports the loser without aborting the
// transaction.
func (m *Module) insertUser(ctx context.Context, p *preparedUser, now time.Time) error {
	var org any
	if p.organizerID != 0 {
		org = int64(p.organizerID)
	}
	if _, err := m.exec(ctx, "INSERT INTO users (id, organizer_id, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
		int64(p.id), org, p.status, now, now); err != nil {
		return err
	}
	const insertIdentifier = "INSERT INTO user_identifiers (id, user_id, scheme, value, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
	for _, in := range p.identifiers {
		n, err := m.exec(ctx, insertIdentifier, int64(m.ids.Next()), int64(p.id), string(in.Scheme), in.Value, now, now)
		if err != nil {
			return err
		}
		if n == 0 {
			return at(ErrIdentifierTaken, in.loc, in.Value)
		}
	}
	for try := 0; ; try++ {
		n, err := m.exec(ctx, insertIdentifier, int64(m.ids.Next()), int64(p.id), string(UserNumber), newUserNumber(), now, now)
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
		int64(m.ids.Next()), int64(p.id), p.profile.DisplayName, db.OptText(p.profile.FirstName), db.OptText(p.profile.LastName), p.profile.Locale, now, now); err != nil {
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

// organizerExists reports whether the organizer is there and not deleted, read in the write
// transaction of ctx (the user about to refer to it is written there).
func (m *Module) organizerExists(ctx context.Context, org id.ID) (bool, error) {
	var n int
	if err := m.queryRow(ctx, true, "SELECT count(*) FROM organizers WHERE id = ? AND deleted_at IS NULL", int64(org)).Scan(&n); err != nil {
		return false, db.Classify(err)
	}
	return n > 0, nil
}

// insertOrganizer writes a seller's organizer, ACTIVE, owned by owner.
func (m *Module) insertOrganizer(ctx context.Context, org id.ID, name string, owner id.ID, now time.Time) error {
	_, err := m.exec(ctx, "INSERT INTO organizers (id, name, owner_id, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
		int64(org), name, int64(owner), StatusActive, now, now)
	return err
}

// roleCode reads the code of the role named name (UPPER_SNAKE), or errs.ErrNotFound.
func (m *Module) roleCode(ctx context.Context, name string) (auth.Role, error) {
	var code int
	if err := m.queryRow(ctx, false, "SELECT code FROM roles WHERE name = ?", name).Scan(&code); err != nil {
		return 0, db.Classify(err)
	}
	return auth.Role(code), nil
}

// loadAccount reads the user row with its profile and employee record (one query), then its
// identifiers.
func (m *Module) loadAccount(ctx context.Context, userID id.ID) (*account, error) {
	var a account
	var org, emp sql.NullInt64
	var last sql.NullTime
	var display, first, last2, locale sql.NullString
	var empOK sql.NullBool
	err := m.queryRow(ctx, false, `SELECT u.id, u.status, u.organizer_id, u.last_sign_in_at, u.created_at,
			p.display_name, p.first_name, p.last_name, p.locale, e.id, e.status = ? AND e.deleted_at IS NULL
		FROM users u
		LEFT JOIN user_profiles p ON p.user_id = u.id
		LEFT JOIN employees e ON e.user_id = u.id
		WHERE u.id = ? AND u.deleted_at IS NULL`, StatusActive, int64(userID)).Scan(
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

// signInAccount finds the live account holding an identifier, with its status and password hash
// ("" without a password). A missing account is id 0, not an error: the caller compares against
// the dummy hash all the same.
func (m *Module) signInAccount(ctx context.Context, ident Identifier) (userID id.ID, status, hash string, err error) {
	var uid int64
	err = m.queryRow(ctx, false, `SELECT u.id, u.status, COALESCE(c.password_hash, '')
		FROM user_identifiers i
		JOIN users u ON u.id = i.user_id AND u.deleted_at IS NULL
		LEFT JOIN user_credentials c ON c.user_id = u.id
		WHERE i.scheme = ? AND i.value = ?`, string(ident.Scheme), ident.Value).Scan(&uid, &status, &hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, "", "", db.Classify(err)
	}
	return id.ID(uid), status, hash, nil
}

// activeHash returns the password hash of a live ACTIVE account ("" without a password), or an
// error when the account is not one.
func (m *Module) activeHash(ctx context.Context, userID id.ID) (string, error) {
	var hash string
	err := m.queryRow(ctx, false, `SELECT COALESCE(c.password_hash, '') FROM users u LEFT JOIN user_credentials c ON c.user_id = u.id
		WHERE u.id = ? AND u.deleted_at IS NULL AND u.status = ?`, int64(userID), StatusActive).Scan(&hash)
	return hash, db.Classify(err)
}

// passwordHash returns the user's password hash, "" when it has none.
func (m *Module) passwordHash(ctx context.Context, userID id.ID) (string, error) {
	var hash string
	err := m.queryRow(ctx, false, "SELECT password_hash FROM user_credentials WHERE user_id = ?", int64(userID)).Scan(&hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", db.Classify(err)
	}
	return hash, nil
}

// setPassword stores the user's new password hash (creating the credential if it had none).
func (m *Module) setPassword(ctx context.Context, userID id.ID, hash string, now time.Time) error {
	_, err := m.exec(ctx, `INSERT INTO user_credentials (user_id, password_hash, changed_at) VALUES (?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET password_hash = excluded.password_hash, changed_at = excluded.changed_at`,
		int64(userID), hash, now)
	return err
}

// rehash replaces a stale hash by one of the current cost, unless the password changed meanwhile.
func (m *Module) rehash(ctx context.Context, userID id.ID, old, hash string) error {
	_, err := m.exec(ctx, "UPDATE user_credentials SET password_hash = ? WHERE user_id = ? AND password_hash = ?", hash, int64(userID), old)
	return err
}

// touchSignIn records a sign-in.
func (m *Module) touchSignIn(ctx context.Context, userID id.ID, now time.Time) error {
	_, err := m.exec(ctx, "UPDATE users SET last_sign_in_at = ? WHERE id = ?", now, int64(userID))
	return err
}

// accountByEmail finds the live account holding an email, and its organizer (0: none); found is
// false when there is none.
func (m *Module) accountByEmail(ctx context.Context, email string) (userID, organizerID id.ID, found bool, err error) {
	var uid int64
	var org sql.NullInt64
	err = m.queryRow(ctx, false, `SELECT u.id, u.organizer_id FROM user_identifiers i
		JOIN users u ON u.id = i.user_id AND u.deleted_at IS NULL WHERE i.scheme = ? AND i.value = ?`, string(Email), email).Scan(&uid, &org)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, 0, false, nil
	case err != nil:
		return 0, 0, false, db.Classify(err)
	}
	return id.ID(uid), id.ID(org.Int64), true, nil
}

// emailOf returns the user's email address (the first one) and whether it is verified, or
// ErrNoEmail.
func (m *Module) emailOf(ctx context.Context, userID id.ID) (string, bool, error) {
	var email string
	var verified bool
	err := m.queryRow(ctx, false, "SELECT value, verified_at IS NOT NULL FROM user_identifiers WHERE user_id = ? AND scheme = ? ORDER BY created_at, value LIMIT 1",
		int64(userID), string(Email)).Scan(&email, &verified)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, ErrNoEmail
	}
	return email, verified, db.Classify(err)
}

// displayName returns the name the user is shown by, "" when it has none.
func (m *Module) displayName(ctx context.Context, userID id.ID) string {
	name := ""
	_ = m.queryRow(ctx, false, "SELECT display_name FROM user_profiles WHERE user_id = ?", int64(userID)).Scan(&name)
	return name
}

// setEmailVerified marks the user's email address verified.
func (m *Module) setEmailVerified(ctx context.Context, userID id.ID, email string, now time.Time) error {
	_, err := m.exec(ctx, "UPDATE user_identifiers SET verified_at = ?, updated_at = ? WHERE user_id = ? AND scheme = ? AND value = ?",
		now, now, int64(userID), string(Email), email)
	return err
}
