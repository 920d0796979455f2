package sale

import (
	"context"
	"time"

	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/id"
)

// voidPending ends the order's PENDING attempts with status (cancelled or expired).
func (m *Module) voidPending(ctx context.Context, orderID id.ID, status string, now time.Time) error {
	_, err := m.db.Raw(ctx, true).ExecContext(ctx, m.db.Rebind(
		"UPDATE sale_payments SET status = ?, updated_at = ? WHERE order_id = ? AND status = ?"),
		status, now, int64(orderID), PaymentPending)
	return db.Classify(err)
}

// pendingAmount is the sum of the order's attempts still PENDING.
func (m *Module) pendingAmount(ctx context.Context, orderID id.ID) (int64, error) {
	var n int64
	err := m.db.Raw(ctx, true).QueryRowContext(ctx, m.db.Rebind(
		"SELECT COALESCE(SUM(amount), 0) FROM sale_payments WHERE order_id = ? AND status = ?"), int64(orderID), PaymentPending).Scan(&n)
	return n, db.Classify(err)
}

// updatePaymentStatus writes an attempt's status, paid time and update time.
func (m *Module) updatePaymentStatus(ctx context.Context, p *Payment) error {
	_, err := m.db.IDB(ctx).NewUpdate().Model(p).Column("status", "paid_at", "updated_at").WherePK().Exec(ctx)
	return db.Classify(err)
}

// updatePaymentRefunded writes how much of a payment is refunded.
func (m *Module) updatePaymentRefunded(ctx context.Context, p *Payment) error {
	_, err := m.db.IDB(ctx).NewUpdate().Model(p).Column("refunded").WherePK().Exec(ctx)
	return db.Classify(err)
}

// expirePayment marks an attempt EXPIRED if it is still PENDING at its expiry, and reports
// whether it did.
func (m *Module) expirePayment(ctx context.Context, paymentID id.ID, now time.Time) (bool, error) {
	res, err := m.db.Raw(ctx, true).ExecContext(ctx, m.db.Rebind(
		"UPDATE sale_payments SET status = ?, updated_at = ? WHERE id = ? AND status = ? AND expires_at <= ?"),
		PaymentExpired, now, int64(paymentID), PaymentPending, now)
	if err != nil {
		return false, db.Classify(err)
	}
	n, err := res.RowsAffected()
	return n > 0, db.Classify(err)
}

// lateRefused reports whether a late success of the attempt was already refused and recorded,
// so that a provider's repeat is not taken for a second payment to refund.
func (m *Module) lateRefused(ctx context.Context, pay *Payment) (bool, error) {
	var n int
	err := m.db.Raw(ctx, true).QueryRowContext(ctx, m.db.Rebind(
		"SELECT count(*) FROM sale_payment_callbacks WHERE provider = ? AND reference = ? AND outcome = ?"),
		pay.Provider, pay.Reference, OutcomeLateRefused).Scan(&n)
	return n > 0, db.Classify(err)
}
