// Package module is the contract between the platform and a domain module: what the platform
// gives every module (Platform) and what every module gives back (Module). internal/app builds
// the modules from one list, in dependency order, and serves the ones the configuration selects;
// docs/modules.md shows the smallest complete module.
package module

import (
	"log/slog"

	"github.com/banapos/bana/internal/platform/api"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/clock"
	"github.com/banapos/bana/internal/platform/config"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/events"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/idempotency"
	"github.com/banapos/bana/internal/platform/jobs"
	"github.com/banapos/bana/internal/platform/realtime"
	"github.com/banapos/bana/internal/platform/secret"
)

// Platform is what the platform gives every module. A module's Deps embeds it and adds the
// narrow interfaces it needs of other modules.
type Platform struct {
	Config *config.Config
	DB     *db.DB
	IDs    *id.Generator
	Clock  clock.Clock
	Log    *slog.Logger
	Jobs   *jobs.Client
	Events *events.Bus
	Live   *realtime.Hub
	Idem   *idempotency.Store
	Keys   *secret.Keyring
	Tokens *auth.Tokens
}

// OrDefaults returns p with what a module may take for granted filled in where it is missing
// (tests and tools build modules from a few parts): slog's default logger, the wall clock, and
// an idempotency store over p.DB.
func (p Platform) OrDefaults() Platform {
	if p.Log == nil {
		p.Log = slog.Default()
	}
	p.Clock = clock.Or(p.Clock)
	if p.Idem == nil && p.DB != nil {
		p.Idem = idempotency.New(p.DB, nil)
	}
	return p
}

// Module is what every domain module gives the application. Name is the module's name in
// APP_ENV_SERVICES and in logs; Migrations its schema (a module owns its tables); Routes,
// Workers and Subscribe register its HTTP operations, job workers and event subscribers, and are
// called only in a process that serves the module; Queues names the job queues it inserts into.
type Module interface {
	Name() string
	Migrations() db.Migrations
	Routes(s *api.Server)
	Workers(j *jobs.Client)
	Subscribe(b *events.Bus)
	Queues() []string
}

// Base gives a module the parts it has none of: no workers, no subscribers, no queues. A plain
// CRUD module embeds it and writes only Name, Migrations and Routes.
type Base struct{}

// Workers registers nothing.
func (Base) Workers(*jobs.Client) {}

// Subscribe subscribes to nothing.
func (Base) Subscribe(*events.Bus) {}

// Queues names no queue.
func (Base) Queues() []string { return nil }
