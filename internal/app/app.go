// Package app wires BANA together: it opens the database, builds the modules the configuration
// selects with plain constructors, registers their routes and migrations, and runs the server.
package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/banapos/bana/internal/platform/api"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/clock"
	"github.com/banapos/bana/internal/platform/config"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/events"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/idempotency"
	"github.com/banapos/bana/internal/platform/jobs"
	"github.com/banapos/bana/internal/platform/module"
	"github.com/banapos/bana/internal/platform/realtime"
	"github.com/banapos/bana/internal/platform/requestid"
	"github.com/banapos/bana/internal/platform/secret"
	"github.com/joho/godotenv"
	"github.com/redis/go-redis/v9"
)

// Version is set at build time with -ldflags "-X github.com/banapos/bana/internal/app.Version=...".
var Version = "dev"

// App is a built BANA process.
type App struct {
	Cfg    *config.Config
	Log    *slog.Logger
	DB     *db.DB
	IDs    *id.Generator
	Keys   *secret.Keyring
	Tokens *auth.Tokens
	Server *api.Server
	Jobs   *jobs.Client
	Events *events.Bus
	Live   *realtime.Hub
	Idem   *idempotency.Store
	Clock  clock.Clock

	// Each domain module is wired in its own file (wire_<module>.go) that declares its field here
	// by embedding and builds it with plain constructors; modules.go lists them.
	configurationWiring
	identityWiring
	commerceWiring
	pricingWiring
	inventoryWiring
	saleWiring
	paymentWiring
	assetWiring
	searchWiring
	webhookWiring
	signalWiring

	migrations []db.Migrations
	modules    []module.Module // built, in dependency order
	served     []string        // the names of those this process serves
}

// NewLogger builds the process logger from the configuration.
func NewLogger(c *config.Config) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(c.Log.Level))
	opts := &slog.HandlerOptions{Level: lvl}
	if c.Log.Format == "json" {
		return slog.New(requestid.Handler(slog.NewJSONHandler(os.Stderr, opts)))
	}
	return slog.New(requestid.Handler(slog.NewTextHandler(os.Stderr, opts)))
}

// New opens the database and builds every module on the wall clock. It does not migrate or
// listen.
func New(ctx context.Context, c *config.Config, log *slog.Logger) (*App, error) {
	return NewWithClock(ctx, c, log, clock.Real{})
}

// NewWithClock is New with the clock every module reads (tests pass a clock.Fake).
func NewWithClock(ctx context.Context, c *config.Config, log *slog.Logger, clk clock.Clock) (*App, error) {
	if err := ensureSecrets(c, log); err != nil {
		return nil, err
	}
	opts := db.Options{PostgresDSN: "", SQLitePath: filepath.Join(c.DataDir, "bana.db")}
	if c.Postgres.Enabled() {
		opts = db.Options{PostgresDSN: c.Postgres.DSN(), MaxConns: c.Postgres.MaxConns}
	}
	d, err := db.Open(ctx, opts)
	if err != nil {
		return nil, err
	}
	a := &App{Cfg: c, Log: log, DB: d, Clock: clk}
	if a.IDs, err = id.NewGenerator(c.Snowflake.WorkerID, c.Snowflake.Epoch); err != nil {
		d.Close()
		return nil, err
	}
	if a.Keys, err = secret.NewKeyring(c.Secret, os.Getenv("APP_ENV_APPLICATION_SECRET_PREVIOUS")); err != nil {
		d.Close()
		return nil, fmt.Errorf("APP_ENV_APPLICATION_SECRET: %w", err)
	}
	if a.Tokens, err = auth.NewTokens(c.JWT.Secret, c.JWT.ExpiresIn); err != nil {
		d.Close()
		return nil, fmt.Errorf("APP_ENV_JWT_SECRET: %w", err)
	}
	a.Server = api.New(api.Options{
		Title: "BANA", Version: Version, BasePath: c.Server.BasePath, CORSOrigins: c.Server.CORSOrigins,
		MaxBodyBytes: c.Server.MaxBodyBytes, Logger: log, ResponseShape: api.Shape(c.Server.ResponseShape),
		Auth: &auth.Authenticator{Tokens: a.Tokens},
	})
	a.Server.AddCheck(api.Check{Name: "database", Ping: d.Ping})

	a.Jobs = jobs.New(d, jobs.Options{Logger: log, ID: c.AppName + "-" + fmt.Sprint(c.Snowflake.WorkerID), RescueAfter: c.Jobs.RescueAfter})
	a.Jobs.Routes(a.Server)
	a.Events = events.New(d, a.Jobs, a.IDs, log)
	a.Events.Routes(a.Server)
	pub, sub := pubSubClients(c)
	a.Live = realtime.New(log, pub, sub)
	a.Idem = idempotency.New(d, a.Jobs)

	a.migrations = []db.Migrations{a.Jobs.Migrations(), a.Events.Migrations(), a.Idem.Migrations()}
	if err := a.buildModules(ctx); err != nil {
		d.Close()
		return nil, err
	}
	return a, nil
}

