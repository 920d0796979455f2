package identity_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/commerce"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/clock"
	"github.com/banapos/bana/internal/platform/db/dbtest"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/redis/go-redis/v9"
)

// jwtSecret is the HS256 key apptest gives the server.
const jwtSecret = "test-jwt-secret-0123456789abcdef0123456789"

func q(s string) string { return url.QueryEscape(s) }

func rnd() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// vars returns settings that keep a test's Redis keys apart from any other test's.
func vars(extra ...map[string]string) apptest.Vars {
	v := apptest.Vars{"APP_ENV_APPLICATION_NAME": "bana-test-" + rnd()}
	for _, e := range extra {
		for k, x := range e {
			v[k] = x
		}
	}
	return v
}

// redisVars points the cache role at BANA_TEST_REDIS_URL, or returns nil when it is unset.
func redisVars(t *testing.T) map[string]string {
	raw := os.Getenv("BANA_TEST_REDIS_URL")
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("BANA_TEST_REDIS_URL: %v", err)
	}
	out := map[string]string{"APP_ENV_CACHE_REDIS_HOST": u.Hostname(), "APP_ENV_CACHE_REDIS_PORT": u.Port()}
	if out["APP_ENV_CACHE_REDIS_PORT"] == "" {
		out["APP_ENV_CACHE_REDIS_PORT"] = "6379"
	}
	if p, ok := u.User.Password(); ok {
		out["APP_ENV_CACHE_REDIS_PASSWORD"] = p
	}
	if n, err := strconv.Atoi(strings.TrimPrefix(u.Path, "/")); err == nil {
		out["APP_ENV_CACHE_REDIS_DB"] = strconv.Itoa(n)
	}
	return out
}

// each runs f on every database target with its own server.
func each(t *testing.T, extra map[string]string, f func(t *testing.T, e *apptest.Env)) {
	t.Helper()
	for _, tg := range dbtest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) { f(t, apptest.Start(t, tg, vars(extra))) })
	}
}

// merchant onboards a new OPEN merchant of the organizer through the commerce module and returns
// its id: identity places employees only at real merchants of their own organizer. Commerce does
// not check that the organizer exists, so tests may also give merchants to unknown organizers.
func merchant(t *testing.T, e *apptest.Env, organizerID string) string {
	t.Helper()
	org, err := id.Parse(organizerID)
	if err != nil {
		t.Fatalf("organizer %q: %v", organizerID, err)
	}
	res, err := e.App.Commerce.Onboard(auth.System(t.Context()), commerce.OnboardInput{OrganizerID: org, Name: "Quán " + rnd(), Type: commerce.TypeFNB})
	if err != nil {
		t.Fatalf("onboarding a merchant of %s: %v", organizerID, err)
	}
	if res.Merchant.Status != commerce.Open || res.Merchant.OrganizerID != org {
		t.Fatalf("onboarded merchant: %+v", res.Merchant)
	}
	return res.Merchant.ID.String()
}

func basic(identifier, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(identifier+":"+password))
}

func token(s map[string]any) string { return s["token"].(string) }

func user(s map[string]any) map[string]any { return s["user"].(map[string]any) }

func identifierOf(u map[string]any, scheme string) string {
	for _, i := range u["identifiers"].([]any) {
		m := i.(map[string]any)
		if m["scheme"] == scheme {
			return m["value"].(string)
		}
	}
	return ""
}

