package identity

import (
	"context"
	"database/sql"
	"errors"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
)

// OrganizerSeed is an organizer with its owner account, for `bana seed`.
type OrganizerSeed struct {
	OrganizerName string
	DisplayName   string
	Email         string
	Password      string
}

// SeededOrganizer says what SeedOrganizer found or made.
type SeededOrganizer struct {
	OrganizerID id.ID
	OwnerID     id.ID
	Created     bool // false: the owner's email was already there and nothing changed
}

// SeedOrganizer makes an organizer and its ORGANIZER_OWNER account, as sign-up does but without
// SellerRegistered (the seed sets up the merchant itself). It is idempotent by the owner's email:
// when an account has it, its organizer is returned and nothing changes (not the password either).
func (m *Module) SeedOrganizer(ctx context.Context, in OrganizerSeed) (SeededOrganizer, error) {
	ctx = auth.System(ctx)
	email, err := Normalize(Email, in.Email)
	if err != nil {
		return SeededOrganizer{}, errs.Field("email", err.Error(), in.Email)
	}
	var uid int64
	var org sql.NullInt64
	err = m.queryRow(ctx, false, `SELECT u.id, u.organizer_id FROM user_identifiers i
		JOIN users u ON u.id = i.user_id AND u.deleted_at IS NULL WHERE i.scheme = ? AND i.value = ?`, string(Email), email).Scan(&uid, &org)
	switch {
	case err == nil && org.Valid:
		return SeededOrganizer{OrganizerID: id.ID(org.Int64), OwnerID: id.ID(uid)}, nil
	case err == nil:
		return SeededOrganizer{}, errs.Newf(errs.Conflict, "the account %s exists but belongs to no organizer", email)
	case !errors.Is(err, sql.ErrNoRows):
		return SeededOrganizer{}, db.Classify(err)
	}
	p, err := m.prepare(NewUser{Identifiers: []IdentifierInput{{Scheme: Email, Value: email, loc: "email"}}, Password: in.Password,
		PasswordLoc: "password", Profile: Profile{DisplayName: in.DisplayName}, Roles: []auth.Role{auth.OrganizerOwner}})
	if err != nil {
		return SeededOrganizer{}, err
	}
	p.organizerID = m.ids.Next()
	err = m.db.InTx(ctx, func(ctx context.Context) error {
		now := m.now()
		if _, err := m.exec(ctx, "INSERT INTO organizers (id, name, owner_id, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
			int64(p.organizerID), in.OrganizerName, int64(p.id), StatusActive, now, now); err != nil {
			return err
		}
		if err := m.insert(ctx, p); err != nil {
			return err
		}
		// The seed's owner is its own witness: its email needs no verification mail.
		return m.markVerified(ctx, p.id, email)
	})
	if err != nil {
		return SeededOrganizer{}, err
	}
	return SeededOrganizer{OrganizerID: p.organizerID, OwnerID: p.id, Created: true}, nil
}

// SeedEmployee creates an employee of the organizer unless one with the same code exists, in
// which case that one is returned unchanged (Created false).
func (m *Module) SeedEmployee(ctx context.Context, in NewEmployee) (*EmployeeView, bool, error) {
	ctx = auth.System(ctx)
	if in.Code == "" {
		return nil, false, errs.Field("code", "is required to seed an employee", nil)
	}
	var empID int64
	err := m.queryRow(ctx, false, "SELECT id FROM employees WHERE organizer_id = ? AND code = ? AND deleted_at IS NULL",
		int64(in.OrganizerID), in.Code).Scan(&empID)
	switch {
	case err == nil:
		v, err := m.EmployeeView(ctx, id.ID(empID))
		return v, false, err
	case !errors.Is(err, sql.ErrNoRows):
		return nil, false, db.Classify(err)
	}
	v, err := m.CreateEmployee(ctx, in)
	return v, err == nil, err
}
