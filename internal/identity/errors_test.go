package identity

import (
	"context"
	"errors"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/clock"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/db/dbtest"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/mail"
	"github.com/banapos/bana/internal/platform/query"
)

// lastMail keeps the last message sent.
type lastMail struct{ msg mail.Message }

func (l *lastMail) Send(_ context.Context, m mail.Message) error { l.msg = m; return nil }

var (
	mailCode  = regexp.MustCompile(`là: (\d{6})`)
	mailToken = regexp.MustCompile(`token=(\S+)`)
)

// TestRulesAreTyped checks that each rule a client branches on comes back as its errors.go value
// (errors.Is), whatever the answer adds to it (a wait, the attempts left, a field).
func TestRulesAreTyped(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		clk := clock.NewFake(time.Now())
		m := newTestModuleAt(t, d, Options{}, clk)
		mails := &lastMail{}
		m.mailer = mails
		ctx := context.Background()
		sys := auth.System(ctx)
		is := func(what string, err, want error) {
			t.Helper()
			if !errors.Is(err, want) {
				t.Fatalf("%s: %v, want %v", what, err, want)
			}
		}
		const pw = "Bánh khọt Vũng Tàu"

		// Accounts.
		s, err := m.SignUp(ctx, SignUp{Username: "typed.owner", Email: "typed@example.vn", Password: pw})
		if err != nil {
			t.Fatal(err)
		}
		org := *s.User.OrganizerID
		_, err = m.SignUp(ctx, SignUp{Email: "TYPED@example.vn", Password: pw})
		is("taken email", err, ErrIdentifierTaken)
		_, err = m.SignIn(ctx, "", "typed.owner", "not the password", "")
		is("wrong password", err, ErrBadCredentials)
		_, err = m.CreateUser(sys, NewUser{Identifiers: []IdentifierInput{{Scheme: Username, Value: "typed.nobody"}}, Password: pw, OrganizerID: 424242})
		is("unknown organizer", err, ErrNoOrganizer)
		admin := auth.WithPrincipal(ctx, &auth.Principal{UserID: 1, Roles: []auth.Role{auth.Admin}, Kind: auth.KindUser})
		_, err = m.CreateUser(admin, NewUser{Identifiers: []IdentifierInput{{Scheme: Username, Value: "typed.climber"}}, Password: pw, Roles: []auth.Role{auth.Admin}})
		is("ADMIN granted by an ADMIN", err, ErrGrantForbidden)
		for range PairLimit.Max {
			_, _ = m.SignIn(ctx, "", "typed@example.vn", "guess", "")
		}
		_, err = m.SignIn(ctx, "", "typed@example.vn", pw, "")
		is("throttled", err, ErrTooManySignIns)
		blocked, err := m.CreateUser(sys, NewUser{Identifiers: []IdentifierInput{{Scheme: Username, Value: "typed.blocked"}}, Password: pw})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.users.Update(sys, blocked.ID, func(_ context.Context, u *User) error { u.Status = StatusBlocked; return nil }); err != nil {
			t.Fatal(err)
		}
		_, err = m.SignIn(ctx, "", "typed.blocked", pw, "")
		is("blocked", err, ErrAccountBlocked)

		// Passwords and sessions.
		owner := &auth.Principal{UserID: s.User.ID, Roles: []auth.Role{auth.OrganizerOwner}, OrganizerID: org, Permissions: []string{"*"}, Kind: auth.KindUser, TokenID: "typed-jti"}
		ownerCtx := auth.WithPrincipal(ctx, owner.WithDirectory(merchantDirectory{501: org}))
		is("wrong current password", m.ChangePassword(ownerCtx, "not it", "Bánh bèo chén Huế"), ErrWrongPassword)
		is("same password", m.ChangePassword(ownerCtx, pw, pw), ErrSamePassword)
		pinOwner := *owner
		pinOwner.Kind = auth.KindPIN
		is("password from a PIN session", m.ChangePassword(auth.WithPrincipal(ctx, &pinOwner), pw, "Bánh bèo chén Huế"), ErrPINSessionPassword)
		basicOwner := *owner
		basicOwner.TokenID = ""
		is("sign-out of Basic", m.SignOut(auth.WithPrincipal(ctx, &basicOwner)), ErrNoBearerToken)

		// Email verification: the sign-up mailed a code and a link.
		code, link := mailCode.FindStringSubmatch(mails.msg.Text), mailToken.FindStringSubmatch(mails.msg.Text)
		if code == nil || link == nil {
			t.Fatalf("mail: %q", mails.msg.Text)
		}
		linkToken, _ := url.QueryUnescape(link[1])
		_, err = m.SendVerification(sys, s.User.ID)
		is("resend at once", err, ErrResendTooSoon)
		wrong := "000000"
		if wrong == code[1] {
			wrong = "111111"
		}
		_, err = m.ConfirmCode(ctx, s.User.ID, wrong)
		is("wrong code", err, ErrWrongCode)
		_, _ = m.ConfirmCode(ctx, s.User.ID, wrong)
		_, err = m.ConfirmCode(ctx, s.User.ID, wrong)
		is("last wrong code", err, ErrCodeLocked)
		_, err = m.SendVerification(sys, s.User.ID)
		is("resend while locked", err, ErrCodeLocked)
		_, err = m.ConfirmToken(ctx, "nonsense")
		is("unknown link", err, ErrBadLink)
		clk.Advance(Lockout + time.Second)
		_, err = m.ConfirmCode(ctx, s.User.ID, code[1])
		is("the right code after the lockout", err, ErrNoCode)
		if _, err := m.ConfirmToken(ctx, linkToken); err != nil {
			t.Fatalf("link: %v", err)
		}
		_, err = m.SendVerification(sys, s.User.ID)
		is("verified", err, ErrAlreadyVerified)
		_, err = m.SendVerification(sys, blocked.ID)
		is("no email", err, ErrNoEmail)

		// Employees and PINs: without a caller, nothing; the owner places them.
		_, err = m.CreateEmployee(ctx, NewEmployee{DisplayName: "Ai đó", MerchantIDs: []id.ID{501}})
		is("an employee without a caller", err, auth.ErrNoPrincipal)
		emp, err := m.CreateEmployee(ownerCtx, NewEmployee{DisplayName: "Thu ngân", Username: "typed.clerk", Password: pw, MerchantIDs: []id.ID{501}, PIN: "2580"})
		if err != nil {
			t.Fatal(err)
		}
		nopin, err := m.CreateEmployee(ownerCtx, NewEmployee{DisplayName: "Bếp", MerchantIDs: []id.ID{501}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = m.SignInWithPIN(ownerCtx, PINSignIn{MerchantID: 502, EmployeeID: emp.ID, PIN: "2580"})
		is("PIN at another merchant", err, ErrEmployeeNotHere)
		_, err = m.SignInWithPIN(ownerCtx, PINSignIn{MerchantID: 501, EmployeeID: nopin.ID, PIN: "2580"})
		is("no PIN yet", err, ErrNoPIN)
		for range PINLimit.Max {
			_, err = m.SignInWithPIN(ownerCtx, PINSignIn{MerchantID: 501, EmployeeID: emp.ID, PIN: "9999"})
			is("wrong PIN", err, ErrWrongPIN)
		}
		_, err = m.SignInWithPIN(ownerCtx, PINSignIn{MerchantID: 501, EmployeeID: emp.ID, PIN: "2580"})
		is("locked PIN", err, ErrTooManyWrongPINs)
		is("PIN at a merchant the employee does not work at", m.SetPIN(ownerCtx, emp.ID, 502, "4826"), ErrNotEmployeeMerchant)
		clerk := auth.WithPrincipal(ctx, &auth.Principal{UserID: emp.User.ID, Roles: []auth.Role{auth.Employee}, OrganizerID: org, MerchantIDs: []id.ID{501}, Kind: auth.KindUser})
		is("another employee's PIN", m.SetPIN(clerk, nopin.ID, 501, "4826"), ErrSetPINForbidden)
		if err := m.SetPIN(ownerCtx, emp.ID, 501, "4826"); err != nil {
			t.Fatal(err)
		}
		if _, err := m.employees.Update(sys, emp.ID, func(_ context.Context, e *Employee) error { e.Status = StatusInactive; return nil }); err != nil {
			t.Fatal(err)
		}
		_, err = m.SignInWithPIN(ownerCtx, PINSignIn{MerchantID: 501, EmployeeID: emp.ID, PIN: "4826"})
		is("inactive employee's PIN", err, ErrEmployeeInactive)
		_, err = m.SignIn(ctx, "", "typed.clerk", pw, "")
		is("inactive employee's password", err, ErrEmployeeInactive)

		// Roles.
		is("a fixed role", m.roles.Delete(sys, id.ID(auth.Employee), true), ErrFixedRole)
		root, err := m.CreateUser(sys, NewUser{Identifiers: []IdentifierInput{{Scheme: Username, Value: "typed.root"}}, Password: pw, Roles: []auth.Role{auth.SuperAdmin}})
		if err != nil {
			t.Fatal(err)
		}
		grants, err := m.userRoles.Find(sys, &query.Filter{Where: map[string]any{"userId": root.ID.String()}, Limit: 1}, query.ExcludeDeleted)
		if err != nil || len(grants) != 1 {
			t.Fatalf("grants of the root: %v %v", grants, err)
		}
		is("SUPER_ADMIN taken away by an ADMIN", m.userRoles.Delete(admin, grants[0].ID, true), ErrGrantForbidden)
	})
}
