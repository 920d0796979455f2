package sale

import (
	"context"

	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/id"
)

// countOpenOrders counts the shift's orders still DRAFT or PROCESSING.
func (m *Module) countOpenOrders(ctx context.Context, shiftID id.ID) (int, error) {
	var n int
	err := m.db.Raw(ctx, true).QueryRowContext(ctx, m.db.Rebind("SELECT count(*) FROM sale_orders WHERE shift_id = ? AND status IN (?, ?)"),
		int64(shiftID), Draft, Processing).Scan(&n)
	return n, db.Classify(err)
}

// The totals of a shift for its Z-report, each one aggregate query over the shift's rows.

// shiftOrder is what the Z-report reads of each order of the shift.
type shiftOrder struct {
	number               int
	total, discount, tax int64
	status               Status
}

// groupSum is one group of a grouped total: two text keys and two sums.
type groupSum struct {
	a, b string
	x, y int64
}

// shiftOrders returns the shift's orders in number order.
func (m *Module) shiftOrders(ctx context.Context, shiftID id.ID) ([]shiftOrder, error) {
	rows, err := m.db.Raw(ctx, true).QueryContext(ctx, m.db.Rebind(`SELECT number, total, discount_total, tax_total, status FROM sale_orders
		WHERE shift_id = ? ORDER BY number`), int64(shiftID))
	if err != nil {
		return nil, db.Classify(err)
	}
	defer rows.Close()
	var out []shiftOrder
	for rows.Next() {
		var o shiftOrder
		if err := rows.Scan(&o.number, &o.total, &o.discount, &o.tax, &o.status); err != nil {
			return nil, db.Classify(err)
		}
		out = append(out, o)
	}
	return out, db.Classify(rows.Err())
}

// shiftLineSums totals the lines of the shift's paid orders (PAID, COMPLETED, refunded in part or
// whole) by tax rate and category: the lines' totals and taxes.
func (m *Module) shiftLineSums(ctx context.Context, shiftID id.ID) ([]groupSum, error) {
	return m.groupSums(ctx, `SELECT i.tax_rate, i.category_code, COALESCE(SUM(i.total), 0), COALESCE(SUM(i.tax), 0)
		FROM sale_order_items i JOIN sale_orders o ON o.id = i.order_id
		WHERE o.shift_id = ? AND o.status IN (?, ?, ?, ?) GROUP BY i.tax_rate, i.category_code`,
		int64(shiftID), Paid, Completed, PartiallyRefunded, Refunded)
}

// shiftTenderSums totals the shift's succeeded payments, net of refunds, by provider and method.
func (m *Module) shiftTenderSums(ctx context.Context, shiftID id.ID) ([]groupSum, error) {
	return m.groupSums(ctx, `SELECT provider, method, COALESCE(SUM(amount - refunded), 0), 0 FROM sale_payments
		WHERE shift_id = ? AND status = ? GROUP BY provider, method`, int64(shiftID), PaymentSucceeded)
}

// shiftCashSums totals the shift's drawer movements by kind.
func (m *Module) shiftCashSums(ctx context.Context, shiftID id.ID) ([]groupSum, error) {
	return m.groupSums(ctx, "SELECT kind, '', COALESCE(SUM(amount), 0), 0 FROM sale_cash_movements WHERE shift_id = ? GROUP BY kind", int64(shiftID))
}

// shiftRefunds counts and totals the refunds paid out of the shift.
func (m *Module) shiftRefunds(ctx context.Context, shiftID id.ID) (count int, total int64, err error) {
	err = m.db.Raw(ctx, true).QueryRowContext(ctx, m.db.Rebind("SELECT count(*), COALESCE(SUM(amount), 0) FROM sale_refunds WHERE shift_id = ?"),
		int64(shiftID)).Scan(&count, &total)
	return count, total, db.Classify(err)
}

// groupSums runs a grouped query of two text keys and two sums.
func (m *Module) groupSums(ctx context.Context, q string, args ...any) ([]groupSum, error) {
	rows, err := m.db.Raw(ctx, true).QueryContext(ctx, m.db.Rebind(q), args...)
	if err != nil {
		return nil, db.Classify(err)
	}
	defer rows.Close()
	var out []groupSum
	for rows.Next() {
		var g groupSum
		if err := rows.Scan(&g.a, &g.b, &g.x, &g.y); err != nil {
			return nil, db.Classify(err)
		}
		out = append(out, g)
	}
	return out, db.Classify(rows.Err())
}
