// Package search is BANA's search (the document's @nx/search): the collections products,
// organizers, merchants, categories, devices and sale-channels, kept in a search engine from the
// domain events of commerce and identity (a change is searchable within about a second) and
// rebuilt from the database by `bana search reindex`. GET /search/{collection} answers free
// text (Vietnamese folded both ways, typos forgiven in words of 4+ letters, prefixes as a
// cashier types, barcodes and SKUs matched exactly), the filter language of
// internal/platform/query (eq, neq, gt, gte, lt, lte, between, inq, nin, and, or), facets, sort
// and pages, always within the caller's tenant.
//
// Two backends sit behind one interface (Backend): an embedded Bleve index under the data
// directory (the default, no server) and Typesense over its HTTP API (APP_ENV_TYPESENSE_NODES,
// several nodes with failover; per-merchant scoped search keys). docs/search.md has the API and
// the rules. module.go is the entry; model.go the collections, folding and the request;
// filter.go the filter language; bleve.go and typesense*.go the backends; store.go reads the
// rows; service.go the use cases; http.go the route.
package search

import (
	"context"
	"log/slog"
	"path/filepath"

	"github.com/banapos/bana/internal/platform/api"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/events"
	"github.com/banapos/bana/internal/platform/jobs"
	"github.com/banapos/bana/internal/platform/module"
)

// Queue is the module's queue: the indexing of domain events runs on it.
const Queue = "search"

// PermRead is the permission of GET /search/{collection}; each collection asks, besides, for the
// permission that reads its rows (catalog.read, merchant.read, device.read, organizer.read).
const PermRead = "catalog.read"

// Deps are what the module is built from.
type Deps struct {
	module.Platform
	// Backend holds the documents; nil: an Embedded index under <data directory>/search.
	Backend Backend
	// Sources subscribe the module to other modules' events that change indexed rows:
	// internal/app adapts them (commerce's ProductChanged, identity's organizers...).
	Sources []ChangeSource
}

// ChangeSource subscribes to an event and calls changed with what it changed, in the event
// handler (under auth.System).
type ChangeSource func(b *events.Bus, changed func(ctx context.Context, ch Change) error)

// Module is the search module.
type Module struct {
	db          *db.DB
	log         *slog.Logger
	backend     Backend
	sources     []ChangeSource
	collections map[string]*Collection
	store       *store
}

// New builds the module over its backend. The backend is reached on first use, not here: a
// command that builds the application without searching (migrate, version) leaves the embedded
// index to the server that holds it.
func New(d Deps) (*Module, error) {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Backend == nil {
		dataDir := "data"
		if d.Config != nil {
			dataDir = d.Config.DataDir
		}
		b, err := NewEmbedded(filepath.Join(dataDir, "search"))
		if err != nil {
			return nil, err
		}
		d.Backend = b
	}
	m := &Module{db: d.DB, log: d.Log, backend: d.Backend, sources: d.Sources, collections: map[string]*Collection{},
		store: &store{db: d.DB}}
	for _, c := range Collections() {
		m.collections[c.Name] = c
	}
	return m, nil
}

// Name is the module's name in APP_ENV_SERVICES.
func (m *Module) Name() string { return "search" }

// Migrations returns nothing: the index lives in the backend, not in the database.
func (m *Module) Migrations() db.Migrations { return db.Migrations{Module: "search"} }

// Routes registers GET /search/{collection}.
func (m *Module) Routes(s *api.Server) { m.routes(s) }

// Workers registers nothing: indexing runs in the event subscribers.
func (m *Module) Workers(*jobs.Client) {}

// Subscribe subscribes to the events that change indexed rows (Deps.Sources).
func (m *Module) Subscribe(b *events.Bus) {
	for _, src := range m.sources {
		src(b, m.Apply)
	}
}

// Queues names the module's queue.
func (m *Module) Queues() []string { return []string{Queue} }

// Backend returns the module's backend.
func (m *Module) Backend() Backend { return m.backend }

// Close closes the backend.
func (m *Module) Close() error { return m.backend.Close() }
