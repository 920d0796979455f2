package identity

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/clock"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/db/dbtest"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/mail"
	"golang.org/x/crypto/bcrypt"
)

// TestSignInWorkHidesAccounts proves that the answer to a password does not tell, by the work
// behind it, whether the account exists: every path (no such account, an identifier that does
// not parse, an account without a password, a wrong password, a blocked account, the right
// password), by sign-in and by HTTP Basic, makes exactly one bcrypt comparison at the module's
// cost. bcrypt is nearly all the time of a sign-in (the rest is one indexed lookup that every path
// makes), so equal comparisons mean equal time; counting them, rather than timing them, holds on
// a machine under any load. Without the dummy hash a missing account makes none and this fails;
// with a cheaper dummy, the cost differs and it fails.
func TestSignInWorkHidesAccounts(t *testing.T) {
	const cost = bcrypt.MinCost + 1
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		var mu sync.Mutex
		var costs []int
		m := newTestModule(t, d, Options{BcryptCost: cost, Compared: func(c int) {
			mu.Lock()
			costs = append(costs, c)
			mu.Unlock()
		}})
		compared := func() []int {
			mu.Lock()
			defer mu.Unlock()
			out := costs
			costs = nil
			return out
		}
		ctx := context.Background()
		sys := auth.System(ctx)
		const pw = "Hạt dẻ Trùng Khánh"
		for _, u := range []NewUser{
			{Identifiers: []IdentifierInput{{Scheme: Username, Value: "work.owner"}}, Password: pw},
			{Identifiers: []IdentifierInput{{Scheme: Username, Value: "work.blocked"}}, Password: pw},
			{Identifiers: []IdentifierInput{{Scheme: NXAuth, Value: "google-oauth2|work"}}},
		} {
			v, err := m.CreateUser(sys, u)
			if err != nil {
				t.Fatal(err)
			}
			if u.Identifiers[0].Value == "work.blocked" {
				if _, err := m.users.Update(sys, v.ID, func(_ context.Context, u *User) error { u.Status = StatusBlocked; return nil }); err != nil {
					t.Fatal(err)
				}
			}
		}
		compared()
		for _, c := range []struct {
			name, scheme, ident, password string
			want                          error // nil: signed in
		}{
			{"no such account", "", "nobody.here", pw, ErrBadCredentials},
			{"no such email", "", "nobody@example.vn", pw, ErrBadCredentials},
			{"identifier that does not parse", "", "?not an identifier?", pw, ErrBadCredentials},
			{"account without a password", "NX_AUTH", "google-oauth2|work", pw, ErrBadCredentials},
			{"wrong password", "", "work.owner", "not the password", ErrBadCredentials},
			{"blocked account, wrong password", "", "work.blocked", "not the password", ErrBadCredentials},
			{"blocked account, right password", "", "work.blocked", pw, ErrAccountBlocked},
			{"right password", "", "WORK.OWNER", pw, nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, err := m.SignIn(ctx, c.scheme, c.ident, c.password, "198.51.100.7")
				if !errors.Is(err, c.want) && (c.want != nil || err != nil) {
					t.Fatalf("sign-in: %v, want %v", err, c.want)
				}
				if got := compared(); len(got) != 1 || got[0] != cost {
					t.Fatalf("sign-in made bcrypt comparisons at costs %v, want one at %d", got, cost)
				}
				if c.scheme != "" {
					return // Basic reads the scheme from the value
				}
				_, err = m.VerifyBasic(auth.WithClientAddr(ctx, "198.51.100.8"), c.ident, c.password)
				if !errors.Is(err, c.want) && (c.want != nil || err != nil) {
					t.Fatalf("Basic: %v, want %v", err, c.want)
				}
				if got := compared(); len(got) != 1 || got[0] != cost {
					t.Fatalf("Basic made bcrypt comparisons at costs %v, want one at %d", got, cost)
				}
			})
		}
		// A password Basic proved is remembered for a minute for the address that proved it: its
		// repeats make no comparison, and only the right password can reach that.
		if _, err := m.VerifyBasic(auth.WithClientAddr(ctx, "198.51.100.8"), "WORK.OWNER", pw); err != nil {
			t.Fatal(err)
		}
		if got := compared(); len(got) != 0 {
			t.Fatalf("a remembered Basic password was compared again: %v", got)
		}
	})
}

