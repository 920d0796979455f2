package identity

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/db"
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
	MerchantIDs []id.ID `json:"merchantIds,omitempty" doc:"The merchants the employee works at (at least one)"`
	PIN         string  `json:"pin,omitempty" doc:"Optional 4-6 digit PIN, set at every merchant of the employee"`
}

// EmployeeView is an employee with its account.
type EmployeeView struct {
	Employee
	MerchantIDs []id.ID   `json:"merchantIds"`
	User        *UserView `json:"user"`
}

// organizerFor decides which organizer the caller acts for: its own, or (admins, jobs) the one
// named.
func organizerFor(ctx context.Context, named id.ID) (id.ID, error) {
	sc := auth.ScopeOf(ctx)
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
	sc := auth.ScopeOf(ctx)
	for i, mid := range list {
		loc := fmt.Sprintf("body.merchantIds[%d]", i)
		if mid <= 0 || slices.Contains(list[:i], mid) {
			return errs.Field(loc, "is not a merchant id, or is repeated", mid)
		}
		if !sc.AllowsMerchant(org, mid) {
			return errs.Field(loc, "is not a merchant you may act for", mid)
		}
		if m.merchants != nil {
			owner, err := m.merchants.MerchantOrganizer(ctx, mid)
			if err != nil && errs.KindOf(err) != errs.NotFound {
				return err
			}
			if err != nil || owner != org {
				return errs.Field(loc, "is not a merchant of this organizer", mid)
			}
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
		var n int
		if err := m.queryRow(ctx, true, "SELECT count(*) FROM organizers WHERE id = ? AND deleted_at IS NULL", int64(org)).Scan(&n); err != nil {
			return db.Classify(err)
		}
		if n == 0 {
			return errs.Field("body.organizerId", "is not an organizer", org)
		}
		if err := m.insert(ctx, p); err != nil {
			return err
		}
		now := m.now()
		if _, err := m.exec(ctx, "INSERT INTO employees (id, organizer_id, user_id, code, title, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			int64(empID), int64(org), int64(p.id), in.Code, in.Title, StatusActive, now, now); err != nil {
			return err
		}
		return m.setMerchants(ctx, empID, org, in.MerchantIDs, pinHash)
	})
	if err != nil {
		return nil, err
	}
	return m.EmployeeView(ctx, empID)
}

// setMerchants makes the employee's merchants exactly list, keeping the PINs of those it keeps;
// pinHash, when given, is set at every new merchant.
func (m *Module) setMerchants(ctx context.Context, empID, org id.ID, list []id.ID, pinHash string) error {
	ph := make([]string, len(list))
	args := []any{int64(empID)}
	for i, mid := range list {
		ph[i] = "?"
		args = append(args, int64(mid))
	}
	if _, err := m.exec(ctx, "DELETE FROM employee_merchants WHERE employee_id = ? AND merchant_id NOT IN ("+strings.Join(ph, ", ")+")", args...); err != nil {
		return err
	}
	now := m.now()
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
		return m.setMerchants(ctx, empID, e.OrganizerID, list, "")
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
		self = e.UserID == p.UserID && p.Kind == "user"
	}
	if !self {
		if !p.Can("employee.write") {
			return errs.New(errs.Forbidden, "requires the permission employee.write, or to be this employee")
		}
		if e, err = m.employees.Get(ctx, empID, query.ExcludeDeleted); err != nil {
			return err
		}
	}
	h, err := m.hash.hash(pin)
	if err != nil {
		return err
	}
	n, err := m.exec(ctx, "UPDATE employee_merchants SET pin_hash = ?, pin_set_at = ?, updated_at = ? WHERE employee_id = ? AND merchant_id = ?",
		h, m.now(), m.now(), int64(e.ID), int64(merchantID))
	if err != nil {
		return err
	}
	if n == 0 {
		return errs.Field("body.merchantId", "is not a merchant of this employee", merchantID)
	}
	return m.limiter.Clear(ctx, throttleKey("pin", e.ID.String(), merchantID.String()))
}