func redisClient(e config.RedisEndpoint) *redis.Client {
	if !e.Enabled() {
		return nil
	}
	return redis.NewClient(&redis.Options{Addr: e.Addr(), Password: e.Password, DB: e.DB,
		DialTimeout: 2 * time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second})
}

// Platform is what the platform gives every module (module.Platform), for the build functions.
func (a *App) Platform() module.Platform {
	return module.Platform{Config: a.Cfg, DB: a.DB, IDs: a.IDs, Clock: a.Clock, Log: a.Log, Jobs: a.Jobs, Events: a.Events,
		Live: a.Live, Idem: a.Idem, Keys: a.Keys, Tokens: a.Tokens}
}

// Migrations lists every module's migrations in dependency order.
func (a *App) Migrations() []db.Migrations { return a.migrations }

// Start begins background work: job workers and realtime fan-out from Redis.
func (a *App) Start(ctx context.Context) error {
	if err := a.Jobs.Start(ctx); err != nil {
		return err
	}
	go a.Live.Run(ctx)
	return nil
}

// Stop drains running jobs for up to 10 seconds.
func (a *App) Stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return a.Jobs.Stop(ctx)
}

// Migrator returns the migrator over every module.
func (a *App) Migrator() (*db.Migrator, error) { return db.NewMigrator(a.DB, a.Migrations()...) }

// Close releases the database.
func (a *App) Close() error {
	a.closeSearch()
	return a.DB.Close()
}

// Serve starts background work, listens until ctx ends, then drains requests for up to 15
// seconds and running jobs for up to 10.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.Server.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	if err := a.Start(ctx); err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.Log.Info("shutting down: draining requests and jobs")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return a.Stop()
}

// ensureSecrets fills missing secrets outside production from <data>/secrets.env, creating it
// with random values on first start, so that `make run` needs no settings and tokens survive a
// restart. Production refuses to start without them (config checks that).
func ensureSecrets(c *config.Config, log *slog.Logger) error {
	if c.Secret != "" && c.JWT.Secret != "" {
		return nil
	}
	path := filepath.Join(c.DataDir, "secrets.env")
	vals, err := godotenv.Read(path)
	if err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	if vals == nil {
		vals = map[string]string{}
	}
	changed := false
	for _, k := range []string{"APP_ENV_APPLICATION_SECRET", "APP_ENV_JWT_SECRET"} {
		if vals[k] == "" {
			b := make([]byte, 32)
			_, _ = rand.Read(b)
			vals[k] = hex.EncodeToString(b)
			changed = true
		}
	}
	if changed {
		if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
			return err
		}
		if err := godotenv.Write(vals, path); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
		_ = os.Chmod(path, 0o600)
		log.Info("generated local secrets; set APP_ENV_APPLICATION_SECRET and APP_ENV_JWT_SECRET in production", "file", path)
	}
	if c.Secret == "" {
		c.Secret = vals["APP_ENV_APPLICATION_SECRET"]
	}
	if c.JWT.Secret == "" {
		c.JWT.Secret = vals["APP_ENV_JWT_SECRET"]
	}
	return nil
}
