package inventory

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/banapos/bana/internal/platform/clock"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/money"
	"github.com/uptrace/bun"
)

// store is the only code that knows the inventory tables' SQL. Every quantity change is one
// conditional UPDATE that cannot take a quantity below zero or reserved above on hand: on
// PostgreSQL a concurrent UPDATE of the same row waits for the first to commit and then
// re-evaluates the condition on the new values; on SQLite the single writer serializes them.
type store struct {
	db    *db.DB
	ids   *id.Generator
	clock clock.Clock
}

// level is an item's two stored quantities at one moment.
type level struct {
	OnHand   int64
	Reserved int64
}

// itemRef is what a movement needs to know of the item it changed.
type itemRef struct {
	ID          id.ID
	OrganizerID id.ID
	MerchantID  id.ID
	LocationID  id.ID
	VariantID   id.ID
	UnitCost    int64
	After       level
}

const itemReturning = ` RETURNING id, organizer_id, merchant_id, location_id, variant_id, unit_cost, quantity_on_hand, quantity_reserved`

func (s *store) scanItem(row *sql.Row) (itemRef, bool, error) {
	var r itemRef
	err := row.Scan(&r.ID, &r.OrganizerID, &r.MerchantID, &r.LocationID, &r.VariantID, &r.UnitCost, &r.After.OnHand, &r.After.Reserved)
	if errors.Is(err, sql.ErrNoRows) {
		return r, false, nil
	}
	if err != nil {
		return r, false, db.Classify(err)
	}
	return r, true, nil
}

// change adds dOnHand and dReserved to the item when the result keeps 0 <= reserved <= on hand,
// and reports whether it did.
func (s *store) change(ctx context.Context, itemID id.ID, dOnHand, dReserved int64) (itemRef, bool, error) {
	q := s.db.Rebind(`UPDATE inventory_items SET quantity_on_hand = quantity_on_hand + ?, quantity_reserved = quantity_reserved + ?, updated_at = ?
WHERE id = ? AND quantity_on_hand + ? >= quantity_reserved + ? AND quantity_reserved + ? >= 0` + itemReturning)
	return s.scanItem(s.db.Raw(ctx, true).QueryRowContext(ctx, q, dOnHand, dReserved, s.clock.Now(),
		int64(itemID), dOnHand, dReserved, dReserved))
}

// reserve adds qty to the reserved quantity of the variant's item at the location when that much
// is available, and reports whether it did.
func (s *store) reserve(ctx context.Context, locationID, variantID id.ID, qty int64) (itemRef, bool, error) {
	q := s.db.Rebind(`UPDATE inventory_items SET quantity_reserved = quantity_reserved + ?, updated_at = ?
WHERE location_id = ? AND variant_id = ? AND quantity_on_hand - quantity_reserved >= ?` + itemReturning)
	return s.scanItem(s.db.Raw(ctx, true).QueryRowContext(ctx, q, qty, s.clock.Now(), int64(locationID), int64(variantID), qty))
}

// reserveLine reserves qty of res (see reserve) and, where the database can do it in the same
// statement (PostgreSQL: reserveRecorded), writes the reservation res and its tracking row t
// with it: recorded tells whether it did. Otherwise the caller writes them, completed with the
// item that was changed.
func (s *store) reserveLine(ctx context.Context, locationID, variantID id.ID, res *StockReservation, t *InventoryTracking) (it itemRef, ok, recorded bool, err error) {
	if s.db.Dialect == db.Postgres {
		it, ok, err = s.reserveRecorded(ctx, locationID, variantID, res, t)
		return it, ok, true, err
	}
	it, ok, err = s.reserve(ctx, locationID, variantID, res.Quantity)
	return it, ok, false, err
}

