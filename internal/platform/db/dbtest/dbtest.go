// Package dbtest opens throwaway databases for tests: SQLite in a temporary folder always, and a
// fresh PostgreSQL database when BANA_TEST_POSTGRES_URL is set (dropped at the end of the test).
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/banapos/bana/internal/platform/db"
	"github.com/jackc/pgx/v5"
)

// Target is one database a test runs against.
type Target struct {
	Name    string // "sqlite" or "postgres"
	Options db.Options
}

// Targets returns SQLite and, when configured, a new PostgreSQL database. The PostgreSQL database
// is created now and dropped when t ends.
func Targets(t testing.TB) []Target {
	t.Helper()
	out := []Target{{Name: "sqlite", Options: db.Options{SQLitePath: filepath.Join(t.TempDir(), "bana.db")}}}
	if u := os.Getenv("BANA_TEST_POSTGRES_URL"); u != "" {
		out = append(out, Target{Name: "postgres", Options: db.Options{PostgresDSN: NewPostgres(t, u), MaxConns: 20}})
	}
	return out
}

// NewPostgres creates a database on the server of adminURL and returns its URL.
func NewPostgres(t testing.TB, adminURL string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		t.Fatalf("BANA_TEST_POSTGRES_URL is set but PostgreSQL is unreachable: %v", err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "bana_test_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, adminURL)
		if err != nil {
			return
		}
		defer c.Close(ctx)
		_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	u, err := url.Parse(adminURL)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// Open opens the target and closes it when t ends.
func Open(t testing.TB, tg Target) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), tg.Options)
	if err != nil {
		t.Fatalf("open %s: %v", tg.Name, err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// Each runs f once per target as a subtest, with the database open and migrated by sets.
func Each(t *testing.T, f func(t *testing.T, d *db.DB), sets ...db.Migrations) {
	t.Helper()
	for _, tg := range Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			d := Open(t, tg)
			if len(sets) > 0 {
				m, err := db.NewMigrator(d, sets...)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := m.Up(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			f(t, d)
		})
	}
}
