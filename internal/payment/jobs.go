package payment

import "github.com/banapos/bana/internal/platform/id"

// checkArgs is the scheduler's job: ask the provider about an attempt shortly before it expires.
type checkArgs struct {
	PaymentID id.ID `json:"paymentId"`
}

func (checkArgs) Kind() string { return "payment.attempt-check" }

// confirmArgs is the confirmation queue's job: apply a verified notification kept as QUEUED.
type confirmArgs struct {
	NotificationID id.ID `json:"notificationId"`
}

func (confirmArgs) Kind() string { return "payment.confirm" }

// refundArgs runs a refund at its provider (on the confirmation queue).
type refundArgs struct {
	RefundID id.ID `json:"refundId"`
}

func (refundArgs) Kind() string { return "payment.refund" }