// reserveRecorded is reserve that also writes, in the same statement, the reservation res and
// its tracking row t, both completed with the item the UPDATE changed: its tenant, location and
// variant, and t's quantities before and after, derived from the new ones and t's deltas as
// Service.tracking derives them. Nothing is written when the UPDATE changes nothing. PostgreSQL
// only (SQLite has no data-modifying WITH); it saves two round trips while the row is locked.
func (s *store) reserveRecorded(ctx context.Context, locationID, variantID id.ID, res *StockReservation, t *InventoryTracking) (itemRef, bool, error) {
	const q = `WITH it AS (
UPDATE inventory_items SET quantity_reserved = quantity_reserved + $1::bigint, updated_at = $2::timestamptz
WHERE location_id = $3::bigint AND variant_id = $4::bigint AND quantity_on_hand - quantity_reserved >= $1::bigint` + itemReturning + `
), reservation AS (
INSERT INTO inventory_reservations (` + reservationColumns + `)
SELECT $5::bigint, organizer_id, merchant_id, id, location_id, variant_id, $1::bigint, $6::text, $7::text, $8::timestamptz, $9::text,
$10::bigint, $11::timestamptz, $12::timestamptz, NULL FROM it
), tracking AS (
INSERT INTO inventory_trackings (` + trackingColumns + `)
SELECT $13::bigint, organizer_id, merchant_id, id, location_id, variant_id, $14::text, $15::text, $16::bigint, $17::bigint,
quantity_on_hand - $16::bigint, quantity_on_hand, quantity_reserved - $17::bigint, quantity_reserved, $18::bigint, $19::text,
$20::bigint, $21::text, $22::bigint, $23::text, $24::text, $25::timestamptz FROM it
)
SELECT id, organizer_id, merchant_id, location_id, variant_id, unit_cost, quantity_on_hand, quantity_reserved FROM it`
	return s.scanItem(s.db.Raw(ctx, true).QueryRowContext(ctx, q, res.Quantity, s.clock.Now(), int64(locationID), int64(variantID),
		int64(res.ID), res.Reference, res.Status, nullableTime(res.ExpiresAt), res.Reason, res.CostAmount, res.CreatedAt, res.UpdatedAt,
		int64(t.ID), t.Type, t.Direction, t.QuantityDelta, t.ReservedDelta, t.CostAmount, t.DocumentType, int64(t.DocumentID), t.Reference,
		nullableID(t.ActorID), t.ActorKind, t.Note, t.CreatedAt))
}

// lockItem reads an item for a change that depends on its current quantities (a count). It must
// run in a transaction; on PostgreSQL it locks the row, on SQLite the transaction already holds
// the write lock.
func (s *store) lockItem(ctx context.Context, itemID id.ID) (StockItem, error) {
	var it StockItem
	err := s.lockRow(ctx, &it, itemID, "stock item")
	return it, err
}

// lockItems locks items in the global lock order, (variant, location), before a change that
// touches several of them, so that two such changes cannot deadlock on PostgreSQL. On SQLite the
// transaction already holds the write lock.
func (s *store) lockItems(ctx context.Context, ids ...id.ID) error {
	if s.db.Dialect != db.Postgres || len(ids) < 2 {
		return nil
	}
	raw := make([]int64, len(ids))
	for i, v := range ids {
		raw[i] = int64(v)
	}
	_, err := s.db.IDB(ctx).NewSelect().Table("inventory_items").Column("id").Where("id IN (?)", bun.List(raw)).
		OrderExpr("variant_id, location_id").For("UPDATE").Exec(ctx)
	return db.Classify(err)
}

// itemAt returns the item of the variant at the location, if there is one.
func (s *store) itemAt(ctx context.Context, locationID, variantID id.ID) (StockItem, bool, error) {
	var list []StockItem
	err := s.query(ctx, false, &list, `SELECT `+itemColumns+` FROM inventory_items WHERE location_id = ? AND variant_id = ?`,
		int64(locationID), int64(variantID))
	if err != nil || len(list) == 0 {
		return StockItem{}, false, err
	}
	return list[0], true, nil
}

// tracked reports whether the variant has a stock item at any location of the merchant.
func (s *store) tracked(ctx context.Context, merchantID, variantID id.ID) (bool, error) {
	var n int
	err := s.db.Raw(ctx, false).QueryRowContext(ctx, s.db.Rebind(
		`SELECT count(*) FROM inventory_items WHERE merchant_id = ? AND variant_id = ?`), int64(merchantID), int64(variantID)).Scan(&n)
	return n > 0, db.Classify(err)
}

// trackedOf returns which of the variants have a stock item at some location of the merchant:
// one statement whatever their number.
func (s *store) trackedOf(ctx context.Context, merchantID id.ID, variantIDs []id.ID) (map[id.ID]bool, error) {
	out := make(map[id.ID]bool, len(variantIDs))
	if len(variantIDs) == 0 {
		return out, nil
	}
	args := make([]any, 0, len(variantIDs)+1)
	args = append(args, int64(merchantID))
	for _, v := range variantIDs {
		args = append(args, int64(v))
	}
	rows, err := s.db.Raw(ctx, false).QueryContext(ctx, s.db.Rebind(`SELECT DISTINCT variant_id FROM inventory_items WHERE merchant_id = ? AND variant_id IN (?`+
		strings.Repeat(", ?", len(variantIDs)-1)+`)`), args...)
	if err != nil {
		return nil, db.Classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		var v id.ID
		if err := rows.Scan(&v); err != nil {
			return nil, db.Classify(err)
		}
		out[v] = true
	}
	return out, db.Classify(rows.Err())
}

