// Package identity owns who is who in BANA (the document's @nx/identity): users with their
// identifiers (USERNAME, EMAIL, PHONE_NUMBER, USER_NUMBER, NX_AUTH), profiles and bcrypt
// credentials; the five fixed roles, permissions and user roles; organizers (a seller's business)
// and their employees, mapped to merchants, with a PIN per merchant for shared terminals; email
// verification by code and link; sign-in throttling; and the access tokens it issues and revokes.
//
// It feeds the platform's auth: it verifies HTTP Basic credentials and answers whether a token
// was revoked (auth.BasicVerifier, auth.Revocations), and the principals it signs carry the
// organizer and merchants that the query layer confines every tenant-scoped table to.
package identity

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"embed"
	"errors"
	"io/fs"
	"log/slog"
	"time"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/events"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/jobs"
	"github.com/banapos/bana/internal/platform/mail"
	"github.com/banapos/bana/internal/platform/query"
	"github.com/redis/go-redis/v9"
)

// Publisher publishes domain events in the caller's transaction (events.Bus).
type Publisher interface {
	Publish(ctx context.Context, ev events.Event) (id.ID, error)
}

// Merchants tells which organizer a merchant belongs to. Commerce owns merchants; when it is
// wired, identity refuses to map an employee to another organizer's merchant. Without it, any id
// is accepted: the tenant scope still confines the employee to its own organizer's rows.
type Merchants interface {
	MerchantOrganizer(ctx context.Context, merchantID id.ID) (id.ID, error)
}

// Deps are what the module is built from.
type Deps struct {
	DB     *db.DB
	IDs    *id.Generator
	Tokens *auth.Tokens
	Events Publisher
	Jobs   *jobs.Client  // may be nil: no periodic purge
	Mailer mail.Mailer   // nil: mail is logged
	Redis  *redis.Client // nil: throttle counters live in the database
	Log    *slog.Logger
	// Secret keys the hashes of verification codes (the application secret).
	Secret string
	// Merchants may be nil (see Merchants).
	Merchants Merchants
}

