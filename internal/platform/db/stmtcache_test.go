package db

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
)

func TestStmtCacheConcurrentAndBounded(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, Options{SQLitePath: filepath.Join(t.TempDir(), "c.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.W.ExecContext(ctx, "CREATE TABLE t (n INTEGER)"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.W.ExecContext(ctx, "INSERT INTO t VALUES (1), (2), (3)"); err != nil {
		t.Fatal(err)
	}
	d.stmts.max = 8
	var wg sync.WaitGroup
	for g := 0; g < 2; g++ { // two conns each: within the read pool of four
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				// Nested reads while rows are open must not deadlock on the cache.
				rows, err := d.Raw(ctx, false).QueryContext(ctx, fmt.Sprintf("SELECT n FROM t WHERE n > %d", (g+i)%20-10))
				if err != nil {
					t.Error(err)
					return
				}
				for rows.Next() {
					var n int
					if err := d.Raw(ctx, false).QueryRowContext(ctx, "SELECT count(*) FROM t WHERE n <= ?", 3).Scan(&n); err != nil || n != 3 {
						t.Errorf("count %d %v", n, err)
					}
				}
				rows.Close()
			}
		}(g)
	}
	wg.Wait()
	if len(d.stmts.m) > 8 {
		t.Fatalf("cache grew to %d", len(d.stmts.m))
	}
}
