package payment

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
)

// The SQL of payment's three tables. Every function joins the transaction in ctx, if any.

func (m *Module) insertAttempt(ctx context.Context, a *PaymentAttempt) error {
	_, err := m.db.IDB(ctx).NewInsert().Model(a).Exec(ctx)
	return db.Classify(err)
}

// attempt reads an attempt by its payment id, whoever's it is (callers check the tenant).
func (m *Module) attempt(ctx context.Context, paymentID id.ID) (*PaymentAttempt, error) {
	a := new(PaymentAttempt)
	err := m.db.ReadIDB(ctx).NewSelect().Model(a).Where("id = ?", int64(paymentID)).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.Wrap(errs.NotFound, "payment attempt "+paymentID.String()+" not found", errs.ErrNotFound)
	}
	return a, db.Classify(err)
}

// noteProvider records what a provider said last about an attempt (a paid attempt stays paid).
func (m *Module) noteProvider(ctx context.Context, paymentID id.ID, status, ref, paidAt string) error {
	_, err := m.db.Raw(ctx, true).ExecContext(ctx, m.db.Rebind(`UPDATE payment_attempts SET provider_status = ?,
		provider_ref = CASE WHEN ? = '' THEN provider_ref ELSE ? END, provider_paid_at = CASE WHEN ? = '' THEN provider_paid_at ELSE ? END,
		updated_at = ? WHERE id = ? AND provider_status <> ?`),
		status, ref, ref, paidAt, paidAt, m.now(), int64(paymentID), ProviderPaid)
	return db.Classify(err)
}

func (m *Module) insertNotification(ctx context.Context, n *PaymentNotification) error {
	if n.ID == 0 {
		n.ID = m.ids.Next()
	}
	if len(n.Payload) == 0 {
		n.Payload = []byte(`{}`)
	}
	_, err := m.db.IDB(ctx).NewInsert().Model(n).Exec(ctx)
	return db.Classify(err)
}

func (m *Module) notification(ctx context.Context, nid id.ID) (*PaymentNotification, error) {
	n := new(PaymentNotification)
	err := m.db.ReadIDB(ctx).NewSelect().Model(n).Where("id = ?", int64(nid)).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.Wrap(errs.NotFound, "payment notification "+nid.String()+" not found", errs.ErrNotFound)
	}
	return n, db.Classify(err)
}

// settleNotification writes what became of a queued notification, unless another worker did.
func (m *Module) settleNotification(ctx context.Context, nid id.ID, outcome string, at time.Time) (bool, error) {
	res, err := m.db.Raw(ctx, true).ExecContext(ctx, m.db.Rebind(
		"UPDATE payment_notifications SET outcome = ?, applied_at = ? WHERE id = ? AND outcome = ?"), outcome, at, int64(nid), OutcomeQueued)
	if err != nil {
		return false, db.Classify(err)
	}
	n, err := res.RowsAffected()
	return n > 0, db.Classify(err)
}

func (m *Module) insertRefund(ctx context.Context, r *PaymentRefund) error {
	_, err := m.db.IDB(ctx).NewInsert().Model(r).Exec(ctx)
	return db.Classify(err)
}

func (m *Module) refund(ctx context.Context, rid id.ID) (*PaymentRefund, error) {
	r := new(PaymentRefund)
	err := m.db.ReadIDB(ctx).NewSelect().Model(r).Where("id = ?", int64(rid)).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.Wrap(errs.NotFound, "payment refund "+rid.String()+" not found", errs.ErrNotFound)
	}
	return r, db.Classify(err)
}

// refundOfSale reads the refund that follows one of sale's refunds, if any.
func (m *Module) refundOfSale(ctx context.Context, saleRefundID id.ID) (*PaymentRefund, error) {
	r := new(PaymentRefund)
	err := m.db.ReadIDB(ctx).NewSelect().Model(r).Where("sale_refund_id = ?", int64(saleRefundID)).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return r, db.Classify(err)
}

// refunded is how much of a payment is refunded or being refunded here (failed refunds aside).
func (m *Module) refunded(ctx context.Context, paymentID id.ID) (int64, error) {
	var n int64
	err := m.db.Raw(ctx, false).QueryRowContext(ctx, m.db.Rebind(
		"SELECT COALESCE(SUM(amount), 0) FROM payment_refunds WHERE payment_id = ? AND status <> ?"), int64(paymentID), RefundFailed).Scan(&n)
	return n, db.Classify(err)
}

// finishRefund writes a provider's answer to a pending refund.
func (m *Module) finishRefund(ctx context.Context, r *PaymentRefund) error {
	r.UpdatedAt = m.now()
	_, err := m.db.IDB(ctx).NewUpdate().Model(r).Column("status", "provider_code", "provider_message", "attempts", "updated_at").
		WherePK().Where("status = ?", RefundPending).Exec(ctx)
	return db.Classify(err)
}
