package payment

import (
	"context"
	"encoding/json"
	"time"

	"github.com/banapos/bana/internal/platform/id"
)

// The narrow interfaces payment needs of other modules. internal/app adapts sale, configuration
// and commerce to them (wire_payment.go), and adapts payment's providers to sale's Provider.

// Sale is what payment needs of sale: the attempts it created, and applying a provider's
// verified report to one (sale's ApplyCallback, idempotent).
type Sale interface {
	// Payment finds the attempt of a provider with a reference, or ErrNoAttempt.
	Payment(ctx context.Context, provider, reference string) (SalePayment, error)
	// Apply applies a verified report once and returns its outcome (Outcome*).
	Apply(ctx context.Context, r Report) (string, error)
}

// SalePayment is sale's record of an attempt, as payment reads it.
type SalePayment struct {
	ID          id.ID
	OrganizerID id.ID
	MerchantID  id.ID
	OrderID     id.ID
	Provider    string
	Method      string
	Status      string // PENDING, SUCCEEDED, FAILED, EXPIRED, CANCELLED
	Amount      int64
	Refunded    int64
	Reference   string
	ExpiresAt   *time.Time
}

// Sale's attempt states payment branches on.
const (
	SalePending   = "PENDING"
	SaleSucceeded = "SUCCEEDED"
	SaleExpired   = "EXPIRED"
	SaleCancelled = "CANCELLED"
)

// Report is a provider's verified report on an attempt.
type Report struct {
	Provider  string
	Reference string
	Succeeded bool
	Amount    int64
	Detail    string
	Payload   json.RawMessage
}

// The outcomes of Sale.Apply (sale's callback outcomes).
const (
	OutcomeApplied          = "APPLIED"
	OutcomeFailedRecorded   = "FAILED_RECORDED"
	OutcomeDuplicate        = "DUPLICATE"
	OutcomeLateRefused      = "LATE_REFUSED"
	OutcomeAmountMismatch   = "AMOUNT_MISMATCH"
	OutcomeUnknownReference = "UNKNOWN_REFERENCE"
)

// Credentials reads a merchant's sealed settings (configuration): the plaintext of the SECRET
// setting code of the merchant, else of its organizer, else ErrNotConfigured.
type Credentials interface {
	Secret(ctx context.Context, organizerID, merchantID id.ID, code string) (string, error)
}

// Merchants tells whose merchant an id is (commerce): ErrUnknownMerchant when none.
type Merchants interface {
	Organizer(ctx context.Context, merchantID id.ID) (id.ID, error)
}

// PaymentAttempt request and answer, as sale asks them (sale.Attempt and sale.Instruction, adapted).

// Start is what a provider is asked to collect.
type Start struct {
	PaymentID   id.ID
	OrganizerID id.ID
	MerchantID  id.ID
	OrderID     id.ID
	OrderNumber int
	Method      string
	Amount      int64
	Reference   string
	ExpiresAt   time.Time
}

// Instruction is what the customer is shown while the attempt waits (never an immediate success:
// none of payment's providers has the money in hand when it starts).
type Instruction struct {
	Data json.RawMessage
}
