package payment

import (
	"context"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/riverqueue/river"
)

// checkArgs is the scheduler's job: ask the provider about an attempt shortly before it expires.
type checkArgs struct {
	PaymentID id.ID `json:"paymentId"`
}

func (checkArgs) Kind() string { return "payment.attempt-check" }

type checkWorker struct {
	river.WorkerDefaults[checkArgs]
	m *Module
}

func (w *checkWorker) Work(ctx context.Context, j *river.Job[checkArgs]) error {
	return w.m.checkAttempt(auth.System(ctx), j.Args.PaymentID)
}

// confirmArgs is the confirmation queue's job: apply a verified notification kept as QUEUED.
type confirmArgs struct {
	NotificationID id.ID `json:"notificationId"`
}

func (confirmArgs) Kind() string { return "payment.confirm" }

type confirmWorker struct {
	river.WorkerDefaults[confirmArgs]
	m *Module
}

func (w *confirmWorker) Work(ctx context.Context, j *river.Job[confirmArgs]) error {
	return w.m.confirm(auth.System(ctx), j.Args.NotificationID)
}

// refundArgs runs a refund at its provider (on the confirmation queue).
type refundArgs struct {
	RefundID id.ID `json:"refundId"`
}

func (refundArgs) Kind() string { return "payment.refund" }

type refundWorker struct {
	river.WorkerDefaults[refundArgs]
	m *Module
}

func (w *refundWorker) Work(ctx context.Context, j *river.Job[refundArgs]) error {
	return w.m.runRefund(auth.System(ctx), j.Args.RefundID)
}