// ensureItem returns the id of the variant's item at the location, creating an empty one.
func (s *store) ensureItem(ctx context.Context, loc *Location, variantID id.ID) (id.ID, error) {
	now := s.clock.Now()
	_, err := s.db.Raw(ctx, true).ExecContext(ctx, s.db.Rebind(`INSERT INTO inventory_items
(id, organizer_id, merchant_id, location_id, variant_id, sku, quantity_on_hand, quantity_reserved, reorder_point, unit_cost, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, '', 0, 0, 0, 0, ?, ?) ON CONFLICT (location_id, variant_id) DO NOTHING`),
		int64(s.ids.Next()), int64(loc.OrganizerID), int64(loc.MerchantID), int64(loc.ID), int64(variantID), now, now)
	if err != nil {
		return 0, db.Classify(err)
	}
	var itemID id.ID
	err = s.db.Raw(ctx, true).QueryRowContext(ctx, s.db.Rebind(`SELECT id FROM inventory_items WHERE location_id = ? AND variant_id = ?`),
		int64(loc.ID), int64(variantID)).Scan(&itemID)
	return itemID, db.Classify(err)
}

// locationMatch is the condition on inventory_locations that picks a live location of the
// merchant (locationID 0: its default), confined to the organizer.
func locationMatch(organizerID, merchantID, locationID id.ID) (string, []any) {
	args := []any{int64(organizerID), int64(merchantID)}
	if locationID == 0 {
		return `organizer_id = ? AND merchant_id = ? AND deleted_at IS NULL AND is_default`, args
	}
	return `organizer_id = ? AND merchant_id = ? AND deleted_at IS NULL AND id = ?`, append(args, int64(locationID))
}

// location returns a live location of the merchant (locationID 0: its default).
func (s *store) location(ctx context.Context, organizerID, merchantID, locationID id.ID) (*Location, error) {
	cond, args := locationMatch(organizerID, merchantID, locationID)
	var list []Location
	if err := s.query(ctx, false, &list, `SELECT `+locationColumns+` FROM inventory_locations WHERE `+cond+` LIMIT 1`, args...); err != nil {
		return nil, err
	}
	if len(list) == 0 {
		if locationID == 0 {
			return nil, notFound(sql.ErrNoRows, "merchant "+merchantID.String()+" has no default location")
		}
		return nil, notFound(sql.ErrNoRows, "location "+locationID.String())
	}
	return &list[0], nil
}

// The columns of the models read with query.
const (
	locationColumns = `id, organizer_id, merchant_id, code, name, type, address, is_default, status, created_at, updated_at, deleted_at`
	itemColumns     = `id, organizer_id, merchant_id, location_id, variant_id, sku, quantity_on_hand, quantity_reserved, quantity_available,
reorder_point, unit_cost, created_at, updated_at`
	reservationColumns = `id, organizer_id, merchant_id, item_id, location_id, variant_id, quantity, reference, status, expires_at, reason,
cost_amount, created_at, updated_at, closed_at`
	trackingColumns = `id, organizer_id, merchant_id, item_id, location_id, variant_id, type, direction, quantity_delta, reserved_delta,
on_hand_before, on_hand_after, reserved_before, reserved_after, cost_amount, document_type, document_id, reference, actor_id, actor_kind,
note, created_at`
)

// query runs SQL whose arguments the driver binds, so that PostgreSQL parses and plans it once per
// connection (bun's builders write the values into the SQL text: every call is a new statement,
// prepared again, and evicts others from the connection's cache), and scans the rows into dest, a
// pointer to a slice of models, as bun does. write: the write pool outside a transaction.
func (s *store) query(ctx context.Context, write bool, dest any, q string, args ...any) error {
	rows, err := s.db.Raw(ctx, write).QueryContext(ctx, s.db.Rebind(q), args...)
	if err != nil {
		return db.Classify(err)
	}
	return db.Classify(s.db.W.ScanRows(ctx, rows, dest))
}

// maxBindArgs keeps a multi-row INSERT under the bound-parameter limits of SQLite (32766) and
// PostgreSQL (65535).
const maxBindArgs = 30000