func count(t *testing.T, e *apptest.Env, q string, args ...any) int {
	t.Helper()
	var n int
	d := e.App.DB
	if err := d.Raw(t.Context(), false).QueryRowContext(t.Context(), d.Rebind(q), args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// redisKeys counts the keys matching pattern on BANA_TEST_REDIS_URL (0 when it is unset).
func redisKeys(t *testing.T, pattern string) int {
	t.Helper()
	raw := os.Getenv("BANA_TEST_REDIS_URL")
	if raw == "" {
		return 0
	}
	o, err := redis.ParseURL(raw)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(o)
	defer c.Close()
	keys, err := c.Keys(t.Context(), pattern).Result()
	if err != nil {
		t.Fatalf("BANA_TEST_REDIS_URL is set but Redis is unreachable: %v", err)
	}
	return len(keys)
}

// TestSharedServer runs, on one server per database, the HTTP tests that need no server of their
// own: each works in organizers and accounts it makes itself and reads nothing that counts every
// row, and together they stay far below the per-address sign-in limit that they share (about a
// dozen failed sign-ins of the 30 in 15 minutes). Starting a server migrates every module, which
// costs more than most of these tests, several seconds under the race detector. A test that
// counts all rows, throttles the address, or needs its own settings keeps its own server.
func TestSharedServer(t *testing.T) {
	each(t, nil, func(t *testing.T, e *apptest.Env) {
		for _, c := range []struct {
			name string
			test func(t *testing.T, e *apptest.Env)
		}{
			{"NoAccountEnumeration", testNoAccountEnumeration},
			{"ChangePassword", testChangePassword},
			{"BasicCacheFollowsPasswordChange", testBasicCacheFollowsPasswordChange},
			{"BlockedUser", testBlockedUser},
			{"EmployeesAndTenantScope", testEmployeesAndTenantScope},
			{"PINSignIn", testPINSignIn},
			{"TokensVerifyWithJOSE", testTokensVerifyWithJOSE},
			{"RolesAndPermissions", testRolesAndPermissions},
		} {
			t.Run(c.name, func(t *testing.T) { c.test(t, on(t, e)) })
		}
	})
}

// on returns the shared server e reporting to the subtest t (a subtest may not fail its parent).
func on(t *testing.T, e *apptest.Env) *apptest.Env {
	sub := *e
	sub.T = t
	return &sub
}

// eachAt is each with every server on a fake clock that the test moves (set at the wall clock's
// time: tokens are stamped by the wall clock).
func eachAt(t *testing.T, extra map[string]string, f func(t *testing.T, e *apptest.Env, clk *clock.Fake)) {
	t.Helper()
	for _, tg := range dbtest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			clk := clock.NewFake(time.Now())
			f(t, apptest.StartWithClock(t, tg, vars(extra), clk), clk)
		})
	}
}

// eachLimiter runs f with the throttle counters in the database, and again in Redis when
// BANA_TEST_REDIS_URL is set.
func eachLimiter(t *testing.T, f func(t *testing.T, e *apptest.Env, clk *clock.Fake)) {
	t.Run("database", func(t *testing.T) { eachAt(t, nil, f) })
	if rv := redisVars(t); rv != nil {
		t.Run("redis", func(t *testing.T) { eachAt(t, rv, f) })
	}
}

// client is a caller at its own loopback address: the server sees each as a different client
// address (Linux routes all of 127.0.0.0/8 to the loopback interface).
type client struct {
	e    *apptest.Env
	addr string
	http *http.Client
}

// from returns a client whose requests leave from the loopback address ip.
func from(t *testing.T, e *apptest.Env, ip string) *client {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
	tr := &http.Transport{DialContext: d.DialContext}
	t.Cleanup(tr.CloseIdleConnections)
	c := &client{e: e, addr: ip, http: &http.Client{Transport: tr}}
	probe, err := d.Dial("tcp", strings.TrimPrefix(e.Root, "http://"))
	if err != nil {
		t.Skipf("cannot call the server from %s (this test needs all of 127.0.0.0/8 on loopback, as Linux has): %v", ip, err)
	}
	probe.Close()
	return c
}

// do sends r (as apptest.Env.Do does) and fails the test unless the status is want.
func (c *client) do(want int, r apptest.Request) *apptest.Response {
	c.e.T.Helper()
	var body io.Reader
	if r.Body != nil {
		raw, err := json.Marshal(r.Body)
		if err != nil {
			c.e.T.Fatal(err)
		}
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(r.Method, c.e.URL+r.Path, body)
	if err != nil {
		c.e.T.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.Token != "" {
		req.Header.Set("Authorization", r.Token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.e.T.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		c.e.T.Fatalf("%s %s from %s: status %d, want %d: %s", r.Method, r.Path, c.addr, resp.StatusCode, want, raw)
	}
	return &apptest.Response{Status: resp.StatusCode, Header: resp.Header, Body: raw}
}

// signIn posts an identifier and password to /auth/sign-in and expects status want.
func (c *client) signIn(want int, identifier, password string) *apptest.Response {
	c.e.T.Helper()
	return c.do(want, apptest.Request{Method: "POST", Path: "/auth/sign-in", Body: map[string]any{"identifier": identifier, "password": password}})
}

// basic calls a protected route of another module with HTTP Basic and expects status want.
func (c *client) basic(want int, identifier, password string) *apptest.Response {
	c.e.T.Helper()
	return c.do(want, apptest.Request{Method: "GET", Path: "/configurations", Token: basic(identifier, password)})
}
