package benchkit

import (
	"context"
	"log/slog"
	"net"
	"os"

	"github.com/banapos/bana/internal/app"
	"github.com/banapos/bana/internal/platform/config"
)

// InProcess is BANA's application, built by app.New as `bana serve` builds it, migrated and
// served from this process on a free loopback port, on a scratch database: SQLite in a
// temporary folder, or a scratch PostgreSQL database.
type InProcess struct {
	App    *app.App
	Base   string // the API's root URL: http://127.0.0.1:<port> and the configured base path
	DBName string // the scratch PostgreSQL database; empty on SQLite

	cleanup []func() // run in reverse order by Close
}

// StartInProcess starts the application in a temporary folder named dirPrefix<random>, which
// is also its data folder, with APP_ENV_NODE_ENV=test, fixed secrets and only errors logged (on
// standard error). With adminURL set, its database is a scratch PostgreSQL one named
// dbPrefix<random hex> on that server; without, SQLite in the folder. Close stops it and removes
// what it made.
func StartInProcess(ctx context.Context, dirPrefix, adminURL, dbPrefix string) (*InProcess, error) {
	return StartInProcessWith(ctx, dirPrefix, adminURL, dbPrefix, nil)
}

// StartInProcessWith is StartInProcess with extra APP_ENV_* settings, which win over its own.
func StartInProcessWith(ctx context.Context, dirPrefix, adminURL, dbPrefix string, extra map[string]string) (_ *InProcess, err error) {
	s := &InProcess{}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	dir, err := os.MkdirTemp("", dirPrefix)
	if err != nil {
		return nil, err
	}
	s.cleanup = append(s.cleanup, func() { os.RemoveAll(dir) })
	vars := map[string]string{
		"APP_ENV_NODE_ENV":           "test",
		"APP_ENV_DATA_DIR":           dir,
		"APP_ENV_APPLICATION_SECRET": "bench-application-secret-0123456789abcdef",
		"APP_ENV_JWT_SECRET":         "bench-jwt-secret-0123456789abcdef0123456789",
		"APP_ENV_LOG_LEVEL":          "error",
		"APP_ENV_SERVER_HOST":        "127.0.0.1",
	}
	if adminURL != "" {
		d, err := CreateDatabase(ctx, adminURL, dbPrefix)
		if err != nil {
			return nil, err
		}
		s.cleanup = append(s.cleanup, func() { _ = d.Drop() })
		vars["APP_ENV_POSTGRES_URL"] = d.URL
		s.DBName = d.Name
	}
	for k, v := range extra {
		vars[k] = v
	}
	cfg, err := config.FromLookup(func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
	if err != nil {
		return nil, err
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	a, err := app.New(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}
	s.cleanup = append(s.cleanup, func() { _ = a.Close() })
	s.App = a
	m, err := a.Migrator()
	if err != nil {
		return nil, err
	}
	if _, err := m.Up(ctx); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	runCtx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- a.Serve(runCtx, ln) }()
	s.cleanup = append(s.cleanup, func() {
		stop()
		<-served
	})
	s.Base = "http://" + ln.Addr().String() + cfg.Server.BasePath
	return s, nil
}

// Close stops serving, closes the application, drops the scratch database and removes the
// temporary folder.
func (s *InProcess) Close() {
	for i := len(s.cleanup) - 1; i >= 0; i-- {
		s.cleanup[i]()
	}
	s.cleanup = nil
}