// insertRows inserts n rows of width columns in as few statements as maxBindArgs allows: head
// is "INSERT INTO t (columns) VALUES ", row appends the arguments of row i.
func (s *store) insertRows(ctx context.Context, head string, width, n int, row func(args []any, i int) []any) error {
	tuple := "(" + strings.Repeat("?, ", width-1) + "?)"
	per := maxBindArgs / width
	for start := 0; start < n; start += per {
		end := min(n, start+per)
		var b strings.Builder
		b.WriteString(head)
		args := make([]any, 0, (end-start)*width)
		for i := start; i < end; i++ {
			if i > start {
				b.WriteString(", ")
			}
			b.WriteString(tuple)
			args = row(args, i)
		}
		if _, err := s.db.Raw(ctx, true).ExecContext(ctx, s.db.Rebind(b.String()), args...); err != nil {
			return db.Classify(err)
		}
	}
	return nil
}

func nullableID(v *id.ID) any {
	if v == nil {
		return nil
	}
	return int64(*v)
}

func nullableTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return *t
}

// insertReservations writes new reservations in one statement.
func (s *store) insertReservations(ctx context.Context, rs []*StockReservation) error {
	return s.insertRows(ctx, `INSERT INTO inventory_reservations (`+reservationColumns+`) VALUES `, 15, len(rs), func(a []any, i int) []any {
		r := rs[i]
		return append(a, int64(r.ID), int64(r.OrganizerID), int64(r.MerchantID), int64(r.ItemID), int64(r.LocationID), int64(r.VariantID),
			r.Quantity, r.Reference, r.Status, nullableTime(r.ExpiresAt), r.Reason, r.CostAmount, r.CreatedAt, r.UpdatedAt, nullableTime(r.ClosedAt))
	})
}

// insertTrackings writes tracking rows, all of them in one statement up to maxBindArgs.
func (s *store) insertTrackings(ctx context.Context, ts []*InventoryTracking) error {
	return s.insertRows(ctx, `INSERT INTO inventory_trackings (`+trackingColumns+`) VALUES `, 22, len(ts), func(a []any, i int) []any {
		t := ts[i]
		return append(a, int64(t.ID), int64(t.OrganizerID), int64(t.MerchantID), int64(t.ItemID), int64(t.LocationID), int64(t.VariantID),
			t.Type, t.Direction, t.QuantityDelta, t.ReservedDelta, t.OnHandBefore, t.OnHandAfter, t.ReservedBefore, t.ReservedAfter,
			t.CostAmount, t.DocumentType, int64(t.DocumentID), t.Reference, nullableID(t.ActorID), t.ActorKind, t.Note, t.CreatedAt)
	})
}

func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return errs.Wrap(errs.NotFound, what+" not found", errs.ErrNotFound)
	}
	return db.Classify(err)
}

// layers returns the item's cost layers with stock left, oldest first.
func (s *store) layers(ctx context.Context, itemID id.ID) ([]Layer, error) {
	rows, err := s.db.Raw(ctx, true).QueryContext(ctx, s.db.Rebind(`SELECT id, unit_cost, quantity_remaining FROM inventory_cost_layers
WHERE item_id = ? AND quantity_remaining > 0 ORDER BY received_at, id`), int64(itemID))
	if err != nil {
		return nil, db.Classify(err)
	}
	defer rows.Close()
	var out []Layer
	for rows.Next() {
		var l Layer
		if err := rows.Scan(&l.ID, &l.UnitCost, &l.Remaining); err != nil {
			return nil, db.Classify(err)
		}
		out = append(out, l)
	}
	return out, db.Classify(rows.Err())
}

// consume takes qty from the item's layers, oldest first, and returns the cost and the takes.
// The caller has already changed (and so locked) the item.
func (s *store) consume(ctx context.Context, itemID id.ID, qty int64) ([]Take, int64, error) {
	// Most takes are covered by the oldest layer with stock left: take from it in one statement.
	// When it does not cover qty (or there is none), nothing changed and the layers are walked.
	take := Take{Quantity: qty}
	err := s.db.Raw(ctx, true).QueryRowContext(ctx, s.db.Rebind(`UPDATE inventory_cost_layers SET quantity_remaining = quantity_remaining - ?
WHERE id = (SELECT id FROM inventory_cost_layers WHERE item_id = ? AND quantity_remaining > 0 ORDER BY received_at, id LIMIT 1)
AND quantity_remaining >= ? RETURNING id, unit_cost`), qty, int64(itemID), qty).Scan(&take.LayerID, &take.UnitCost)
	if err == nil {
		cost, err := money.Mul(qty, take.UnitCost)
		return []Take{take}, cost, err
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, 0, db.Classify(err)
	}
	ls, err := s.layers(ctx, itemID)
	if err != nil {
		return nil, 0, err
	}
	takes, cost, _, err := Consume(ls, qty)
	if err != nil {
		return nil, 0, err
	}
	for _, t := range takes {
		if _, err := s.db.Raw(ctx, true).ExecContext(ctx, s.db.Rebind(
			`UPDATE inventory_cost_layers SET quantity_remaining = quantity_remaining - ? WHERE id = ?`), t.Quantity, int64(t.LayerID)); err != nil {
			return nil, 0, db.Classify(err)
		}
	}
	return takes, cost, nil
}

