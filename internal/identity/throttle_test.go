package identity

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/clock"
	"github.com/banapos/bana/internal/platform/config"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/db/dbtest"
	"github.com/banapos/bana/internal/platform/events"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/jobs"
	"github.com/banapos/bana/internal/platform/module"
	"github.com/redis/go-redis/v9"
	"golang.org/x/crypto/bcrypt"
)

// newTestModule builds the module on d with its real event bus and the wall clock, and migrates.
func newTestModule(t *testing.T, d *db.DB, o Options) *Module {
	t.Helper()
	return newTestModuleAt(t, d, o, clock.Real{})
}

// newTestModuleAt is newTestModule on the clock clk.
func newTestModuleAt(t *testing.T, d *db.DB, o Options, clk clock.Clock) *Module {
	t.Helper()
	ids, _ := id.NewGenerator(1, id.DefaultEpoch)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	j := jobs.New(d, jobs.Options{Logger: log})
	bus := events.New(d, j, ids, log)
	tokens, err := auth.NewTokens("unit-test-jwt-secret-0123456789", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if o.BcryptCost == 0 {
		o.BcryptCost = bcrypt.MinCost
	}
	m, err := New(Deps{Platform: module.Platform{Config: &config.Config{Secret: "unit-test-secret"}, DB: d, IDs: ids, Clock: clk,
		Log: log, Jobs: j, Events: bus, Tokens: tokens}}, o)
	if err != nil {
		t.Fatal(err)
	}
	mg, err := db.NewMigrator(d, j.Migrations(), bus.Migrations(), m.Migrations())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mg.Up(context.Background()); err != nil {
		t.Fatal(err)
	}
	return m
}

// testLimiter checks the rules every limiter keeps.
func testLimiter(t *testing.T, l Limiter, key string) {
	ctx := context.Background()
	lim := Limit{Max: 3, Window: time.Hour}
	for i := 1; i <= 3; i++ {
		d, err := l.Take(ctx, key, lim)
		if err != nil || !d.Allowed || d.Count != i {
			t.Fatalf("take %d: %+v, %v", i, d, err)
		}
	}
	d, err := l.Take(ctx, key, lim)
	if err != nil || d.Allowed || d.RetryAfter <= 0 || d.RetryAfter > time.Hour {
		t.Fatalf("fourth take: %+v, %v", d, err)
	}
	// Give returns one attempt; Clear forgets the key.
	if err := l.Give(ctx, key); err != nil {
		t.Fatal(err)
	}
	if d, _ := l.Take(ctx, key, lim); d.Count != 4 || d.Allowed {
		t.Fatalf("after give: %+v", d)
	}
	if err := l.Clear(ctx, key); err != nil {
		t.Fatal(err)
	}
	if d, _ := l.Take(ctx, key, lim); !d.Allowed || d.Count != 1 {
		t.Fatalf("after clear: %+v", d)
	}
	if err := l.Give(ctx, key+"-unknown"); err != nil {
		t.Fatal(err)
	}
	// Peek reads counts without counting: an unknown key has none.
	for range 2 {
		w, err := l.Peek(ctx, key+"-unknown", key)
		if err != nil || len(w) != 2 || w[0] != (Window{}) || w[1].Hits != 1 || w[1].Left <= 0 || w[1].Left > time.Hour {
			t.Fatalf("peek: %+v, %v", w, err)
		}
	}
	// Parallel attempts cannot slip past the limit: exactly Max of 40 are allowed.
	pkey := key + "-parallel"
	var allowed atomic.Int32
	var wg sync.WaitGroup
	for range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := l.Take(ctx, pkey, Limit{Max: 5, Window: time.Hour})
			if err != nil {
				t.Error(err)
				return
			}
			if d.Allowed {
				allowed.Add(1)
			}
		}()
	}
	wg.Wait()
	if allowed.Load() != 5 {
		t.Fatalf("%d parallel attempts allowed, want 5", allowed.Load())
	}
}

