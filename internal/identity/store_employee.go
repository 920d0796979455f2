package identity

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/id"
)

// insertEmployee writes an ACTIVE employee of the organizer for the user.
func (m *Module) insertEmployee(ctx context.Context, empID, org, userID id.ID, code, title string, now time.Time) error {
	_, err := m.exec(ctx, "INSERT INTO employees (id, organizer_id, user_id, code, title, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		int64(empID), int64(org), int64(userID), db.OptText(code), db.OptText(title), StatusActive, now, now)
	return err
}

// replaceMerchants makes the employee's merchants exactly list, keeping the PINs of those it
// keeps; pinHash, when given, is set at every new merchant.
func (m *Module) replaceMerchants(ctx context.Context, empID, org id.ID, list []id.ID, pinHash string, now time.Time) error {
	ph := make([]string, len(list))
	args := []any{int64(empID)}
	for i, mid := range list {
		ph[i] = "?"
		args = append(args, int64(mid))
	}
	if _, err := m.exec(ctx, "DELETE FROM employee_merchants WHERE employee_id = ? AND merchant_id NOT IN ("+strings.Join(ph, ", ")+")", args...); err != nil {
		return err
	}
	var pin, setAt any
	if pinHash != "" {
		pin, setAt = pinHash, now
	}
	for _, mid := range list {
		if _, err := m.exec(ctx, `INSERT INTO employee_merchants (id, employee_id, organizer_id, merchant_id, pin_hash, pin_set_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			int64(m.ids.Next()), int64(empID), int64(org), int64(mid), pin, setAt, now, now); err != nil {
			return err
		}
	}
	return nil
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

// setPINHash sets the employee's PIN at one merchant; changed is false when the employee does not
// work there.
func (m *Module) setPINHash(ctx context.Context, empID, merchantID id.ID, hash string, now time.Time) (changed bool, err error) {
	n, err := m.exec(ctx, "UPDATE employee_merchants SET pin_hash = ?, pin_set_at = ?, updated_at = ? WHERE employee_id = ? AND merchant_id = ?",
		hash, now, now, int64(empID), int64(merchantID))
	return n > 0, err
}

// pinHashOf returns the employee's PIN hash at the merchant: works is false when the employee does
// not work there, hash nil when it has no PIN there yet.
func (m *Module) pinHashOf(ctx context.Context, empID, merchantID id.ID) (hash *string, works bool, err error) {
	err = m.queryRow(ctx, false, "SELECT pin_hash FROM employee_merchants WHERE employee_id = ? AND merchant_id = ?",
		int64(empID), int64(merchantID)).Scan(&hash)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, false, nil
	case err != nil:
		return nil, false, db.Classify(err)
	}
	return hash, true, nil
}

// employeeByIdentifier returns the live employee whose account holds the identifier, 0 when none.
func (m *Module) employeeByIdentifier(ctx context.Context, ident Identifier) (id.ID, error) {
	var eid int64
	err := m.queryRow(ctx, false, `SELECT e.id FROM user_identifiers i JOIN employees e ON e.user_id = i.user_id AND e.deleted_at IS NULL
		WHERE i.scheme = ? AND i.value = ?`, string(ident.Scheme), ident.Value).Scan(&eid)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, db.Classify(err)
	}
	return id.ID(eid), nil
}

// employeeByCode returns the live employee of the organizer with the staff code, 0 when none.
func (m *Module) employeeByCode(ctx context.Context, org id.ID, code string) (id.ID, error) {
	var eid int64
	err := m.queryRow(ctx, false, "SELECT id FROM employees WHERE organizer_id = ? AND code = ? AND deleted_at IS NULL",
		int64(org), code).Scan(&eid)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, db.Classify(err)
	}
	return id.ID(eid), nil
}
