// Package apptest starts the real BANA server on a real database for HTTP tests: SQLite always,
// PostgreSQL too when BANA_TEST_POSTGRES_URL is set.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/banapos/bana/internal/app"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/config"
	"github.com/banapos/bana/internal/platform/db/dbtest"
)

// Env is a running server.
type Env struct {
	T      testing.TB
	App    *app.App
	URL    string // base URL including the API base path
	Root   string // server root URL
	Target string // "sqlite" or "postgres"
}

// Vars are extra APP_ENV_* settings for a test.
type Vars map[string]string

// Start builds, migrates and serves BANA on the target, stopping it when t ends.
func Start(t testing.TB, tg dbtest.Target, extra Vars) *Env {
	t.Helper()
	vars := map[string]string{
		"APP_ENV_NODE_ENV":           "test",
		"APP_ENV_DATA_DIR":           t.TempDir(),
		"APP_ENV_APPLICATION_SECRET": "test-application-secret-0123456789abcdef",
		"APP_ENV_JWT_SECRET":         "test-jwt-secret-0123456789abcdef0123456789",
		"APP_ENV_LOG_LEVEL":          "warn",
	}
	if tg.Options.PostgresDSN != "" {
		vars["APP_ENV_POSTGRES_URL"] = tg.Options.PostgresDSN
	} else {
		vars["APP_ENV_DATA_DIR"] = strings.TrimSuffix(tg.Options.SQLitePath, "/bana.db")
	}
	for k, v := range extra {
		vars[k] = v
	}
	cfg, err := config.FromLookup(func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx := context.Background()
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	m, err := a.Migrator()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	if err := a.Start(runCtx); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Server.Handler())
	t.Cleanup(func() {
		srv.Close()
		stop()
		_ = a.Stop()
		a.Close()
	})
	return &Env{T: t, App: a, URL: srv.URL + cfg.Server.BasePath, Root: srv.URL, Target: tg.Name}
}

// Each runs f against every target as subtests.
func Each(t *testing.T, f func(t *testing.T, e *Env)) {
	t.Helper()
	for _, tg := range dbtest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) { f(t, Start(t, tg, nil)) })
	}
}

// Token signs a bearer token for p.
func (e *Env) Token(p *auth.Principal) string {
	s, _, err := e.App.Tokens.Issue(p, 0)
	if err != nil {
		e.T.Fatal(err)
	}
	return s
}

// Request is one call.
type Request struct {
	Method  string
	Path    string // relative to the API base path
	Body    any    // marshalled as JSON unless it is a string or []byte
	Token   string
	Headers map[string]string
}

// Response is what came back.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Map decodes the body as an object.
func (r *Response) Map(t testing.TB) map[string]any {
	var m map[string]any
	r.JSON(t, &m)
	return m
}

// Do sends the request.
func (e *Env) Do(r Request) *Response {
	e.T.Helper()
	var body io.Reader
	switch b := r.Body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.T.Fatal(err)
		}
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(r.Method, e.URL+r.Path, body)
	if err != nil {
		e.T.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.Token != "" {
		if strings.HasPrefix(r.Token, "Basic ") {
			req.Header.Set("Authorization", r.Token)
		} else {
			req.Header.Set("Authorization", "Bearer "+r.Token)
		}
	}
	for k, v := range r.Headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.T.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: raw}
}

// Must sends the request and fails the test unless the status is want.
func (e *Env) Must(want int, r Request) *Response {
	e.T.Helper()
	resp := e.Do(r)
	if resp.Status != want {
		e.T.Fatalf("%s %s: status %d, want %d: %s", r.Method, r.Path, resp.Status, want, resp.Body)
	}
	return resp
}
