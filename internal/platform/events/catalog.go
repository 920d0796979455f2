package events

import (
	"time"

	"github.com/banapos/bana/internal/platform/id"
)

// The design document's three channels, as typed events. Publishers and subscribers:
//
//	SellerRegistered     identity  -> commerce  (initialize the seller's merchant defaults)
//	CommerceInitialized  commerce  -> finance   (create the merchant's default Cash wallet)
//	PaymentSuccess       sale      -> finance, webhook (record an INCOME transaction; tell merchants)
//	OrderChanged         sale      -> webhook   (tell merchants' endpoints of an order's steps)

// SellerRegistered is published by identity when a seller signs up.
type SellerRegistered struct {
	UserID        id.ID  `json:"userId"`
	OrganizerID   id.ID  `json:"organizerId"`
	OrganizerName string `json:"organizerName"`
	MerchantName  string `json:"merchantName,omitempty"`
	MerchantType  string `json:"merchantType,omitempty"` // DEFAULT, TICKET, FNB, THEATER
	Email         string `json:"email,omitempty"`
	Phone         string `json:"phone,omitempty"`
}

// EventName implements Event.
func (SellerRegistered) EventName() string { return "SellerRegistered" }

// EventVersion implements Event.
func (SellerRegistered) EventVersion() int { return 1 }

// CommerceInitialized is published by commerce once a merchant's defaults exist.
type CommerceInitialized struct {
	OrganizerID  id.ID  `json:"organizerId"`
	MerchantID   id.ID  `json:"merchantId"`
	MerchantType string `json:"merchantType"`
	Currency     string `json:"currency"`
}

// EventName implements Event.
func (CommerceInitialized) EventName() string { return "CommerceInitialized" }

// EventVersion implements Event.
func (CommerceInitialized) EventVersion() int { return 1 }

// PaymentSuccess is published by sale when a payment of an order succeeds.
type PaymentSuccess struct {
	OrganizerID id.ID     `json:"organizerId"`
	MerchantID  id.ID     `json:"merchantId"`
	OrderID     id.ID     `json:"orderId"`
	PaymentID   id.ID     `json:"paymentId"`
	Provider    string    `json:"provider"` // SYSTEM (cash), VNPAY_QR_MMS, ...
	Method      string    `json:"method"`   // CASH, QR, CARD, ...
	Amount      int64     `json:"amount"`   // minor units (whole VND)
	Currency    string    `json:"currency"`
	Reference   string    `json:"reference,omitempty"`
	PaidAt      time.Time `json:"paidAt"`
}

// EventName implements Event.
func (PaymentSuccess) EventName() string { return "PaymentSuccess" }

// EventVersion implements Event.
func (PaymentSuccess) EventVersion() int { return 1 }

// OrderChanged is published by sale at each step of an order's life that merchants' systems
// follow (created, paid, reopened, cancelled, expired, completed, refunded), in the transaction
// of the change: the webhook module carries it to merchants' endpoints. Type is the step, as
// sale names it on its realtime topic ("order.paid").
type OrderChanged struct {
	OrganizerID id.ID     `json:"organizerId"`
	MerchantID  id.ID     `json:"merchantId"`
	OrderID     id.ID     `json:"orderId"`
	Number      int       `json:"number"`
	Type        string    `json:"type"`
	Status      string    `json:"status"`
	Total       int64     `json:"total"`     // minor units (whole VND)
	PaidTotal   int64     `json:"paidTotal"` // minor units
	Currency    string    `json:"currency"`
	ChangedAt   time.Time `json:"changedAt"`
}

// EventName implements Event.
func (OrderChanged) EventName() string { return "OrderChanged" }

// EventVersion implements Event.
func (OrderChanged) EventVersion() int { return 1 }