// addLayer records stock that arrived at unitCost.
func (s *store) addLayer(ctx context.Context, it itemRef, source TrackingType, sourceID id.ID, qty, unitCost int64, at time.Time) error {
	_, err := s.db.Raw(ctx, true).ExecContext(ctx, s.db.Rebind(`INSERT INTO inventory_cost_layers (id, organizer_id, merchant_id, item_id,
location_id, variant_id, source_type, source_id, unit_cost, quantity_received, quantity_remaining, received_at, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), int64(s.ids.Next()), int64(it.OrganizerID), int64(it.MerchantID), int64(it.ID),
		int64(it.LocationID), int64(it.VariantID), string(source), int64(sourceID), unitCost, qty, qty, at, s.clock.Now())
	return db.Classify(err)
}

// setUnitCost records the item's last known unit cost.
func (s *store) setUnitCost(ctx context.Context, itemID id.ID, unitCost int64) error {
	_, err := s.db.Raw(ctx, true).ExecContext(ctx, s.db.Rebind(`UPDATE inventory_items SET unit_cost = ? WHERE id = ?`), unitCost, int64(itemID))
	return db.Classify(err)
}

// hasDefaultLocation reports whether the merchant has a live default location.
func (s *store) hasDefaultLocation(ctx context.Context, merchantID id.ID) (bool, error) {
	var n int
	err := s.db.Raw(ctx, true).QueryRowContext(ctx, s.db.Rebind(`SELECT count(*) FROM inventory_locations WHERE merchant_id = ? AND is_default AND deleted_at IS NULL`),
		int64(merchantID)).Scan(&n)
	return n > 0, db.Classify(err)
}

// makeDefaultLocation makes the location its merchant's only default.
func (s *store) makeDefaultLocation(ctx context.Context, l *Location) error {
	raw := s.db.Raw(ctx, true)
	if _, err := raw.ExecContext(ctx, s.db.Rebind(`UPDATE inventory_locations SET is_default = FALSE WHERE merchant_id = ? AND is_default AND id <> ?`),
		int64(l.MerchantID), int64(l.ID)); err != nil {
		return db.Classify(err)
	}
	if _, err := raw.ExecContext(ctx, s.db.Rebind(`UPDATE inventory_locations SET is_default = TRUE WHERE id = ?`), int64(l.ID)); err != nil {
		return db.Classify(err)
	}
	l.IsDefault = true
	return nil
}

// insert writes a new document row (an adjustment, a transfer, a count, a receipt) as its model
// describes it.
func (s *store) insert(ctx context.Context, model any) error {
	_, err := s.db.IDB(ctx).NewInsert().Model(model).Exec(ctx)
	return db.Classify(err)
}

// save writes every column of a document row back (a purchase order after a transition).
func (s *store) save(ctx context.Context, model any) error {
	_, err := s.db.IDB(ctx).NewUpdate().Model(model).WherePK().Exec(ctx)
	return db.Classify(err)
}

// lockRow loads the document row of model (a pointer to its struct) by id for a change: locked on
// PostgreSQL; on SQLite the transaction already holds the write lock. what names it in a 404.
func (s *store) lockRow(ctx context.Context, model any, rowID id.ID, what string) error {
	q := s.db.IDB(ctx).NewSelect().Model(model).Where("id = ?", int64(rowID))
	if s.db.Dialect == db.Postgres {
		q = q.For("UPDATE")
	}
	return notFound(q.Scan(ctx), what+" "+rowID.String())
}

// seedTrackingTypes writes the twenty tracking types (their ids are their 1-based positions in
// TrackingTypes), or removes them (down).
func seedTrackingTypes(ctx context.Context, d *db.DB, down bool) error {
	if down {
		_, err := d.Raw(ctx, true).ExecContext(ctx, `DELETE FROM inventory_tracking_types`)
		return err
	}
	for i, t := range TrackingTypes {
		if _, err := d.Raw(ctx, true).ExecContext(ctx, d.Rebind(`INSERT INTO inventory_tracking_types (id, code, name, direction, quantity, description) VALUES (?, ?, ?, ?, ?, ?)`),
			i+1, string(t.Code), t.Name, string(t.Direction), string(t.Quantity), t.Description); err != nil {
			return err
		}
	}
	return nil
}
