package identity

import (
	"context"
	"database/sql"
	"time"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/db"
)

// The store files (store*.go) are the only ones that spell SQL: this one has the helpers, the
// seed of the fixed roles and the purge; store_user.go the accounts, store_token.go the access
// tokens, store_employee.go employees and PINs, store_verification.go email verification, and
// store_throttle.go the database's sign-in counters. Every statement joins the transaction of its
// context, if any (db.InTx).

// exec runs a statement on the write connection and counts the rows it touched.
func (m *Module) exec(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := m.db.Raw(ctx, true).ExecContext(ctx, m.db.Rebind(q), args...)
	if err != nil {
		return 0, db.Classify(err)
	}
	return res.RowsAffected()
}

// queryRow runs a query of one row; write reads on the write connection (inside a write, or to
// read what was just written).
func (m *Module) queryRow(ctx context.Context, write bool, q string, args ...any) *sql.Row {
	return m.db.Raw(ctx, write).QueryRowContext(ctx, m.db.Rebind(q), args...)
}

// seedRoles writes the fixed roles (id = code) and DefaultPermissions: migration step 2.
func (m *Module) seedRoles(ctx context.Context, d *db.DB) error {
	now := m.now()
	q := d.Raw(ctx, true)
	for _, r := range auth.Roles {
		if _, err := q.ExecContext(ctx, d.Rebind("INSERT INTO roles (id, code, name, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)"),
			int64(r), int(r), r.String(), db.OptText(roleDescriptions[r]), now, now); err != nil {
			return err
		}
	}
	permIDs := map[string]int64{}
	for _, p := range defaultPermissionCodes() {
		pid := int64(m.ids.Next())
		permIDs[p] = pid
		if _, err := q.ExecContext(ctx, d.Rebind("INSERT INTO permissions (id, code, created_at, updated_at) VALUES (?, ?, ?, ?)"),
			pid, p, now, now); err != nil {
			return err
		}
	}
	for _, r := range auth.Roles {
		for _, p := range DefaultPermissions[r] {
			if _, err := q.ExecContext(ctx, d.Rebind("INSERT INTO role_permissions (id, role_id, permission_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?)"),
				int64(m.ids.Next()), int64(r), permIDs[p], now, now); err != nil {
				return err
			}
		}
	}
	return nil
}

// unseedRoles undoes seedRoles, with the grants that refer to the roles.
func (m *Module) unseedRoles(ctx context.Context, d *db.DB) error {
	for _, t := range []string{"user_roles", "role_permissions", "permissions", "roles"} {
		if _, err := d.Raw(ctx, true).ExecContext(ctx, "DELETE FROM "+t); err != nil {
			return err
		}
	}
	return nil
}

// grantEmployeePricingRead gives EMPLOYEE pricing.read in a database seeded before it was one of
// the role's defaults (migration step 3): a till prices a cart with POST /pricing/quote as it is
// rung up. The permission is made if no one made it; a grant already there (a database seeded
// with it, or an admin's) is left alone, so the step can run on any database.
func (m *Module) grantEmployeePricingRead(ctx context.Context, d *db.DB) error {
	now := m.now()
	q := d.Raw(ctx, true)
	if _, err := q.ExecContext(ctx, d.Rebind(`INSERT INTO permissions (id, code, created_at, updated_at)
		SELECT ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM permissions WHERE code = ?)`),
		int64(m.ids.Next()), permPricingRead, now, now, permPricingRead); err != nil {
		return err
	}
	_, err := q.ExecContext(ctx, d.Rebind(`INSERT INTO role_permissions (id, role_id, permission_id, created_at, updated_at)
		SELECT ?, ?, p.id, ?, ? FROM permissions p WHERE p.code = ?
		AND NOT EXISTS (SELECT 1 FROM role_permissions rp WHERE rp.role_id = ? AND rp.permission_id = p.id)`),
		int64(m.ids.Next()), int64(auth.Employee), now, now, permPricingRead, int64(auth.Employee))
	return err
}

// revokeEmployeePricingRead undoes grantEmployeePricingRead: EMPLOYEE as it was before, without
// pricing.read (the permission itself stays; other roles may hold it).
func (m *Module) revokeEmployeePricingRead(ctx context.Context, d *db.DB) error {
	_, err := d.Raw(ctx, true).ExecContext(ctx, d.Rebind(`DELETE FROM role_permissions
		WHERE role_id = ? AND permission_id IN (SELECT id FROM permissions WHERE code = ?)`), int64(auth.Employee), permPricingRead)
	return err
}

// permPricingRead is the permission POST /pricing/quote requires.
const permPricingRead = "pricing.read"

// purgeExpired deletes token records expired at now, throttle windows ended by now, and
// verification rows whose last mail is older than verifiedBefore and whose lockout is over.
func (m *Module) purgeExpired(ctx context.Context, now, verifiedBefore time.Time) (Purged, error) {
	var p Purged
	var err error
	if p.Tokens, err = m.exec(ctx, "DELETE FROM access_tokens WHERE expires_at < ?", now); err != nil {
		return p, err
	}
	if p.Throttles, err = m.exec(ctx, "DELETE FROM sign_in_throttles WHERE window_ends_at < ?", now.UnixMilli()); err != nil {
		return p, err
	}
	p.Verifications, err = m.exec(ctx, `DELETE FROM mail_verifications WHERE verified_at IS NULL AND last_sent_at < ?
		AND (locked_until IS NULL OR locked_until < ?)`, verifiedBefore, now)
	return p, err
}

// HasSuperAdmin reports whether an active SUPER_ADMIN exists.
func (m *Module) HasSuperAdmin(ctx context.Context) (bool, error) {
	var n int
	err := m.queryRow(ctx, false, `SELECT count(*) FROM user_roles ur JOIN users u ON u.id = ur.user_id
		WHERE ur.role_id = ? AND u.deleted_at IS NULL AND u.status = ?`, int64(auth.SuperAdmin), StatusActive).Scan(&n)
	return n > 0, db.Classify(err)
}
