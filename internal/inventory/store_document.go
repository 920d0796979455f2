package inventory

import (
	"context"
	"database/sql"

	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
)

// The SQL of the documents that move stock: adjustments, transfers, purchase orders and their
// receipts, and the reconciliation that checks the items against their history.

// setAdjustment closes a pending adjustment as applied or rejected (why).
func (s *store) setAdjustment(ctx context.Context, adjID id.ID, st AdjustmentStatus, why string) error {
	now := s.clock.Now()
	_, err := s.db.Raw(ctx, true).ExecContext(ctx, s.db.Rebind(`UPDATE inventory_adjustments SET status = ?, error = ?, processed_at = ?, updated_at = ?
WHERE id = ? AND status = 'PENDING'`), string(st), db.OptText(why), now, now, int64(adjID))
	return db.Classify(err)
}

// closeTransfer records that a transfer in transit was received or cancelled.
func (s *store) closeTransfer(ctx context.Context, tr *StockTransfer) error {
	_, err := s.db.Raw(ctx, true).ExecContext(ctx, s.db.Rebind(`UPDATE inventory_transfers SET status = ?, closed_at = ?, updated_at = ? WHERE id = ? AND status = 'IN_TRANSIT'`),
		tr.Status, tr.ClosedAt, tr.UpdatedAt, int64(tr.ID))
	return db.Classify(err)
}

// lockPO loads a live purchase order for a change (see lockRow).
func (s *store) lockPO(ctx context.Context, poID id.ID) (*PurchaseOrder, error) {
	var po PurchaseOrder
	if err := s.lockRow(ctx, &po, poID, "purchase order"); err != nil {
		return nil, err
	}
	if po.DeletedAt != nil {
		return nil, notFound(sql.ErrNoRows, "purchase order "+poID.String())
	}
	return &po, nil
}

// poItems returns the lines of a purchase order.
func (s *store) poItems(ctx context.Context, poID id.ID) ([]PurchaseOrderItem, error) {
	var items []PurchaseOrderItem
	err := s.db.IDB(ctx).NewSelect().Model(&items).Where("purchase_order_id = ?", int64(poID)).Order("id").Scan(ctx)
	return items, db.Classify(err)
}

// receiveLine adds qty to what was received of a line, which must not exceed what was ordered.
func (s *store) receiveLine(ctx context.Context, lineID id.ID, qty int64) error {
	res, err := s.db.Raw(ctx, true).ExecContext(ctx, s.db.Rebind(`UPDATE purchase_order_items SET quantity_received = quantity_received + ?, updated_at = ?
WHERE id = ? AND quantity_received + ? <= quantity_ordered`), qty, s.clock.Now(), int64(lineID), qty)
	if err != nil {
		return db.Classify(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.Newf(errs.Internal, "inventory: purchase order line %s changed under a lock", lineID)
	}
	return nil
}

// refreshPOTotal sets an order's total to the sum of its lines, where the line lineID (being
// written: not yet inserted, changed, or deleted) counts for amount instead of what is stored.
func (s *store) refreshPOTotal(ctx context.Context, poID, lineID id.ID, amount int64) error {
	_, err := s.db.Raw(ctx, true).ExecContext(ctx, s.db.Rebind(`UPDATE purchase_orders SET total_amount = ? +
(SELECT COALESCE(SUM(quantity_ordered * unit_cost), 0) FROM purchase_order_items WHERE purchase_order_id = ? AND id <> ?), updated_at = ? WHERE id = ?`),
		amount, int64(poID), int64(lineID), s.clock.Now(), int64(poID))
	return db.Classify(err)
}

// balances reads, in one statement (one snapshot), every stock item of the organizer (0: all)
// and merchant (0: all) with the sums its history must add up to; row receives each.
func (s *store) balances(ctx context.Context, organizerID, merchantID id.ID, row func(d *StockDiscrepancy)) error {
	q := `SELECT i.id, i.location_id, i.variant_id, i.quantity_on_hand, i.quantity_reserved,
 COALESCE((SELECT SUM(t.quantity_delta) FROM inventory_trackings t WHERE t.item_id = i.id), 0),
 COALESCE((SELECT SUM(t.reserved_delta) FROM inventory_trackings t WHERE t.item_id = i.id), 0),
 COALESCE((SELECT SUM(r.quantity) FROM inventory_reservations r WHERE r.item_id = i.id AND r.status = 'ACTIVE'), 0),
 COALESCE((SELECT SUM(l.quantity_remaining) FROM inventory_cost_layers l WHERE l.item_id = i.id), 0)
FROM inventory_items i WHERE 1=1`
	var args []any
	if organizerID != 0 {
		q += ` AND i.organizer_id = ?`
		args = append(args, int64(organizerID))
	}
	if merchantID != 0 {
		q += ` AND i.merchant_id = ?`
		args = append(args, int64(merchantID))
	}
	rows, err := s.db.Raw(ctx, false).QueryContext(ctx, s.db.Rebind(q+` ORDER BY i.id`), args...)
	if err != nil {
		return db.Classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		var d StockDiscrepancy
		if err := rows.Scan(&d.ItemID, &d.LocationID, &d.VariantID, &d.QuantityOnHand, &d.QuantityReserved,
			&d.TrackedOnHand, &d.TrackedReserved, &d.OpenReserved, &d.LayersRemaining); err != nil {
			return db.Classify(err)
		}
		row(&d)
	}
	return db.Classify(rows.Err())
}
