package identity

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/query"
)

// NewEmployee is an employee to create with its account.
type NewEmployee struct {
	OrganizerID id.ID   `json:"organizerId,omitempty" doc:"Admins only; an organizer owner creates employees of its own organizer"`
	Username    string  `json:"username,omitempty"`
	Email       string  `json:"email,omitempty"`
	PhoneNumber string  `json:"phoneNumber,omitempty"`
	Password    string  `json:"password,omitempty" doc:"Optional: an employee may work with a PIN only"`
	DisplayName string  `json:"displayName,omitempty"`
	Code        string  `json:"code,omitempty"`
	Title       string  `json:"title,omitempty"`
	MerchantIDs []id.ID `json:"merchantIds,omitempty" openapi:"required" doc:"The merchants the employee works at (at least one)"`
	PIN         string  `json:"pin,omitempty" doc:"Optional 4-6 digit PIN, set at every merchant of the employee"`
}

// EmployeeView is an employee with its account.
type EmployeeView struct {
	Employee
	MerchantIDs []id.ID   `json:"merchantIds"`
	User        *UserView `json:"user"`
}

// organizerFor decides which organizer the caller acts for: its own, or (admins, the system)
// the one named. Without a caller it fails (auth.ErrNoPrincipal).
func organizerFor(ctx context.Context, named id.ID) (id.ID, error) {
	sc, err := auth.Tenancy(ctx)
	if err != nil {
		return 0, err
	}
	if !sc.All {
		return sc.OrganizerID, nil
	}
	if named == 0 {
		return 0, errs.Field("body.organizerId", "is required", nil)
	}
	return named, nil
}

// checkMerchants validates a merchant list: not empty, no repeats, within the caller's scope
// and (when commerce is wired) the organizer's own merchants.
func (m *Module) checkMerchants(ctx context.Context, org id.ID, list []id.ID) error {
	if len(list) == 0 {
		return errs.Field("body.merchantIds", "needs at least one merchant", nil)
	}
	for i, mid := range list {
		loc := fmt.Sprintf("body.merchantIds[%d]", i)
		if mid <= 0 || slices.Contains(list[:i], mid) {
			return errs.Field(loc, "is not a merchant id, or is repeated", mid)
		}
		// The organizer's own merchant (whoever asks, admins too), then one the caller may act for.
		if m.merchants != nil {
			owner, err := m.merchants.MerchantOrganizer(ctx, mid)
			if err != nil && errs.KindOf(err) != errs.NotFound {
				return err
			}
			if err != nil || owner != org {
				return at(ErrNotOrganizerMerchant, loc, mid)
			}
		}
		switch err := auth.ActFor(ctx, org, mid); {
		case errors.Is(err, auth.ErrNoPrincipal):
			return err
		case err != nil:
			return at(ErrNotYourMerchant, loc, mid)
		}
	}
	return nil
}

// CreateEmployee is the EmployeeService: one transaction creates the account (EMPLOYEE role, a
// generated user number, the identifiers and password given), the employee of the organizer and
// its merchants, with the PIN at each when one is given.
func (m *Module) CreateEmployee(ctx context.Context, in NewEmployee) (*EmployeeView, error) {
	org, err := organizerFor(ctx, in.OrganizerID)
	if err != nil {
		return nil, err
	}
	if err := m.checkMerchants(ctx, org, in.MerchantIDs); err != nil {
		return nil, err
	}
	var idents []IdentifierInput
	for _, f := range []struct {
		s   Scheme
		v   string
		loc string
	}{{Username, in.Username, "body.username"}, {Email, in.Email, "body.email"}, {Phone, in.PhoneNumber, "body.phoneNumber"}} {
		if strings.TrimSpace(f.v) != "" {
			idents = append(idents, IdentifierInput{Scheme: f.s, Value: f.v, loc: f.loc})
		}
	}
	if in.Password != "" && len(idents) == 0 {
		return nil, errs.Field("body", "a password needs a username, email or phone number to sign in with", nil)
	}
	p, err := m.prepare(NewUser{Identifiers: idents, Password: in.Password, AllowNoPassword: true,
		Profile: Profile{DisplayName: in.DisplayName}, Roles: []auth.Role{auth.Employee}, OrganizerID: org})
	if err != nil {
		return nil, err
	}
	if p.profile.DisplayName == "" {
		return nil, errs.Field("body.displayName", "is required when no username, email or phone number is given", nil)
	}
	var pinHash string
	if in.PIN != "" {
		if err := CheckPIN("body.pin", in.PIN); err != nil {
			return nil, err
		}
		if pinHash, err = m.hash.hash(in.PIN); err != nil {
			return nil, err
		}
	}
	empID := m.ids.Next()
	err = m.db.InTx(ctx, func(ctx context.Context) error {
		ok, err := m.organizerExists(ctx, org)
		if err != nil {
			return err
		}
		if !ok {
			return at(ErrNoOrganizer, "body.organizerId", org)
		}
		now := m.now()
		if err := m.insertUser(ctx, p, now); err != nil {
			return err
		}
		if err := m.insertEmployee(ctx, empID, org, p.id, in.Code, in.Title, now); err != nil {
			return err
		}
		return m.replaceMerchants(ctx, empID, org, in.MerchantIDs, pinHash, now)
	})
	if err != nil {
		return nil, err
	}
	return m.EmployeeView(ctx, empID)
}