// Options tune the module.
type Options struct {
	// BcryptCost of new hashes (0: DefaultBcryptCost).
	BcryptCost int
	// PINTokenTTL is the life of a PIN sign-in token (0: 15 minutes).
	PINTokenTTL time.Duration
	// VerifyURL is the address of the email verification link; the token is added as ?token=.
	VerifyURL string
	// Namespace prefixes Redis keys (default "bana").
	Namespace string
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Module is the identity module.
type Module struct {
	db        *db.DB
	ids       *id.Generator
	tokens    *auth.Tokens
	events    Publisher
	jobs      *jobs.Client
	mailer    mail.Mailer
	log       *slog.Logger
	merchants Merchants
	opts      Options
	now       func() time.Time
	hash      *hasher
	limiter   Limiter
	codeKey   []byte
	basic     *basicCache
	accounts  *accountCache

	users       *query.Table[User]
	identifiers *query.Table[UserIdentifier]
	profiles    *query.Table[UserProfile]
	roles       *query.Table[Role]
	permissions *query.Table[Permission]
	rolePerms   *query.Table[RolePermission]
	userRoles   *query.Table[UserRole]
	organizers  *query.Table[Organizer]
	employees   *query.Table[Employee]
	empMerchant *query.Table[EmployeeMerchant]

	routes []Route
}

//go:embed migrations/*.sql
var migrationFS embed.FS

// New builds the module.
func New(d Deps, o Options) (*Module, error) {
	if d.DB == nil || d.IDs == nil || d.Tokens == nil || d.Events == nil || d.Log == nil {
		return nil, errors.New("identity: DB, IDs, Tokens, Events and Log are required")
	}
	if o.BcryptCost == 0 {
		o.BcryptCost = DefaultBcryptCost
	}
	if o.PINTokenTTL <= 0 {
		o.PINTokenTTL = 15 * time.Minute
	}
	if o.Namespace == "" {
		o.Namespace = "bana"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	h, err := newHasher(o.BcryptCost)
	if err != nil {
		return nil, err
	}
	mac := hmac.New(sha256.New, []byte(d.Secret))
	mac.Write([]byte("bana identity: email verification codes"))
	m := &Module{db: d.DB, ids: d.IDs, tokens: d.Tokens, events: d.Events, jobs: d.Jobs, mailer: d.Mailer,
		log: d.Log, merchants: d.Merchants, opts: o, now: func() time.Time { return o.Now().UTC() }, hash: h,
		codeKey: mac.Sum(nil), basic: newBasicCache(4096, time.Minute),
		accounts: newAccountCache(10000, 2*time.Second)}
	if m.mailer == nil {
		m.mailer = &mail.Log{Logger: d.Log, From: "BANA <no-reply@bana.local>"}
	}
	var lim Limiter = &dbLimiter{db: d.DB, now: m.now}
	if d.Redis != nil {
		lim = &redisLimiter{rdb: d.Redis, prefix: o.Namespace + ":identity:", fallback: lim, log: d.Log}
	}
	m.limiter = lim

	m.users = query.NewTable[User]("user", d.DB, d.IDs, query.Options{ReadOnly: []string{"organizerId", "lastSignInAt"}, Order: []string{"createdAt DESC"}})
	m.identifiers = query.NewTable[UserIdentifier]("user identifier", d.DB, d.IDs, query.Options{Order: []string{"scheme ASC"}})
	m.profiles = query.NewTable[UserProfile]("user profile", d.DB, d.IDs, query.Options{ReadOnly: []string{"userId"}})
	m.roles = query.NewTable[Role]("role", d.DB, d.IDs, query.Options{Order: []string{"code DESC"}})
	m.permissions = query.NewTable[Permission]("permission", d.DB, d.IDs, query.Options{Order: []string{"code ASC"}})
	m.rolePerms = query.NewTable[RolePermission]("role permission", d.DB, d.IDs, query.Options{})
	m.userRoles = query.NewTable[UserRole]("user role", d.DB, d.IDs, query.Options{})
	m.organizers = query.NewTable[Organizer]("organizer", d.DB, d.IDs, query.Options{Tenant: query.Tenant{Organizer: "id"}, ReadOnly: []string{"ownerId"}})
	m.employees = query.NewTable[Employee]("employee", d.DB, d.IDs, query.Options{Tenant: query.Tenant{Organizer: "organizerId"}, ReadOnly: []string{"userId"}})
	m.empMerchant = query.NewTable[EmployeeMerchant]("employee merchant", d.DB, d.IDs, query.Options{Tenant: query.Tenant{Organizer: "organizerId", Merchant: "merchantId"}, Order: []string{"merchantId ASC"}})

	m.users.HasMany("identifiers", m.identifiers, "id", "userId")
	m.users.HasMany("profile", m.profiles, "id", "userId")
	m.users.HasMany("roles", m.userRoles, "id", "userId")
	m.roles.HasMany("permissions", m.rolePerms, "id", "roleId")
	m.employees.BelongsTo("user", m.users, "userId", "id")
	m.employees.HasMany("merchants", m.empMerchant, "id", "employeeId")
	m.employees.HasMany("identifiers", m.identifiers, "userId", "userId")
	m.organizers.HasMany("employees", m.employees, "id", "organizerId")

	if d.Jobs != nil {
		m.registerJobs(d.Jobs)
	}
	return m, nil
}

// UseMerchants makes the module check merchant ids against commerce (see Merchants). Commerce is
// wired after identity, so the wiring calls this once both exist, before serving.
func (m *Module) UseMerchants(x Merchants) { m.merchants = x }

// Migrations returns the module's tables (in the public schema, as the document keeps identity)
// and the seed of the fixed roles and their default permissions.
func (m *Module) Migrations() db.Migrations {
	sub, _ := fs.Sub(migrationFS, "migrations")
	return db.Migrations{Module: "identity", Schema: "public", FS: sub,
		Steps: []db.Step{{Version: 2, Name: "seed_roles_and_permissions", Up: m.seed, Down: m.unseed}}}
}

// seed writes the fixed roles (id = code) and DefaultPermissions.
func (m *Module) seed(ctx context.Context, d *db.DB) error {
	now := time.Now().UTC()
	q := d.Raw(ctx, true)
	for _, r := range auth.Roles {
		if _, err := q.ExecContext(ctx, d.Rebind("INSERT INTO roles (id, code, name, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)"),
			int64(r), int(r), r.String(), roleDescriptions[r], now, now); err != nil {
			return err
		}
	}
	permIDs := map[string]int64{}
	for _, p := range defaultPermissionCodes() {
		pid := int64(m.ids.Next())
		permIDs[p] = pid
		if _, err := q.ExecContext(ctx, d.Rebind("INSERT INTO permissions (id, code, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?)"),
			pid, p, "", now, now); err != nil {
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

func (m *Module) unseed(ctx context.Context, d *db.DB) error {
	for _, t := range []string{"user_roles", "role_permissions", "permissions", "roles"} {
		if _, err := d.Raw(ctx, true).ExecContext(ctx, "DELETE FROM "+t); err != nil {
			return err
		}
	}
	return nil
}
