package sale

import (
	"context"
	"strings"
	"time"

	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/id"
)

// insertTickets writes new kitchen tickets, their lines, and the QUEUED kitchen status of the
// order lines they came from: one statement each.
func (m *Module) insertTickets(ctx context.Context, tickets []KitchenTicket, lines []KitchenItem, orderItems []id.ID) error {
	if _, err := m.db.IDB(ctx).NewInsert().Model(&tickets).Exec(ctx); err != nil {
		return db.Classify(err)
	}
	if _, err := m.db.IDB(ctx).NewInsert().Model(&lines).Exec(ctx); err != nil {
		return db.Classify(err)
	}
	args := make([]any, 0, len(orderItems)+1)
	args = append(args, KitchenQueued)
	for _, it := range orderItems {
		args = append(args, int64(it))
	}
	_, err := m.db.Raw(ctx, true).ExecContext(ctx, m.db.Rebind("UPDATE sale_order_items SET kitchen_status = ? WHERE id IN ("+
		strings.TrimSuffix(strings.Repeat("?, ", len(orderItems)), ", ")+")"), args...)
	return db.Classify(err)
}

// setItemKitchenStatus writes the kitchen status of one order line.
func (m *Module) setItemKitchenStatus(ctx context.Context, orderItemID id.ID, status string) error {
	_, err := m.db.Raw(ctx, true).ExecContext(ctx, m.db.Rebind("UPDATE sale_order_items SET kitchen_status = ? WHERE id = ?"), status, int64(orderItemID))
	return db.Classify(err)
}

// kitchenWaiting reports whether any line of the order is still being made.
func (m *Module) kitchenWaiting(ctx context.Context, orderID id.ID) (bool, error) {
	var n int
	err := m.db.Raw(ctx, true).QueryRowContext(ctx, m.db.Rebind(
		"SELECT count(*) FROM sale_order_items WHERE order_id = ? AND kitchen_status IN (?, ?, ?)"),
		int64(orderID), KitchenQueued, KitchenPreparing, KitchenReady).Scan(&n)
	return n > 0, db.Classify(err)
}

// voidKitchen voids the unserved kitchen lines and tickets of an order, and the kitchen status
// of its order lines.
func (m *Module) voidKitchen(ctx context.Context, orderID id.ID, now time.Time) error {
	q := m.db.Raw(ctx, true)
	if _, err := q.ExecContext(ctx, m.db.Rebind(`UPDATE sale_kitchen_items SET status = ?, updated_at = ?
		WHERE status <> ? AND ticket_id IN (SELECT id FROM sale_kitchen_tickets WHERE order_id = ?)`),
		KitchenVoided, now, KitchenServed, int64(orderID)); err != nil {
		return db.Classify(err)
	}
	if _, err := q.ExecContext(ctx, m.db.Rebind("UPDATE sale_kitchen_tickets SET status = ?, updated_at = ? WHERE order_id = ? AND status <> ?"),
		KitchenVoided, now, int64(orderID), KitchenServed); err != nil {
		return db.Classify(err)
	}
	_, err := q.ExecContext(ctx, m.db.Rebind("UPDATE sale_order_items SET kitchen_status = ? WHERE order_id = ? AND kitchen_status IN (?, ?, ?)"),
		KitchenVoided, int64(orderID), KitchenQueued, KitchenPreparing, KitchenReady)
	return db.Classify(err)
}
