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
	"time"

	"github.com/banapos/bana/internal/app"
	"github.com/banapos/bana/internal/commerce"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/clock"
	"github.com/banapos/bana/internal/platform/config"
	"github.com/banapos/bana/internal/platform/db/dbtest"
	"github.com/banapos/bana/internal/platform/id"
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
	return StartWithClock(t, tg, extra, clock.Real{})
}

// StartWithClock is Start with the clock every module reads: a test that waits for a time
// (an expiry, a hold) passes a clock.Fake and moves it.
func StartWithClock(t testing.TB, tg dbtest.Target, extra Vars, clk clock.Clock) *Env {
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
	a, err := app.NewWithClock(ctx, cfg, log, clk)
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

// EachWithClock runs f against every target as subtests, each server on a fake clock set at
// start (moved by the test).
func EachWithClock(t *testing.T, start time.Time, f func(t *testing.T, e *Env, clk *clock.Fake)) {
	t.Helper()
	for _, tg := range dbtest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			clk := clock.NewFake(start)
			f(t, StartWithClock(t, tg, nil, clk), clk)
		})
	}
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

// Tokens of the usual callers, the same in every module's tests. An owner holds every
// permission unless perms are given; an employee only the perms given.

// AdminToken signs a SUPER_ADMIN token.
func (e *Env) AdminToken() string {
	return e.Token(&auth.Principal{UserID: 1, Roles: []auth.Role{auth.SuperAdmin}, Kind: auth.KindUser})
}

// OwnerToken signs an ORGANIZER_OWNER token of the organizer.
func (e *Env) OwnerToken(organizer id.ID, perms ...string) string {
	if len(perms) == 0 {
		perms = []string{"*"}
	}
	return e.Token(&auth.Principal{UserID: organizer + 1, Roles: []auth.Role{auth.OrganizerOwner}, OrganizerID: organizer,
		Permissions: perms, Kind: auth.KindUser})
}

// EmployeeToken signs an EMPLOYEE token of the organizer, placed at the merchants.
func (e *Env) EmployeeToken(organizer id.ID, merchants []id.ID, perms ...string) string {
	return e.Token(&auth.Principal{UserID: organizer + 2, Roles: []auth.Role{auth.Employee}, OrganizerID: organizer,
		MerchantIDs: merchants, Permissions: perms, Kind: auth.KindUser})
}

// Merchant onboards a new OPEN food-and-beverage merchant of the organizer through the commerce
// module (as the system) and returns its id. Rows of an owner must name real merchants of its
// organizer (auth.ActFor looks them up), so tests make them here rather than invent ids.
// Commerce does not check that the organizer exists.
func (e *Env) Merchant(organizer id.ID) id.ID {
	e.T.Helper()
	res, err := e.App.Commerce.Onboard(auth.System(context.Background()), commerce.OnboardInput{OrganizerID: organizer,
		Name: "Quán " + e.App.IDs.Next().String(), Type: commerce.TypeFNB})
	if err != nil {
		e.T.Fatalf("onboarding a merchant of %s: %v", organizer, err)
	}
	return res.Merchant.ID
}

// Eventually polls cond every 20ms until it holds, and fails the test after 30 seconds. It is
// for work that background jobs finish on their own schedule; to make a job due, move the
// application's clock instead of waiting.
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// RunScheduledJobs runs the jobs scheduled on queue (of kind, or any kind when "") now, waits
// until each has completed, and returns how many there were. A test on a fake clock moves the
// clock past a job's time, then calls this: River schedules by the wall clock, and the job
// decides by the module's clock whether its time has come.
func (e *Env) RunScheduledJobs(queue, kind string) int {
	e.T.Helper()
	ctx := context.Background()
	due, err := e.App.Jobs.List(ctx, queue, "scheduled", kind, 1000)
	if err != nil {
		e.T.Fatal(err)
	}
	for _, j := range due {
		if _, err := e.App.Jobs.Retry(ctx, j.ID); err != nil {
			e.T.Fatal(err)
		}
	}
	Eventually(e.T, "the scheduled "+queue+" jobs to complete", func() bool {
		done, err := e.App.Jobs.List(ctx, queue, "completed", kind, 1000)
		if err != nil {
			e.T.Fatal(err)
		}
		finished := map[int64]bool{}
		for _, j := range done {
			finished[j.ID] = true
		}
		for _, j := range due {
			if !finished[j.ID] {
				return false
			}
		}
		return true
	})
	return len(due)
}

// SignUp signs a seller up over HTTP (a default password when body has none) and returns the
// session as JSON; anything but a 201 fails the test.
func (e *Env) SignUp(body map[string]any) map[string]any {
	e.T.Helper()
	if body["password"] == nil {
		body["password"] = "Cà phê sữa đá 2024"
	}
	return e.Must(201, Request{Method: "POST", Path: "/auth/sign-up", Body: body}).Map(e.T)
}

// SignIn signs in over HTTP and returns the session as JSON; anything but a 200 fails the test.
func (e *Env) SignIn(identifier, password string) map[string]any {
	e.T.Helper()
	return e.Must(200, Request{Method: "POST", Path: "/auth/sign-in", Body: map[string]any{"identifier": identifier, "password": password}}).Map(e.T)
}