func TestUserServiceCreatesOneAggregate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		m := newTestModule(t, d, Options{})
		ctx := auth.System(context.Background())
		v, err := m.CreateUser(ctx, NewUser{Identifiers: []IdentifierInput{
			{Scheme: Username, Value: "Ba.Tran"}, {Scheme: Email, Value: "Ba@Example.vn"}, {Scheme: Phone, Value: "0987 654 321"}, {Scheme: NXAuth, Value: "nx|Ba"}},
			Password: "Bún bò Huế cay", Profile: Profile{FirstName: "Ba", LastName: "Trần"}, Roles: []auth.Role{auth.Operator}})
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Identifiers) != 5 || v.Profile.DisplayName != "Ba Trần" || v.Profile.Locale != "vi" || strings.Join(v.Roles, ",") != "OPERATOR" {
			t.Fatalf("view: %+v", v)
		}
		var hash string
		if err := d.R.DB.QueryRowContext(ctx, d.Rebind("SELECT password_hash FROM user_credentials WHERE user_id = ?"), int64(v.ID)).Scan(&hash); err != nil || !strings.HasPrefix(hash, "$2a$04$") {
			t.Fatalf("hash %q: %v", hash, err)
		}
		// A failure half way (a taken identifier after new ones) leaves no trace of the user.
		_, err = m.CreateUser(ctx, NewUser{Identifiers: []IdentifierInput{{Scheme: Username, Value: "fresh.one"}, {Scheme: Phone, Value: "+84987654321"}},
			Password: "Bún bò Huế cay", Roles: []auth.Role{auth.Operator}})
		if errs.KindOf(err) != errs.Conflict {
			t.Fatalf("duplicate phone: %v", err)
		}
		var e *errs.E
		if !errors.As(err, &e) || e.Fields[0].Location != "body.identifiers[1].value" {
			t.Fatalf("error location: %#v", err)
		}
		for _, tbl := range []string{"users", "user_identifiers", "user_profiles", "user_credentials", "user_roles"} {
			var n int
			if err := d.R.QueryRowContext(ctx, "SELECT count(*) FROM "+tbl).Scan(&n); err != nil {
				t.Fatal(err)
			}
			want := map[string]int{"users": 1, "user_identifiers": 5, "user_profiles": 1, "user_credentials": 1, "user_roles": 1}[tbl]
			if n != want {
				t.Fatalf("%s has %d rows, want %d", tbl, n, want)
			}
		}
		// An NX_AUTH user may have no password; others must.
		if _, err := m.CreateUser(ctx, NewUser{Identifiers: []IdentifierInput{{Scheme: NXAuth, Value: "nx|other"}}}); err != nil {
			t.Fatalf("external user: %v", err)
		}
		if _, err := m.CreateUser(ctx, NewUser{Identifiers: []IdentifierInput{{Scheme: Username, Value: "nopass"}}}); errs.KindOf(err) != errs.Invalid {
			t.Fatalf("no password: %v", err)
		}
		// Only a SUPER_ADMIN grants ADMIN.
		admin := auth.WithPrincipal(context.Background(), &auth.Principal{UserID: 1, Roles: []auth.Role{auth.Admin}})
		if _, err := m.CreateUser(admin, NewUser{Identifiers: []IdentifierInput{{Scheme: Username, Value: "climber"}}, Password: "Bún bò Huế cay",
			Roles: []auth.Role{auth.Admin}}); errs.KindOf(err) != errs.Forbidden {
			t.Fatalf("escalation: %v", err)
		}
	})
}

