package identity

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/db/dbtest"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/mail"
)

// TestSignInTimingHidesAccounts measures sign-ins with a realistic bcrypt cost: a wrong
// identifier must cost about as much as a wrong password (both run bcrypt), or the time of
// the answer would tell which identifiers have accounts.
func TestSignInTimingHidesAccounts(t *testing.T) {
	if testing.Short() {
		t.Skip("bcrypt at cost 10")
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		m := newTestModule(t, d, Options{BcryptCost: 10})
		ctx := context.Background()
		const n = 4
		var users []string
		for i := range n {
			name := fmt.Sprintf("timing%d", i)
			if _, err := m.CreateUser(auth.System(ctx), NewUser{Identifiers: []IdentifierInput{{Scheme: Username, Value: name}}, Password: "Hạt dẻ Trùng Khánh"}); err != nil {
				t.Fatal(err)
			}
			users = append(users, name)
		}
		// The three kinds take turns, so that a busy moment of the machine falls on all alike.
		var wrongPassword, wrongIdent, unparsable time.Duration
		for i := range n {
			for _, k := range []struct {
				ident string
				total *time.Duration
			}{{users[i], &wrongPassword}, {fmt.Sprintf("nobody%d", i), &wrongIdent}, {fmt.Sprintf("?%d?", i), &unparsable}} {
				start := time.Now()
				_, err := m.SignIn(ctx, "", k.ident, "not the password", "198.51.100.7")
				*k.total += time.Since(start)
				if !errors.Is(err, auth.ErrUnauthenticated) {
					t.Fatalf("sign-in: %v", err)
				}
			}
		}
		wrongPassword, wrongIdent, unparsable = wrongPassword/n, wrongIdent/n, unparsable/n
		t.Logf("mean time: wrong password %v, wrong identifier %v, unparsable %v", wrongPassword, wrongIdent, unparsable)
		for _, d := range []time.Duration{wrongIdent, unparsable} {
			r := float64(d) / float64(wrongPassword)
			if r < 0.5 || r > 2 {
				t.Fatalf("a wrong identifier takes %v, a wrong password %v: the difference shows which accounts exist", d, wrongPassword)
			}
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
		c := &clock{t: time.Now().UTC()}
		m := newTestModule(t, d, Options{Now: c.now})
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
		c.add(2 * time.Hour)
		if got, err := m.Purge(ctx); err != nil || got != (Purged{Tokens: 1, Throttles: 1}) {
			t.Fatalf("purge after 2h: %+v %v", got, err)
		}
		c.add(ResendWindow)
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
		if down, err := mg.Down(ctx, 2); err != nil || len(down) != 2 {
			t.Fatalf("down: %v %v", down, err)
		}
		if up, err := mg.Up(ctx); err != nil || len(up) != 2 {
			t.Fatalf("up again: %v %v", up, err)
		}
		var n int
		if err := d.R.QueryRowContext(ctx, "SELECT count(*) FROM roles").Scan(&n); err != nil || n != 5 {
			t.Fatalf("roles after up: %d %v", n, err)
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
		m.UseMerchants(merchantDirectory{501: org, 502: 999})
		owner := auth.WithPrincipal(ctx, &auth.Principal{UserID: s.User.ID, Roles: []auth.Role{auth.OrganizerOwner}, OrganizerID: org, Permissions: []string{"*"}})
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