// PINSignIn is an employee signing in at a shared terminal.
type PINSignIn struct {
	MerchantID id.ID  `json:"merchantId,omitempty" doc:"The merchant of the terminal"`
	EmployeeID id.ID  `json:"employeeId,omitempty" doc:"The employee, or give identifier"`
	Identifier string `json:"identifier,omitempty" doc:"User number, username, email or phone of the employee"`
	PIN        string `json:"pin,omitempty" doc:"4 to 6 digits"`
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
		var eid int64
		err = m.queryRow(ctx, false, `SELECT e.id FROM user_identifiers i JOIN employees e ON e.user_id = i.user_id AND e.deleted_at IS NULL
			WHERE i.scheme = ? AND i.value = ?`, string(ident.Scheme), ident.Value).Scan(&eid)
		if err != nil && errs.KindOf(db.Classify(err)) != errs.NotFound {
			return nil, db.Classify(err)
		}
		empID = id.ID(eid)
	}
	notHere := errs.New(errs.NotFound, "no such employee at this merchant")
	e, err := m.employees.Get(sys, empID, query.ExcludeDeleted)
	if err != nil || !auth.ScopeOf(ctx).AllowsMerchant(e.OrganizerID, in.MerchantID) {
		return nil, notHere
	}
	var pinHash *string
	if err := m.queryRow(ctx, false, "SELECT pin_hash FROM employee_merchants WHERE employee_id = ? AND merchant_id = ?",
		int64(e.ID), int64(in.MerchantID)).Scan(&pinHash); err != nil {
		if errs.KindOf(db.Classify(err)) == errs.NotFound {
			return nil, notHere
		}
		return nil, db.Classify(err)
	}
	if pinHash == nil {
		return nil, errs.New(errs.Conflict, "this employee has no PIN at this merchant yet")
	}
	callerKey := caller.TokenID
	if callerKey == "" {
		callerKey = caller.UserID.String()
	}
	pinKey, terminalKey := throttleKey("pin", e.ID.String(), in.MerchantID.String()), throttleKey("pin-caller", callerKey)
	for _, k := range []struct {
		key string
		lim Limit
	}{{pinKey, PINLimit}, {terminalKey, PINCallerLimit}} {
		d, err := m.limiter.Take(ctx, k.key, k.lim)
		if err != nil {
			return nil, err
		}
		if !d.Allowed {
			return nil, errs.New(errs.TooMany, "too many wrong PINs: try again in "+wait(d.RetryAfter))
		}
	}
	if !m.hash.check(*pinHash, in.PIN) {
		return nil, errs.New(errs.Unauthorized, "wrong PIN")
	}
	if err := m.limiter.Clear(ctx, pinKey); err != nil {
		return nil, err
	}
	// A busy terminal signs many employees in; only wrong PINs count against it.
	if err := m.limiter.Give(ctx, terminalKey); err != nil {
		return nil, err
	}
	if e.Status != StatusActive {
		return nil, errs.New(errs.Forbidden, "this employee is inactive")
	}
	var out *PINSession
	err = m.db.InTx(ctx, func(ctx context.Context) error {
		p, view, err := m.principal(ctx, e.UserID)
		if err != nil {
			return err
		}
		if view.Status != StatusActive {
			return errs.New(errs.Forbidden, "this account is blocked")
		}
		// Whatever else the account may be, a PIN session is an employee at one merchant.
		p.Roles, p.OrganizerID, p.MerchantIDs, p.Kind = []auth.Role{auth.Employee}, e.OrganizerID, []id.ID{in.MerchantID}, "pin"
		tok, exp, err := m.issue(ctx, p, m.opts.PINTokenTTL, in.MerchantID)
		if err != nil {
			return err
		}
		out = &PINSession{Token: tok, TokenType: "Bearer", ExpiresAt: exp.UTC(), MerchantID: in.MerchantID}
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