func TestPurge(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		// The fake starts at the wall clock's time: auth.Tokens sets a token's expiry by the wall
		// clock, and the purge reads it by the module's.
		c := clock.NewFake(time.Now())
		m := newTestModuleAt(t, d, Options{}, c)
		ctx := auth.System(context.Background())
		v, err := m.CreateUser(ctx, NewUser{Identifiers: []IdentifierInput{{Scheme: Email, Value: "purge@example.vn"}}, Password: "Bánh căn Phan Rang"})
		if err != nil {
			t.Fatal(err)
		}
		p, _, err := m.principal(ctx, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := m.issue(ctx, p, time.Hour, 0); err != nil {
			t.Fatal(err)
		}
		m.mailer = discard{}
		if _, err := m.SendVerification(ctx, v.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := m.limiter.Take(ctx, "k", Limit{Max: 1, Window: time.Minute}); err != nil {
			t.Fatal(err)
		}
		// Nothing is due yet.
		if got, err := m.Purge(ctx); err != nil || got != (Purged{}) {
			t.Fatalf("early purge: %+v %v", got, err)
		}
		c.Advance(2 * time.Hour)
		if got, err := m.Purge(ctx); err != nil || got != (Purged{Tokens: 1, Throttles: 1}) {
			t.Fatalf("purge after 2h: %+v %v", got, err)
		}
		c.Advance(ResendWindow)
		if got, err := m.Purge(ctx); err != nil || got != (Purged{Verifications: 1}) {
			t.Fatalf("purge after a day: %+v %v", got, err)
		}
	})
}

type discard struct{}

func (discard) Send(context.Context, mail.Message) error { return nil }

func TestMigrationsGoDownAndUp(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		m := newTestModule(t, d, Options{})
		mg, err := db.NewMigrator(d, m.Migrations())
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		if down, err := mg.Down(ctx, 3); err != nil || len(down) != 3 {
			t.Fatalf("down: %v %v", down, err)
		}
		if up, err := mg.Up(ctx); err != nil || len(up) != 3 {
			t.Fatalf("up again: %v %v", up, err)
		}
		var n int
		if err := d.R.QueryRowContext(ctx, "SELECT count(*) FROM roles").Scan(&n); err != nil || n != 5 {
			t.Fatalf("roles after up: %d %v", n, err)
		}
	})
}