// testLimiterWindow checks, on a fake clock, that a window is fixed from its first attempt and
// ends to the millisecond by the module's clock, for Take and Peek.
func testLimiterWindow(t *testing.T, l Limiter, c *clock.Fake) {
	ctx := context.Background()
	start := c.Now()
	lim := Limit{Max: 2, Window: 15 * time.Minute}
	for range 3 {
		l.Take(ctx, "w", lim)
		c.Advance(time.Minute)
	}
	dec, _ := l.Take(ctx, "w", lim)
	if dec.Allowed || dec.RetryAfter != 12*time.Minute || dec.Left != 12*time.Minute || dec.Count != 4 {
		t.Fatalf("in the window: %+v", dec)
	}
	c.Set(start.Add(lim.Window - time.Millisecond))
	if dec, _ := l.Take(ctx, "w", lim); dec.Allowed {
		t.Fatalf("a millisecond before the end: %+v", dec)
	}
	if w, _ := l.Peek(ctx, "w"); w[0] != (Window{Hits: 5, Left: time.Millisecond}) {
		t.Fatalf("peek a millisecond before the end: %+v", w)
	}
	c.Set(start.Add(lim.Window))
	if w, _ := l.Peek(ctx, "w"); w[0] != (Window{}) {
		t.Fatalf("peek at the end: %+v", w)
	}
	if dec, _ := l.Take(ctx, "w", lim); !dec.Allowed || dec.Count != 1 || dec.RetryAfter != 0 || dec.Left != lim.Window {
		t.Fatalf("new window: %+v", dec)
	}
}

func TestDatabaseLimiter(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		newTestModule(t, d, Options{})
		c := clock.NewFake(t0)
		l := &dbLimiter{db: d, clock: c}
		testLimiter(t, l, "k")
		testLimiterWindow(t, l, c)
	})
}

func testRedis(t *testing.T) *redis.Client {
	raw := os.Getenv("BANA_TEST_REDIS_URL")
	if raw == "" {
		t.Skip("BANA_TEST_REDIS_URL not set")
	}
	o, err := redis.ParseURL(raw)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(o)
	t.Cleanup(func() { c.Close() })
	if err := c.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("BANA_TEST_REDIS_URL is set but Redis is unreachable: %v", err)
	}
	return c
}

func TestRedisLimiter(t *testing.T) {
	rdb := testRedis(t)
	prefix := "bana-test-" + time.Now().Format("150405.000000") + ":"
	t.Cleanup(func() {
		keys, _ := rdb.Keys(context.Background(), prefix+"*").Result()
		if len(keys) > 0 {
			rdb.Del(context.Background(), keys...)
		}
	})
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		newTestModule(t, d, Options{})
		fallback := &dbLimiter{db: d, clock: clock.Real{}}
		l := &redisLimiter{rdb: rdb, prefix: prefix + string(d.Dialect) + ":", fallback: fallback, log: slog.Default(), clock: clock.Real{}}
		testLimiter(t, l, "k")
		// A key expires with its window.
		ttl := rdb.PTTL(context.Background(), l.prefix+"k").Val()
		if ttl <= 0 || ttl > time.Hour {
			t.Fatalf("ttl %v", ttl)
		}
		// The window is the module's clock's, as the database limiter's is (a test moves it).
		c := clock.NewFake(t0)
		testLimiterWindow(t, &redisLimiter{rdb: rdb, prefix: l.prefix + "fake:", fallback: fallback, log: slog.Default(), clock: c}, c)
		// A counter left by an older version (a plain INCR key) is replaced, not an error.
		old := l.prefix + throttleKey(bucketSignInIdentifier, "USERNAME", "old")
		if err := rdb.Set(context.Background(), old, 3, time.Hour).Err(); err != nil {
			t.Fatal(err)
		}
		if w, err := l.Peek(context.Background(), strings.TrimPrefix(old, l.prefix)); err != nil || w[0] != (Window{}) {
			t.Fatalf("peek of an old counter: %+v %v", w, err)
		}
		if dec, err := l.Take(context.Background(), strings.TrimPrefix(old, l.prefix), IdentifierLimit); err != nil || dec.Count != 1 {
			t.Fatalf("take of an old counter: %+v %v", dec, err)
		}
		var n int
		if err := d.R.QueryRowContext(context.Background(), "SELECT count(*) FROM sign_in_throttles").Scan(&n); err != nil || n != 0 {
			t.Fatalf("Redis limiter wrote %d rows to the database: %v", n, err)
		}
	})
}

func TestRedisDownFallsBackToDatabase(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		newTestModule(t, d, Options{})
		dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
		defer dead.Close()
		var logged bytes.Buffer
		l := &redisLimiter{rdb: dead, prefix: "x:", fallback: &dbLimiter{db: d, clock: clock.Real{}}, log: slog.New(slog.NewTextHandler(&logged, nil)),
			clock: clock.Real{}}
		testLimiter(t, l, "k")
		var n int
		if err := d.R.QueryRowContext(context.Background(), "SELECT count(*) FROM sign_in_throttles").Scan(&n); err != nil || n == 0 {
			t.Fatalf("fallback rows %d: %v", n, err)
		}
		if !bytes.Contains(logged.Bytes(), []byte("falls back to the database")) {
			t.Fatalf("no warning: %s", logged.String())
		}
	})
}
