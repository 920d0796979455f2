package sale

import (
	"context"
	"errors"
	"testing"

	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/db/dbtest"
	"github.com/banapos/bana/internal/platform/memo"
)

// TestRememberSurvivesOnlyItsCommit: what an operation remembers of its writes holds in the
// transaction that wrote it and, once that commits, for the rest of the operation; a
// rolled-back transaction (db.InTx runs its function again after a deadlock) leaves nothing for
// the next attempt to find, and a value kept for the transaction alone ends with it.
func TestRememberSurvivesOnlyItsCommit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := memo.With(context.Background())
		type key struct{}
		type held struct{}
		rollback := errors.New("roll back")
		err := d.InTx(ctx, func(ctx context.Context) error {
			remember(ctx, key{}, "rolled back")
			if v, ok := recall[string](ctx, key{}); !ok || v != "rolled back" {
				t.Fatalf("in its transaction: %q %v", v, ok)
			}
			return rollback
		})
		if !errors.Is(err, rollback) {
			t.Fatal(err)
		}
		if v, ok := recall[string](ctx, key{}); ok {
			t.Fatalf("after a rollback, outside a transaction: %q", v)
		}
		if err := d.InTx(ctx, func(ctx context.Context) error {
			if v, ok := recall[string](ctx, key{}); ok {
				t.Fatalf("after a rollback, in the next transaction: %q", v)
			}
			remember(ctx, key{}, "committed")
			keepInTx(ctx, held{}, "held")
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if v, ok := recall[string](ctx, key{}); !ok || v != "committed" {
			t.Fatalf("after the commit: %q %v", v, ok)
		}
		if v, ok := recall[string](ctx, held{}); ok {
			t.Fatalf("kept for its transaction, found after it: %q", v)
		}
	})
}
