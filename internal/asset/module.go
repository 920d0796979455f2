// Package asset stores files (the document's @nx/asset): product photos, merchant logos, the
// books ledger keeps and the XML and PDF invoice keeps. Objects live in a Storage backend, local
// disk by default (under the data directory) or S3-compatible storage (MinIO, APP_ENV_MINIO_*),
// and each has a MetaLink row naming its bucket and object, its type, size and etag, and the
// principal it is attached to (a product, a merchant...), confined to its organizer and merchant
// like every tenant row.
//
// Uploads stream (POST /assets, multipart): an object goes to the backend as it arrives, checked
// on the way against its kind's size limit, its declared type checked against its content; an
// image's dimensions are recorded and a product's photo gets a thumbnail. Downloads are links:
// presigned by S3, or signed by the module for disk (an HMAC over the path and the expiry, with
// a key kept sealed, judged by the injected clock). A deleted row keeps its object for the
// retention period (a restore finds it), then a job removes both; a hard delete, or the
// deletion of the principal, removes the objects by a job, retried until it succeeds. Static
// resources (templates, banners) are files on local disk under /resources.
//
// Other modules use the Go API (Put, Get, Delete, SignedURL, DeletePrincipal); docs/asset.md
// has the API and the rules. module.go is the entry (Deps, Module, New, the module contract);
// model.go the row and the pure rules (kinds, types, limits); storage.go, disk.go and s3.go the
// backends; sign.go the signed links; image.go dimensions and thumbnails; service.go the use
// cases; jobs.go the deletion jobs; http.go and resources.go the routes; store.go its SQL.
package asset

import (
	"context"
	"embed"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/banapos/bana/internal/platform/api"
	"github.com/banapos/bana/internal/platform/clock"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/events"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/jobs"
	"github.com/banapos/bana/internal/platform/module"
	"github.com/banapos/bana/internal/platform/query"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Queue is the module's job queue: the removal of objects.
const Queue = "asset"

// Permissions of the routes: reading rows and links, uploading, deleting.
const (
	PermRead   = "asset.read"
	PermWrite  = "asset.write"
	PermDelete = "asset.delete"
)

// Deps are what the module is built from.
type Deps struct {
	module.Platform
	// Storage is the backend of uploaded objects (/assets); nil: a Disk under
	// <data directory>/assets.
	Storage Storage
	// Resources keeps the static resources (/resources); nil: a Disk under
	// <data directory>/resources.
	Resources *Disk
	// Limits bound uploads; zero fields take DefaultLimits'.
	Limits Limits
	// Deletions subscribe the module to other modules' events that delete a principal:
	// internal/app adapts them (a product's deletion, from commerce).
	Deletions []DeletionSource
}

// DeletionSource subscribes to an event that deletes a principal and calls deleted with it, in
// the event handler (under auth.System).
type DeletionSource func(b *events.Bus, deleted func(ctx context.Context, p Principal) error)

// Module is the asset module.
type Module struct {
	db        *db.DB
	ids       *id.Generator
	clock     clock.Clock
	log       *slog.Logger
	jobs      *jobs.Client
	storage   Storage
	resources *Disk
	limits    Limits
	basePath  string
	deletions []DeletionSource

	links  *query.Table[MetaLink]
	store  *store
	signer *signer
}

// New builds the module over its backends.
func New(d Deps) (*Module, error) {
	d.Platform = d.Platform.OrDefaults()
	if d.Keys == nil {
		return nil, fmt.Errorf("asset: a keyring is needed to seal the link signing key")
	}
	dataDir, basePath, bucket := "data", "/api", "bana"
	if c := d.Config; c != nil {
		dataDir, basePath = c.DataDir, c.Server.BasePath
		if c.Minio.Bucket != "" {
			bucket = c.Minio.Bucket
		}
	}
	if basePath == "/" {
		basePath = ""
	}
	var err error
	if d.Storage == nil {
		if d.Storage, err = NewDisk(filepath.Join(dataDir, "assets"), bucket); err != nil {
			return nil, err
		}
	}
	if d.Resources == nil {
		if d.Resources, err = NewDisk(filepath.Join(dataDir, "resources"), resourceBucket); err != nil {
			return nil, err
		}
	}
	m := &Module{db: d.DB, ids: d.IDs, clock: d.Clock, log: d.Log, jobs: d.Jobs, storage: d.Storage,
		resources: d.Resources, limits: d.Limits.withDefaults(), basePath: basePath, deletions: d.Deletions,
		store: &store{db: d.DB}}
	m.signer = &signer{store: m.store, keys: d.Keys, clock: m.clock}
	m.links = query.NewTable[MetaLink]("asset", d.DB, d.IDs, query.Options{
		Tenant: query.Tenant{Organizer: "organizerId", Merchant: "merchantId"},
		Order:  []string{"createdAt DESC"},
	})
	m.links.SetHooks(query.Hooks[MetaLink]{Delete: m.deleted})
	return m, nil
}

// Name is the module's name in APP_ENV_SERVICES.
func (m *Module) Name() string { return "asset" }

// Migrations returns the module's schema: MetaLink is in the document's public schema.
func (m *Module) Migrations() db.Migrations {
	return db.Migrations{Module: "asset", Schema: "public", FS: db.MigrationFiles(migrationFS), Steps: []db.Step{optionalText()}}
}

// Routes registers /assets (the rows, uploads, links and signed downloads) and /resources.
func (m *Module) Routes(s *api.Server) {
	m.assetRoutes(s)
	m.resourceRoutes(s)
}

// Workers registers the deletion jobs.
func (m *Module) Workers(j *jobs.Client) {
	jobs.Register(j, &purgeWorker{m: m})
	jobs.Handle(j, m.deletePrincipalJob)
}

// Subscribe subscribes to the events that delete principals (Deps.Deletions).
func (m *Module) Subscribe(b *events.Bus) {
	for _, src := range m.deletions {
		src(b, m.DeletePrincipal)
	}
}

// Queues names the module's queue.
func (m *Module) Queues() []string { return []string{Queue} }

// Storage returns the backend of uploaded objects.
func (m *Module) Storage() Storage { return m.storage }

// optionalText is the step that stores absent optional text as NULL
// (docs/decisions/0016-null-for-absent-text.md).
func optionalText() db.Step {
	return db.OptionalText(2, "optional_text",
		db.TextColumns{Table: "meta_links", Columns: []string{"original_name"}},
	)
}
