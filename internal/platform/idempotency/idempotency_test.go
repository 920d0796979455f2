package idempotency_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/db/dbtest"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/idempotency"
)

type out struct {
	Body struct {
		N int `json:"n"`
	}
}

// TestOnceAndReplay drives Do as its own transaction (the key written with the response) and
// inside a caller's transaction (the key reserved first). The effect is a row written in the
// request's transaction, so "one effect" means one committed row, whatever work the losers of a
// race did and rolled back.
func TestOnceAndReplay(t *testing.T) {
	for _, tg := range dbtest.Targets(t) {
		for _, nested := range []bool{false, true} {
			name := tg.Name + "/own-transaction"
			if nested {
				name = tg.Name + "/in-caller-transaction"
			}
			t.Run(name, func(t *testing.T) { testOnce(t, tg, nested) })
		}
	}
}

func testOnce(t *testing.T, tg dbtest.Target, nested bool) {
	d := dbtest.Open(t, tg)
	s := idempotency.New(d, nil)
	m, _ := db.NewMigrator(d, s.Migrations())
	ctx := context.Background()
	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Raw(ctx, true).ExecContext(ctx, "CREATE TABLE IF NOT EXISTS effects (k TEXT NOT NULL, n INTEGER NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	// The two modes may share a database: their keys and effects are kept apart by a prefix.
	prefix := map[bool]string{false: "own-", true: "nested-"}[nested]
	var attempts atomic.Int32
	effect := func(ctx context.Context, k string) (*out, error) {
		o := &out{}
		o.Body.N = int(attempts.Add(1))
		_, err := d.Raw(ctx, true).ExecContext(ctx, d.Rebind("INSERT INTO effects (k, n) VALUES (?, ?)"), prefix+k, o.Body.N)
		return o, err
	}
	do := func(key string, req any, fn func(ctx context.Context) (*out, error)) (*out, bool, error) {
		key = prefix + key
		if !nested {
			return idempotency.Do(ctx, s, "order.create:1:2", key, req, fn)
		}
		var o *out
		var replayed bool
		err := d.InTx(ctx, func(ctx context.Context) error {
			var err error
			o, replayed, err = idempotency.Do(ctx, s, "order.create:1:2", key, req, fn)
			return err
		})
		return o, replayed, err
	}
	committed := func(k string) (n int, first int) {
		if err := d.Raw(ctx, false).QueryRowContext(ctx, d.Rebind("SELECT COUNT(*), COALESCE(MIN(n), 0) FROM effects WHERE k = ?"), prefix+k).Scan(&n, &first); err != nil {
			t.Fatal(err)
		}
		return n, first
	}

	// 20 concurrent repeats: one effect committed, every caller gets its response.
	var wg sync.WaitGroup
	results := make([]int, 20)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			o, _, err := do("key-1", map[string]int{"qty": 1}, func(ctx context.Context) (*out, error) { return effect(ctx, "key-1") })
			if err != nil {
				t.Error(err)
				return
			}
			results[i] = o.Body.N
		}(i)
	}
	wg.Wait()
	n, first := committed("key-1")
	if n != 1 {
		t.Fatalf("%d effects committed", n)
	}
	for _, r := range results {
		if r != first {
			t.Fatalf("responses %v, committed effect %d", results, first)
		}
	}
	o, replayed, err := do("key-1", map[string]int{"qty": 1}, func(ctx context.Context) (*out, error) { return effect(ctx, "key-1") })
	if err != nil || !replayed || o.Body.N != first {
		t.Fatalf("repeat: %+v replayed=%v err=%v", o, replayed, err)
	}
	if n, _ := committed("key-1"); n != 1 {
		t.Fatalf("the repeat committed an effect: %d", n)
	}
	// A repeat whose work fails because the first already happened (an order already paid)
	// answers with the first response.
	o, replayed, err = do("key-1", map[string]int{"qty": 1}, func(ctx context.Context) (*out, error) {
		return nil, errs.New(errs.Conflict, "order is PAID")
	})
	if err != nil || !replayed || o.Body.N != first {
		t.Fatalf("repeat that fails: %+v replayed=%v err=%v", o, replayed, err)
	}
	if _, _, err := do("key-1", map[string]int{"qty": 2}, func(ctx context.Context) (*out, error) { return effect(ctx, "key-1") }); errs.KindOf(err) != errs.Conflict {
		t.Fatalf("different body: %v", err)
	}
	if n, _ := committed("key-1"); n != 1 {
		t.Fatalf("a refused request committed an effect: %d", n)
	}
	// A failing first attempt stores nothing: the retry runs.
	fail := true
	for i := 0; i < 2; i++ {
		_, _, err := do("key-2", 1, func(ctx context.Context) (*out, error) {
			if fail {
				fail = false
				return nil, errs.New(errs.Rule, "out of stock")
			}
			return effect(ctx, "key-2")
		})
		if (i == 0) != (err != nil) {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	if n, _ := committed("key-2"); n != 1 {
		t.Fatalf("key-2: %d effects", n)
	}
}