// TestEmployeePricingReadReachesOldDatabases: EMPLOYEE holds pricing.read in a new database
// (DefaultPermissions), and migration step 3 grants it in a database seeded before it was a
// default, where no permission row pricing.read existed either. An employee signing in after the
// migration carries it in its token.
func TestEmployeePricingReadReachesOldDatabases(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		m := newTestModule(t, d, Options{})
		ctx := context.Background()
		grants := func() int {
			t.Helper()
			var n int
			if err := d.Raw(ctx, false).QueryRowContext(ctx, d.Rebind(`SELECT count(*) FROM role_permissions rp JOIN permissions p ON p.id = rp.permission_id
				WHERE rp.role_id = ? AND p.code = 'pricing.read'`), int64(auth.Employee)).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		// A new database: seeded with it, and step 3 added nothing.
		if n := grants(); n != 1 {
			t.Fatalf("a new database grants EMPLOYEE pricing.read %d times", n)
		}
		// A database as step 2 made it before: no pricing.read anywhere.
		mg, err := db.NewMigrator(d, m.Migrations())
		if err != nil {
			t.Fatal(err)
		}
		// Steps 4 (optional text) and 3 reverted, then 4 applied again: step 3 missing alone.
		if down, err := mg.Down(ctx, 2); err != nil || len(down) != 2 {
			t.Fatalf("down: %v %v", down, err)
		}
		if err := optionalText().Up(ctx, d); err != nil {
			t.Fatal(err)
		}
		if _, err := d.W.DB.ExecContext(ctx, d.Rebind("INSERT INTO bana_migrations (module, version, name, applied_at) VALUES ('identity', 4, 'optional_text', ?)"), time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
		if _, err := d.W.ExecContext(ctx, "DELETE FROM permissions WHERE code = 'pricing.read'"); err != nil {
			t.Fatal(err)
		}
		sys := auth.System(ctx)
		clerk, err := m.CreateUser(sys, NewUser{Identifiers: []IdentifierInput{{Scheme: Username, Value: "old.clerk"}}, Password: "Bánh cuốn Thanh Trì",
			Roles: []auth.Role{auth.Employee}})
		if err != nil {
			t.Fatal(err)
		}
		if p, _, err := m.principal(sys, clerk.ID); err != nil || slices.Contains(p.Permissions, "pricing.read") {
			t.Fatalf("before the migration: %v %v", p, err)
		}
		if up, err := mg.Up(ctx); err != nil || len(up) != 1 || !strings.Contains(up[0], "employee_pricing_read") {
			t.Fatalf("up: %v %v", up, err)
		}
		if n := grants(); n != 1 {
			t.Fatalf("after the migration EMPLOYEE holds pricing.read %d times", n)
		}
		s, err := m.SignIn(ctx, "", "old.clerk", "Bánh cuốn Thanh Trì", "")
		if err != nil {
			t.Fatal(err)
		}
		p, _, err := m.tokens.Verify(s.Token)
		if err != nil || !slices.Contains(p.Permissions, "pricing.read") || !slices.Contains(p.Permissions, "sale.*") {
			t.Fatalf("the clerk's token after the migration: %+v %v", p, err)
		}
		// An admin's own pricing.read permission (made before the step ran) is reused, not doubled.
		if down, err := mg.Down(ctx, 2); err != nil || len(down) != 2 || grants() != 0 {
			t.Fatalf("down again: %v %v", down, err)
		}
		if up, err := mg.Up(ctx); err != nil || len(up) != 2 || grants() != 1 {
			t.Fatalf("up again: %v %v", up, err)
		}
		var perms int
		if err := d.R.QueryRowContext(ctx, "SELECT count(*) FROM permissions WHERE code = 'pricing.read'").Scan(&perms); err != nil || perms != 1 {
			t.Fatalf("%d permissions pricing.read: %v", perms, err)
		}
	})
}

