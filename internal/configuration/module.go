// Package configuration owns the document's Configuration table: typed settings per organizer or
// merchant (payment credentials, invoice provider settings, feature switches). A SECRET value is
// sealed with AES-256-GCM before it is stored and never returned by the CRUD routes; the modules
// that need it (payment, invoice) read it through Module.Secret, and a caller holding
// PermReveal opens it through POST /configurations/{id}/reveal.
//
// module.go is the entry (Deps, Module, New, the module contract and the routes); model.go the
// row and its data types; errors.go the typed errors; service.go the checks, the sealing and
// Secret; http.go the reveal operation. The module has no SQL of its own: its one table is a
// query.Table, confined to the caller's tenant.
package configuration

import (
	"embed"

	"github.com/banapos/bana/internal/platform/api"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/module"
	"github.com/banapos/bana/internal/platform/query"
	"github.com/banapos/bana/internal/platform/secret"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Permissions: the CRUD routes take permission.read/write/delete; opening a SECRET takes
// PermReveal, which reading does not imply.
const (
	permission = "configuration"
	PermReveal = "configuration.reveal"
)

// Deps are what the module needs of the platform: the database, ids and the keyring that seals
// SECRET values.
type Deps struct {
	module.Platform
}

// Module serves configurations. It has no workers, subscribers or queues (module.Base).
type Module struct {
	module.Base
	table *query.Table[Configuration]
	keys  *secret.Keyring
}

// New builds the module.
func New(d Deps) *Module {
	t := query.NewTable[Configuration]("configuration", d.DB, d.IDs, query.Options{
		Tenant: query.Tenant{Organizer: "organizerId", Merchant: "merchantId"},
		Order:  []string{"code ASC"},
	})
	return &Module{table: t, keys: d.Keys}
}

// Name is the module's name in APP_ENV_SERVICES.
func (m *Module) Name() string { return "configuration" }

// Migrations returns the module's schema (PostgreSQL schema public, the document's).
func (m *Module) Migrations() db.Migrations {
	return db.Migrations{Module: "configuration", Schema: "public", FS: db.MigrationFiles(migrationFS), Steps: []db.Step{optionalText()}}
}

// Routes registers the CRUD routes (SECRET values withheld) and the reveal route.
func (m *Module) Routes(s *api.Server) {
	api.RegisterCRUD(s, api.CRUD[Configuration]{
		Table: m.table, Path: "/configurations", Tag: "Configurations", Singular: "configuration",
		Permission: permission, Validate: m.validate, Output: redact,
	})
	m.revealRoute(s)
}

// optionalText is the step that stores absent optional text as NULL
// (docs/decisions/0016-null-for-absent-text.md).
func optionalText() db.Step {
	return db.OptionalText(2, "optional_text",
		db.TextColumns{Table: "configurations", Columns: []string{"description"}},
	)
}