// SetMerchants replaces the merchants of an employee in the caller's scope.
func (m *Module) SetMerchants(ctx context.Context, empID id.ID, list []id.ID) (*EmployeeView, error) {
	err := m.db.InTx(ctx, func(ctx context.Context) error {
		e, err := m.employees.Get(ctx, empID, query.ExcludeDeleted)
		if err != nil {
			return err
		}
		if err := m.checkMerchants(ctx, e.OrganizerID, list); err != nil {
			return err
		}
		return m.replaceMerchants(ctx, empID, e.OrganizerID, list, "", m.now())
	})
	if err != nil {
		return nil, err
	}
	return m.EmployeeView(ctx, empID)
}

// EmployeeView returns an employee in the caller's scope with its merchants and account.
func (m *Module) EmployeeView(ctx context.Context, empID id.ID) (*EmployeeView, error) {
	e, err := m.employees.Get(ctx, empID, query.ExcludeDeleted)
	if err != nil {
		return nil, err
	}
	v := &EmployeeView{Employee: *e}
	if v.MerchantIDs, err = m.merchantsOf(ctx, empID); err != nil {
		return nil, err
	}
	if v.MerchantIDs == nil {
		v.MerchantIDs = []id.ID{}
	}
	if v.User, err = m.View(ctx, e.UserID); err != nil {
		return nil, err
	}
	return v, nil
}

// SetPIN sets an employee's PIN at one merchant. The employee may set its own; otherwise the
// caller needs employee.write and the employee in its scope.
func (m *Module) SetPIN(ctx context.Context, empID, merchantID id.ID, pin string) error {
	p := auth.From(ctx)
	if p == nil {
		return auth.ErrUnauthenticated
	}
	if err := CheckPIN("body.pin", pin); err != nil {
		return err
	}
	var e *Employee
	var err error
	self := false
	if e, err = m.employees.Get(auth.System(ctx), empID, query.ExcludeDeleted); err == nil {
		self = e.UserID == p.UserID && p.Kind == auth.KindUser
	}
	if !self {
		if !p.Can(PermEmployeeWrite) {
			return ErrSetPINForbidden
		}
		if e, err = m.employees.Get(ctx, empID, query.ExcludeDeleted); err != nil {
			return err
		}
	}
	h, err := m.hash.hash(pin)
	if err != nil {
		return err
	}
	changed, err := m.setPINHash(ctx, e.ID, merchantID, h, m.now())
	if err != nil {
		return err
	}
	if !changed {
		return at(ErrNotEmployeeMerchant, "body.merchantId", merchantID)
	}
	return m.limiter.Clear(ctx, throttleKey(bucketPIN, e.ID.String(), merchantID.String()))
}

// PINSignIn is an employee signing in at a shared terminal.
type PINSignIn struct {
	MerchantID id.ID  `json:"merchantId,omitempty" openapi:"required" doc:"The merchant of the terminal"`
	EmployeeID id.ID  `json:"employeeId,omitempty" doc:"The employee, or give identifier"`
	Identifier string `json:"identifier,omitempty" doc:"User number, username, email or phone of the employee"`
	PIN        string `json:"pin,omitempty" openapi:"required" doc:"4 to 6 digits"`
}

