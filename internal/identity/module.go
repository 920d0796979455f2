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
	"log/slog"
	"time"

	"github.com/banapos/bana/internal/platform/api"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/clock"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/events"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/jobs"
	"github.com/banapos/bana/internal/platform/mail"
	"github.com/banapos/bana/internal/platform/module"
	"github.com/banapos/bana/internal/platform/query"
	"github.com/redis/go-redis/v9"
)

// Queue is the identity module's job queue (the purge of expired verification codes).
const Queue = "identity"

// Permissions of identity's routes. The CRUD resources take "<prefix>.read", "<prefix>.write"
// and "<prefix>.delete" of their prefix; users, roles and permissions are besides confined to
// platform staff by role.
const (
	PermUser          = "user"
	PermUserRead      = "user.read"
	PermRole          = "role"
	PermPermission    = "permission"
	PermOrganizer     = "organizer"
	PermEmployee      = "employee"
	PermEmployeeWrite = "employee.write"
)

// Merchants tells which organizer a merchant belongs to. Commerce owns merchants; when it is
// wired, identity refuses to map an employee to another organizer's merchant. Without it, any id
// is accepted: the tenant scope still confines the employee to its own organizer's rows.
type Merchants interface {
	MerchantOrganizer(ctx context.Context, merchantID id.ID) (id.ID, error)
}

// Deps are what the module is built from: the platform (its database, ids, clock, logger, token
// signer, event bus, jobs, and the application secret in Config, which keys the hashes of
// verification codes) and what it may do without.
type Deps struct {
	module.Platform
	Mailer mail.Mailer   // nil: mail is logged
	Redis  *redis.Client // nil: throttle counters live in the database
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
	// Compared, when set, is called at every bcrypt comparison of a password or PIN, with the
	// cost of the hash compared: tests count them to prove that every answer to a sign-in did
	// the same work, whether the account exists or not, without timing it.
	Compared func(cost int)
}

// Module is the identity module.
type Module struct {
	db        *db.DB
	ids       *id.Generator
	tokens    *auth.Tokens
	events    *events.Bus
	mailer    mail.Mailer
	log       *slog.Logger
	clock     clock.Clock
	merchants Merchants
	opts      Options
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
}

//go:embed migrations/*.sql
var migrationFS embed.FS

// New builds the module.
func New(d Deps, o Options) (*Module, error) {
	if d.DB == nil || d.IDs == nil || d.Tokens == nil || d.Events == nil || d.Log == nil || d.Config == nil {
		return nil, errors.New("identity: DB, IDs, Tokens, Events, Log and Config are required")
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
	h, err := newHasher(o.BcryptCost, o.Compared)
	if err != nil {
		return nil, err
	}
	mac := hmac.New(sha256.New, []byte(d.Config.Secret))
	mac.Write([]byte("bana identity: email verification codes"))
	m := &Module{db: d.DB, ids: d.IDs, tokens: d.Tokens, events: d.Events, mailer: d.Mailer, log: d.Log,
		clock: clock.Or(d.Clock), merchants: d.Merchants, opts: o, hash: h, codeKey: mac.Sum(nil),
		basic: newBasicCache(4096, time.Minute), accounts: newAccountCache(10000, 2*time.Second)}
	if m.mailer == nil {
		m.mailer = &mail.Log{Logger: d.Log, From: "BANA <no-reply@bana.local>"}
	}
	var lim Limiter = &dbLimiter{db: d.DB, clock: m.clock}
	if d.Redis != nil {
		lim = &redisLimiter{rdb: d.Redis, prefix: o.Namespace + ":identity:", fallback: lim, log: d.Log, clock: m.clock}
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
	m.organizers.SetHooks(m.organizerHooks())
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
	m.setHooks()

	return m, nil
}

// now is the module's one reading of the time, in UTC.
func (m *Module) now() time.Time { return m.clock.Now().UTC() }

// Name is the module's name in APP_ENV_SERVICES.
func (m *Module) Name() string { return "identity" }

// Queues names the module's job queue.
func (m *Module) Queues() []string { return []string{Queue} }

// Workers registers the hourly purge.
func (m *Module) Workers(j *jobs.Client) { m.registerJobs(j) }

// Subscribe subscribes to nothing: identity publishes SellerRegistered, it hears no event.
func (m *Module) Subscribe(*events.Bus) {}

// UseMerchants makes the module check merchant ids against commerce (see Merchants). Commerce is
// wired after identity, so the wiring calls this once both exist, before serving.
func (m *Module) UseMerchants(x Merchants) { m.merchants = x }

// Migrations returns the module's tables (in the public schema, as the document keeps identity),
// the seed of the fixed roles and their default permissions (DefaultPermissions as the code has
// them when a database is made), and the defaults added since, for databases made before.
func (m *Module) Migrations() db.Migrations {
	return db.Migrations{Module: "identity", Schema: "public", FS: db.MigrationFiles(migrationFS),
		Steps: []db.Step{
			{Version: 2, Name: "seed_roles_and_permissions", Up: m.seedRoles, Down: m.unseedRoles},
			{Version: 3, Name: "employee_pricing_read", Up: m.grantEmployeePricingRead, Down: m.revokeEmployeePricingRead},
			optionalText(),
		}}
}

// Routes registers the module's operations (the authorization matrix in internal/app walks them
// through api.Server.Operations, with every other module's).
func (m *Module) Routes(s *api.Server) {
	m.authRoutes(s)
	m.userRoutes(s)
	m.roleRoutes(s)
	m.organizerRoutes(s)
	m.employeeRoutes(s)
}

// setHooks installs the rules that hold for every write of a table, whether it comes from the
// CRUD routes or from the module's own code: a changed account is dropped from who-am-i's cache
// at once; a fixed role is never deleted; SUPER_ADMIN and ADMIN are taken away only by a
// SUPER_ADMIN, as they are granted.
func (m *Module) setHooks() {
	forgetUser := func(_ context.Context, before, _ *User) error {
		m.accounts.forget(before.ID)
		return nil
	}
	m.users.SetHooks(query.Hooks[User]{Update: forgetUser, Delete: forgetUser, Restore: forgetUser})
	forgetEmployee := func(_ context.Context, before, _ *Employee) error {
		m.accounts.forget(before.UserID)
		return nil
	}
	m.employees.SetHooks(query.Hooks[Employee]{Update: forgetEmployee, Delete: forgetEmployee, Restore: forgetEmployee})
	m.roles.SetHooks(query.Hooks[Role]{Delete: func(_ context.Context, before, _ *Role) error {
		if isFixed(int(before.ID)) {
			return told(ErrFixedRole, before.Name+" is one of the fixed roles and cannot be deleted")
		}
		return nil
	}})
	m.userRoles.SetHooks(query.Hooks[UserRole]{Delete: func(ctx context.Context, before, _ *UserRole) error {
		return checkGrant(ctx, "path.id", []auth.Role{auth.Role(before.RoleID)})
	}})
}

// optionalText is the step that stores absent optional text as NULL
// (docs/decisions/0016-null-for-absent-text.md).
func optionalText() db.Step {
	return db.OptionalText(4, "optional_text",
		db.TextColumns{Table: "user_profiles", Columns: []string{"first_name", "last_name"}},
		db.TextColumns{Table: "roles", Columns: []string{"description"}},
		db.TextColumns{Table: "permissions", Columns: []string{"description"}},
		db.TextColumns{Table: "employees", Columns: []string{"code", "title"}},
		db.TextColumns{Table: "mail_verifications", Columns: []string{"code_hash"}},
	)
}