func TestCreateAdminCommand(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		m := newTestModule(t, d, Options{})
		var logged bytes.Buffer
		m.log = slog.New(slog.NewTextHandler(&logged, nil))
		ctx := context.Background()
		if !m.AnnounceBootstrap(ctx) || !strings.Contains(logged.String(), "bana users create-admin") {
			t.Fatalf("no hint on a first start: %s", logged.String())
		}
		run := func(in string, terminal bool, hidden []string, args ...string) (string, error) {
			var out bytes.Buffer
			p := Prompt{In: strings.NewReader(in), Out: &out, Terminal: terminal, ReadHidden: func() (string, error) {
				if len(hidden) == 0 {
					return "", io.EOF
				}
				s := hidden[0]
				hidden = hidden[1:]
				return s, nil
			}}
			err := m.UsersCommand(ctx, args, p)
			return out.String(), err
		}
		for _, c := range []struct {
			args     []string
			in       string
			terminal bool
			hidden   []string
			err      string
		}{
			{[]string{"create-admin", "--email", "root@example.vn", "--password", "x"}, "", false, nil, "never an argument"},
			{[]string{"create-admin", "--email", "root@example.vn", "--password=x"}, "", false, nil, "never an argument"},
			{[]string{"create-admin"}, "Sữa chua nếp cẩm\n", false, nil, "at least one of"},
			{[]string{"create-admin", "--email", "root@example.vn"}, "", false, nil, "no password"},
			{[]string{"create-admin", "--email", "root@example.vn"}, "short\n", false, nil, "password must have at least 8 characters"},
			{[]string{"create-admin", "--email", "not-email"}, "Sữa chua nếp cẩm\n", false, nil, "--email is not an email address"},
			{[]string{"create-admin", "--email", "root@example.vn"}, "", true, []string{"Sữa chua nếp cẩm", "Sữa chua nếp cẩn"}, "differ"},
			{[]string{"rename"}, "", false, nil, "unknown subcommand"},
		} {
			if _, err := run(c.in, c.terminal, c.hidden, c.args...); err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%v: %v, want %q", c.args, err, c.err)
			}
		}
		if ok, _ := m.HasSuperAdmin(ctx); ok {
			t.Fatal("a refused command created an admin")
		}
		// From a pipe: the first line is the password.
		out, err := run("Sữa chua nếp cẩm\nignored\n", false, nil, "create-admin", "--email", "Root@Example.vn", "--name", "Quản trị")
		if err != nil || !strings.Contains(out, "created SUPER_ADMIN") || !strings.Contains(out, "email root@example.vn") {
			t.Fatalf("create-admin: %q %v", out, err)
		}
		if _, err := m.SignIn(ctx, "", "root@example.vn", "Sữa chua nếp cẩm", ""); err != nil {
			t.Fatalf("the admin cannot sign in: %v", err)
		}
		// At a terminal: typed twice, hidden.
		out, err = run("", true, []string{"Chè khúc bạch mát", "Chè khúc bạch mát"}, "create-admin", "--username", "second.root")
		if err != nil || !strings.Contains(out, "Password: ") || !strings.Contains(out, "Repeat the password: ") {
			t.Fatalf("terminal: %q %v", out, err)
		}
		if _, err := run("Sữa chua nếp cẩm\n", false, nil, "create-admin", "--email", "root@example.vn"); err == nil || !strings.Contains(err.Error(), "already in use") {
			t.Fatalf("duplicate: %v", err)
		}
		logged.Reset()
		if m.AnnounceBootstrap(ctx) || logged.Len() != 0 {
			t.Fatalf("hint with an admin present: %s", logged.String())
		}
	})
}

// merchantDirectory is commerce's answer to "whose merchant is this?", for the test.
type merchantDirectory map[id.ID]id.ID

func (d merchantDirectory) MerchantOrganizer(_ context.Context, mid id.ID) (id.ID, error) {
	if org, ok := d[mid]; ok {
		return org, nil
	}
	return 0, errs.ErrNotFound
}

func TestEmployeeMerchantsCheckedAgainstCommerce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		m := newTestModule(t, d, Options{})
		ctx := context.Background()
		s, err := m.SignUp(ctx, SignUp{Username: "owner.c", Password: "Cháo lòng Hà Nội"})
		if err != nil {
			t.Fatal(err)
		}
		org := *s.User.OrganizerID
		dir := merchantDirectory{501: org, 502: 999}
		m.UseMerchants(dir)
		owner := auth.WithPrincipal(ctx, (&auth.Principal{UserID: s.User.ID, Roles: []auth.Role{auth.OrganizerOwner}, OrganizerID: org, Permissions: []string{"*"}}).WithDirectory(dir))
		if _, err := m.CreateEmployee(owner, NewEmployee{DisplayName: "A", MerchantIDs: []id.ID{501}}); err != nil {
			t.Fatalf("own merchant: %v", err)
		}
		for _, mid := range []id.ID{502, 503} {
			_, err := m.CreateEmployee(owner, NewEmployee{DisplayName: "B", MerchantIDs: []id.ID{501, mid}})
			var e *errs.E
			if !errors.As(err, &e) || e.Fields[0].Location != "body.merchantIds[1]" || !strings.Contains(e.Message, "not a merchant of this organizer") {
				t.Fatalf("merchant %d: %v", mid, err)
			}
		}
	})
}
