package identity

import (
	"context"

	"github.com/banapos/bana/internal/platform/auth"
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
	uid, org, found, err := m.accountByEmail(ctx, email)
	switch {
	case err != nil:
		return SeededOrganizer{}, err
	case found && org != 0:
		return SeededOrganizer{OrganizerID: org, OwnerID: uid}, nil
	case found:
		return SeededOrganizer{}, errs.Newf(errs.Conflict, "the account %s exists but belongs to no organizer", email)
	}
	p, err := m.prepare(NewUser{Identifiers: []IdentifierInput{{Scheme: Email, Value: email, loc: "email"}}, Password: in.Password,
		PasswordLoc: "password", Profile: Profile{DisplayName: in.DisplayName}, Roles: []auth.Role{auth.OrganizerOwner}})
	if err != nil {
		return SeededOrganizer{}, err
	}
	p.organizerID = m.ids.Next()
	err = m.db.InTx(ctx, func(ctx context.Context) error {
		now := m.now()
		if err := m.insertOrganizer(ctx, p.organizerID, in.OrganizerName, p.id, now); err != nil {
			return err
		}
		if err := m.insertUser(ctx, p, now); err != nil {
			return err
		}
		// The seed's owner is its own witness: its email needs no verification mail.
		return m.markVerified(ctx, p.id, email, now)
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
	empID, err := m.employeeByCode(ctx, in.OrganizerID, in.Code)
	switch {
	case err != nil:
		return nil, false, err
	case empID != 0:
		v, err := m.EmployeeView(ctx, empID)
		return v, false, err
	}
	v, err := m.CreateEmployee(ctx, in)
	return v, err == nil, err
}
