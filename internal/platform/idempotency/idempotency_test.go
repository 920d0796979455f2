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

func TestOnceAndReplay(t *testing.T) {
	for _, tg := range dbtest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			d := dbtest.Open(t, tg)
			s := idempotency.New(d, nil)
			m, _ := db.NewMigrator(d, s.Migrations())
			if _, err := m.Up(context.Background()); err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			var effects atomic.Int32
			run := func(req any) (*out, bool, error) {
				return idempotency.Do(ctx, s, "order.create:1:2", "key-1", req, func(ctx context.Context) (*out, error) {
					o := &out{}
					o.Body.N = int(effects.Add(1))
					return o, nil
				})
			}
			// 20 concurrent repeats: one effect, every caller gets the same response.
			var wg sync.WaitGroup
			results := make([]int, 20)
			for i := range results {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					o, _, err := run(map[string]int{"qty": 1})
					if err != nil {
						t.Error(err)
						return
					}
					results[i] = o.Body.N
				}(i)
			}
			wg.Wait()
			if effects.Load() != 1 {
				t.Fatalf("%d effects", effects.Load())
			}
			for _, r := range results {
				if r != 1 {
					t.Fatalf("responses differ: %v", results)
				}
			}
			_, replayed, _ := run(map[string]int{"qty": 1})
			if !replayed {
				t.Fatal("not marked replayed")
			}
			if _, _, err := run(map[string]int{"qty": 2}); errs.KindOf(err) != errs.Conflict {
				t.Fatalf("different body: %v", err)
			}
			// A failing first attempt stores nothing: the retry runs.
			fail := true
			for i := 0; i < 2; i++ {
				_, _, err := idempotency.Do(ctx, s, "s", "key-2", 1, func(ctx context.Context) (*out, error) {
					if fail {
						fail = false
						return nil, errs.New(errs.Rule, "out of stock")
					}
					return &out{}, nil
				})
				if (i == 0) != (err != nil) {
					t.Fatalf("attempt %d: %v", i, err)
				}
			}
		})
	}
}