// PINSession is a PIN sign-in's answer: a short-lived token scoped to the one merchant.
type PINSession struct {
	Token      string        `json:"token"`
	TokenType  string        `json:"tokenType"`
	ExpiresAt  time.Time     `json:"expiresAt"`
	MerchantID id.ID         `json:"merchantId"`
	Employee   *EmployeeView `json:"employee"`
}

// SignInWithPIN checks an employee's PIN at a merchant and issues a token of the EMPLOYEE role
// scoped to that merchant, living Options.PINTokenTTL. The terminal must itself be signed in
// (an owner, an employee or a device of that merchant): a 4-digit PIN is only safe behind that
// and the limits (5 wrong PINs per employee and merchant, 20 per terminal session, per 15
// minutes).
func (m *Module) SignInWithPIN(ctx context.Context, in PINSignIn) (*PINSession, error) {
	caller := auth.From(ctx)
	if caller == nil {
		return nil, auth.ErrUnauthenticated
	}
	if in.MerchantID <= 0 {
		return nil, errs.Field("body.merchantId", "is required", nil)
	}
	if len(in.PIN) < 4 || len(in.PIN) > 6 || strings.Trim(in.PIN, "0123456789") != "" {
		return nil, errs.Field("body.pin", "must be 4 to 6 digits", nil)
	}
	sys := auth.System(ctx)
	empID := in.EmployeeID
	if empID == 0 {
		ident, err := Detect(in.Identifier)
		if err != nil {
			return nil, errs.Field("body.identifier", "give employeeId or the employee's identifier", in.Identifier)
		}
		if empID, err = m.employeeByIdentifier(ctx, ident); err != nil {
			return nil, err
		}
	}
	e, err := m.employees.Get(sys, empID, query.ExcludeDeleted)
	if err != nil || auth.ActFor(ctx, e.OrganizerID, in.MerchantID) != nil {
		return nil, ErrEmployeeNotHere
	}
	pinHash, works, err := m.pinHashOf(ctx, e.ID, in.MerchantID)
	if err != nil {
		return nil, err
	}
	if !works {
		return nil, ErrEmployeeNotHere
	}
	if pinHash == nil {
		return nil, ErrNoPIN
	}
	callerKey := caller.TokenID
	if callerKey == "" {
		callerKey = caller.UserID.String()
	}
	pinKey, terminalKey := throttleKey(bucketPIN, e.ID.String(), in.MerchantID.String()), throttleKey(bucketPINCaller, callerKey)
	for _, k := range []struct {
		key string
		lim Limit
	}{{pinKey, PINLimit}, {terminalKey, PINCallerLimit}} {
		d, err := m.limiter.Take(ctx, k.key, k.lim)
		if err != nil {
			return nil, err
		}
		if !d.Allowed {
			return nil, told(ErrTooManyWrongPINs, "too many wrong PINs: try again in "+wait(d.RetryAfter))
		}
	}
	if !m.hash.check(*pinHash, in.PIN) {
		return nil, ErrWrongPIN
	}
	if err := m.limiter.Clear(ctx, pinKey); err != nil {
		return nil, err
	}
	// A busy terminal signs many employees in; only wrong PINs count against it.
	if err := m.limiter.Give(ctx, terminalKey); err != nil {
		return nil, err
	}
	if e.Status != StatusActive {
		return nil, ErrEmployeeInactive
	}
	var out *PINSession
	err = m.db.InTx(ctx, func(ctx context.Context) error {
		p, view, err := m.principal(ctx, e.UserID)
		if err != nil {
			return err
		}
		if view.Status != StatusActive {
			return ErrAccountBlocked
		}
		// Whatever else the account may be, a PIN session is an employee at one merchant.
		p.Roles, p.OrganizerID, p.MerchantIDs, p.Kind = []auth.Role{auth.Employee}, e.OrganizerID, []id.ID{in.MerchantID}, auth.KindPIN
		tok, exp, err := m.issue(ctx, p, m.opts.PINTokenTTL, in.MerchantID)
		if err != nil {
			return err
		}
		out = &PINSession{Token: tok, TokenType: TokenType, ExpiresAt: exp.UTC(), MerchantID: in.MerchantID}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if out.Employee, err = m.EmployeeView(sys, e.ID); err != nil {
		return nil, err
	}
	return out, nil
}
