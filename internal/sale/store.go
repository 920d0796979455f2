package sale

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/memo"
	"github.com/banapos/bana/internal/platform/query"
)

// The store: the SQL of the sale tables that their query.Table does not write (store.go: the
// numbering, the order's lines and the rows a transaction holds; store_payment.go,
// store_kitchen.go, store_shift.go). Every function joins the caller's transaction. The tenant
// scope is the caller's: these statements touch rows of an order, payment or shift that the
// caller already read through its tenant-scoped table.

// nextNumber returns the merchant's next number in a sequence (seqOrder, seqZReport), in the
// caller's transaction: the upsert locks the counter row, so numbers never repeat or skip.
func (m *Module) nextNumber(ctx context.Context, merchantID id.ID, seq string) (int, error) {
	var n int
	err := m.db.Raw(ctx, true).QueryRowContext(ctx, m.db.Rebind(
		`INSERT INTO sale_counters (merchant_id, name, value) VALUES (?, ?, 1)
		 ON CONFLICT (merchant_id, name) DO UPDATE SET value = sale_counters.value + 1 RETURNING value`),
		int64(merchantID), seq).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("next %s number: %w", seq, db.Classify(err))
	}
	return n, nil
}

// The sequences numbered per merchant.
const (
	seqOrder   = "order"
	seqZReport = "zreport"
)

// insertItems inserts new order lines in one statement.
func (m *Module) insertItems(ctx context.Context, items []Item) error {
	_, err := m.db.IDB(ctx).NewInsert().Model(&items).Exec(ctx)
	return db.Classify(err)
}

// updateItemFigures writes a line's quantity and priced figures.
func (m *Module) updateItemFigures(ctx context.Context, it *Item) error {
	_, err := m.db.IDB(ctx).NewUpdate().Model(it).Column("quantity", "unit_price", "subtotal", "discount", "tax_rate", "tax", "total", "updated_at").WherePK().Exec(ctx)
	return db.Classify(err)
}

// updateItemQuantityNote writes a line's quantity and note (its figures follow with the reprice).
func (m *Module) updateItemQuantityNote(ctx context.Context, it *Item) error {
	_, err := m.db.IDB(ctx).NewUpdate().Model(it).Column("quantity", "note").WherePK().Exec(ctx)
	return db.Classify(err)
}

// updateItemRefunded writes how many units of a line are refunded.
func (m *Module) updateItemRefunded(ctx context.Context, it *Item) error {
	_, err := m.db.IDB(ctx).NewUpdate().Model(it).Column("refunded_quantity").WherePK().Exec(ctx)
	return db.Classify(err)
}

// updateIn loads, changes and saves a row in one transaction, handing fn the transaction's
// context so everything fn does joins it. A row this transaction already holds (it inserted it,
// or an earlier updateIn locked it) is changed as remembered, without being read again.
func updateIn[T any](ctx context.Context, d *db.DB, t *query.Table[T], rowID id.ID, fn func(ctx context.Context, row *T) error) (*T, error) {
	var out *T
	err := d.InTx(ctx, func(ctx context.Context) error {
		var err error
		if row, ok := recall[*T](ctx, heldKey{rowID}); ok {
			out, err = t.UpdateHeld(ctx, row, fn)
		} else {
			out, err = t.Update(ctx, rowID, fn)
		}
		if err == nil {
			held := *out // the caller may change out
			keepInTx(ctx, heldKey{rowID}, &held)
		}
		return err
	})
	return out, err
}

// What an operation remembers of its own reads and writes (platform/memo), so that it does not
// read back what it just wrote. Each value carries the transaction that wrote it: db.InTx runs
// its function again after a deadlock, and the new attempt must not find what the rolled-back
// one remembered.

// heldKey names a row (ids are unique across tables) that the operation's transaction holds
// locked as remembered.
type heldKey struct{ row id.ID }

// shiftKey names a shift the operation's transaction read.
type shiftKey struct{ shift id.ID }

// itemsKey and paymentsKey name an order's lines and payments as the operation last wrote them;
// the operation's answer lists them without reading them back.
type itemsKey struct{ order id.ID }
type paymentsKey struct{ order id.ID }

// succeededKey names the order's succeeded payments while the operation knows them all: a
// checkout starts from none (a DRAFT order has no succeeded payment) and adds each tender it
// settles, so marking the order paid does not read them back.
type succeededKey struct{ order id.ID }

// txValue is a remembered value and the transaction it was written in (nil: committed).
type txValue struct {
	tx *sql.Tx
	v  any
}

// keepInTx remembers v under key for the rest of the transaction of ctx (nothing outside one).
func keepInTx(ctx context.Context, key, v any) {
	if tx, ok := db.Tx(ctx); ok {
		memo.Put(ctx, key, txValue{tx: tx, v: v})
	}
}

// remember remembers v under key for the rest of the transaction of ctx and, once it commits,
// for the rest of the operation.
func remember(ctx context.Context, key, v any) {
	tx, ok := db.Tx(ctx)
	if !ok {
		memo.Put(ctx, key, txValue{v: v})
		return
	}
	memo.Put(ctx, key, txValue{tx: tx, v: v})
	db.AfterCommit(ctx, func() { memo.Put(ctx, key, txValue{v: v}) })
}

// recall returns what keepInTx or remember left under key that holds in ctx: a value of the
// transaction of ctx, or a committed one; never one of another (or a rolled-back) transaction.
func recall[V any](ctx context.Context, key any) (V, bool) {
	var zero V
	tv, ok := memo.Get[txValue](ctx, key)
	if !ok {
		return zero, false
	}
	if tv.tx != nil {
		if tx, in := db.Tx(ctx); !in || tx != tv.tx {
			return zero, false
		}
	}
	v, ok := tv.v.(V)
	return v, ok
}
