package sale

import (
	"context"

	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/id"
)

// shiftCashTenders lists the succeeded cash tenders of the shift's paid orders (PAID, COMPLETED,
// refunded in part or whole), by id.
func (m *Module) shiftCashTenders(ctx context.Context, shiftID id.ID) ([]CashLine, error) {
	return m.cashLines(ctx, `SELECT p.id, p.amount FROM sale_payments p JOIN sale_orders o ON o.id = p.order_id
		WHERE p.shift_id = ? AND p.status = ? AND p.method = ? AND o.status IN (?, ?, ?, ?) ORDER BY p.id`,
		int64(shiftID), PaymentSucceeded, MethodCash, Paid, Completed, PartiallyRefunded, Refunded)
}

// shiftCashRefunds lists the refunds of cash tenders paid out of the shift, by id.
func (m *Module) shiftCashRefunds(ctx context.Context, shiftID id.ID) ([]CashLine, error) {
	return m.cashLines(ctx, `SELECT r.id, r.amount FROM sale_refunds r JOIN sale_payments p ON p.id = r.payment_id
		WHERE r.shift_id = ? AND p.method = ? ORDER BY r.id`, int64(shiftID), MethodCash)
}

func (m *Module) cashLines(ctx context.Context, q string, args ...any) ([]CashLine, error) {
	rows, err := m.db.Raw(ctx, false).QueryContext(ctx, m.db.Rebind(q), args...)
	if err != nil {
		return nil, db.Classify(err)
	}
	defer rows.Close()
	var out []CashLine
	for rows.Next() {
		var l CashLine
		if err := rows.Scan(&l.ID, &l.Amount); err != nil {
			return nil, db.Classify(err)
		}
		out = append(out, l)
	}
	return out, db.Classify(rows.Err())
}
