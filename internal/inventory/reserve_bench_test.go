package inventory

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/db/dbtest"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/events"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/idempotency"
	"github.com/banapos/bana/internal/platform/jobs"
	"github.com/banapos/bana/internal/platform/module"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// statements counts what a PostgreSQL connection sends: every query (BEGIN and COMMIT included)
// is one round trip; a prepare (the first use of a statement on a connection) is one more.
type statements struct {
	queries, prepares atomic.Int64
	log               atomic.Pointer[[]string] // when set, the SQL of each query
}

func (s *statements) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	s.queries.Add(1)
	if l := s.log.Load(); l != nil {
		*l = append(*l, strings.Join(strings.Fields(d.SQL), " "))
	}
	return ctx
}

func (s *statements) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (s *statements) TracePrepareStart(ctx context.Context, _ *pgx.Conn, _ pgx.TracePrepareStartData) context.Context {
	s.prepares.Add(1)
	return ctx
}

func (s *statements) TracePrepareEnd(context.Context, *pgx.Conn, pgx.TracePrepareEndData) {}

// openCounted opens a fresh PostgreSQL database (BANA_TEST_POSTGRES_URL) as db.Open does, with
// a tracer that counts statements.
func openCounted(b *testing.B) (*db.DB, *statements) {
	b.Helper()
	admin := os.Getenv("BANA_TEST_POSTGRES_URL")
	if admin == "" {
		b.Skip("BANA_TEST_POSTGRES_URL is not set")
	}
	cfg, err := pgxpool.ParseConfig(dbtest.NewPostgres(b, admin))
	if err != nil {
		b.Fatal(err)
	}
	st := &statements{}
	cfg.MaxConns = 20
	cfg.ConnConfig.RuntimeParams["search_path"] = strings.Join(db.Schemas, ",")
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	cfg.ConnConfig.Tracer = st
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	bd := bun.NewDB(stdlib.OpenDBFromPool(pool), pgdialect.New())
	b.Cleanup(func() { _ = bd.Close(); pool.Close() })
	return &db.DB{Dialect: db.Postgres, W: bd, R: bd, Pool: pool}, st
}

// BenchmarkReserve reserves one unit of a random variant of 1,000 at a time on PostgreSQL, as
// sale and the HTTP route do, and reports the statements (round trips) each reservation takes.
// Run with -v to see the SQL of one reservation:
//
//	BANA_TEST_POSTGRES_URL=... go test ./internal/inventory -run '^$' -bench Reserve -v -cpuprofile cpu.out
func BenchmarkReserve(b *testing.B) {
	d, st := openCounted(b)
	ids, _ := id.NewGenerator(1, id.DefaultEpoch)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	j := jobs.New(d, jobs.Options{Logger: log})
	bus := events.New(d, j, ids, log)
	idem := idempotency.New(d, nil)
	m := New(Deps{Platform: module.Platform{DB: d, IDs: ids, Jobs: j, Events: bus, Idem: idem, Log: log}, Catalog: VariantRange{Merchant: 10, From: 1, To: 1000}})
	mg, err := db.NewMigrator(d, j.Migrations(), bus.Migrations(), idem.Migrations(), m.Migrations())
	if err != nil {
		b.Fatal(err)
	}
	ctx := auth.WithPrincipal(context.Background(), (&auth.Principal{UserID: 7, Roles: []auth.Role{auth.OrganizerOwner}, OrganizerID: 1}).
		WithDirectory(benchDirectory{}))
	if _, err := mg.Up(ctx); err != nil {
		b.Fatal(err)
	}
	loc := &Location{OrganizerID: 1, MerchantID: 10, Code: "MAIN", Name: "Main", Type: "STORE", Status: "ACTIVE"}
	if err := m.locations.Create(ctx, loc); err != nil {
		b.Fatal(err)
	}
	const variants = 1000
	lines := make([]StockCountInput, variants)
	for v := range lines {
		lines[v] = StockCountInput{VariantID: id.ID(1 + v), Counted: 1_000_000}
	}
	if _, err := m.svc.Count(ctx, CountRequest{OrganizerID: 1, MerchantID: 10, Lines: lines}); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	n := 0
	reserve := func() {
		n++
		if _, err := m.svc.Reserve(ctx, ReserveRequest{OrganizerID: 1, MerchantID: 10, Reference: fmt.Sprint("order-", n),
			Lines: []StockLine{{VariantID: id.ID(1 + rng.IntN(variants)), Quantity: 1}}}); err != nil {
			b.Fatal(err)
		}
	}
	// Warm up every pooled connection's statement cache, then show one reservation's SQL.
	for range 50 {
		reserve()
	}
	var sqls []string
	st.log.Store(&sqls)
	reserve()
	st.log.Store(nil)
	for i, q := range sqls {
		b.Logf("%d: %.200s", i+1, q)
	}
	st.queries.Store(0)
	st.prepares.Store(0)
	b.ResetTimer()
	for b.Loop() {
		reserve()
	}
	b.StopTimer()
	b.ReportMetric(float64(st.queries.Load())/float64(b.N), "stmts/op")
	b.ReportMetric(float64(st.prepares.Load())/float64(b.N), "prepares/op")
}

// benchDirectory says merchant 10 is organizer 1's, as commerce would.
type benchDirectory struct{}

func (benchDirectory) MerchantOrganizer(_ context.Context, merchantID id.ID) (id.ID, error) {
	if merchantID == 10 {
		return 1, nil
	}
	return 0, errs.ErrNotFound
}
