package db_test

import (
	"context"
	"errors"
	"testing"

	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/db/dbtest"
	"modernc.org/sqlite"
)

// TestStatementsCountsEveryStatement runs a known mix of statements through every handle the
// package gives out and expects the counter to move by exactly that many.
func TestStatementsCountsEveryStatement(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.W.ExecContext(ctx, "CREATE TABLE stmt_count (n INTEGER)"); err != nil {
			t.Fatal(err)
		}
		// bun handles bind ? themselves; driver-level ones take the dialect's placeholders.
		const insert = "INSERT INTO stmt_count VALUES (?)"
		before, fgBefore := d.Statements(), d.ForegroundStatements()

		// 1: an exec on the write pool.
		if _, err := d.W.ExecContext(ctx, insert, 1); err != nil {
			t.Fatal(err)
		}
		// 1: a bun read on the read pool.
		var n int
		if err := d.R.NewSelect().TableExpr("stmt_count").ColumnExpr("count(*)").Scan(ctx, &n); err != nil || n != 1 {
			t.Fatalf("count %d, %v", n, err)
		}
		// 2: the same read twice through the driver-level read handle (a cached prepared
		// statement on SQLite: each run counts, the preparing does not).
		for range 2 {
			if err := d.Raw(ctx, false).QueryRowContext(ctx, "SELECT count(*) FROM stmt_count").Scan(&n); err != nil {
				t.Fatal(err)
			}
		}
		// 4: BEGIN, two inserts, COMMIT.
		err := d.InTx(ctx, func(ctx context.Context) error {
			for i := range 2 {
				if _, err := d.Raw(ctx, true).ExecContext(ctx, d.Rebind(insert), 10+i); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// 3: BEGIN, an insert, ROLLBACK.
		refused := errors.New("refused")
		err = d.InTx(ctx, func(ctx context.Context) error {
			if _, err := d.IDB(ctx).ExecContext(ctx, insert, 99); err != nil {
				return err
			}
			return refused
		})
		if !errors.Is(err, refused) {
			t.Fatal(err)
		}
		if got := d.Statements() - before; got != 11 {
			t.Fatalf("counted %d statements, want 11", got)
		}
		if got := d.ForegroundStatements() - fgBefore; got != 11 {
			t.Fatalf("counted %d foreground statements, want 11", got)
		}
		// 3 more, none in the foreground: BEGIN, an insert, COMMIT under a Background context.
		bg := db.Background(ctx)
		if err := d.InTx(bg, func(ctx context.Context) error {
			_, err := d.IDB(ctx).ExecContext(ctx, insert, 7)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if got, fg := d.Statements()-before, d.ForegroundStatements()-fgBefore; got != 14 || fg != 11 {
			t.Fatalf("after background work: %d statements (want 14), %d in the foreground (want 11)", got, fg)
		}
		if err := d.R.NewSelect().TableExpr("stmt_count").ColumnExpr("count(*)").Scan(ctx, &n); err != nil || n != 4 {
			t.Fatalf("rows %d, %v: the rolled-back insert stayed or a committed one is missing", n, err)
		}

		if d.Dialect == db.SQLite {
			// The counting wrapper must keep the driver's own API reachable.
			c, err := d.W.DB.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := sqlite.Limit(c, 0 /* SQLITE_LIMIT_LENGTH */, -1); err != nil {
				t.Fatalf("sqlite.Limit through the counter: %v", err)
			}
		}
	})
}
