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
//	OrderRefunded        sale      -> finance, payment, webhook (reverse the INCOME; refund at
//	                                  the provider; tell merchants)
//	PurchaseOrderReceived inventory -> finance  (record the EXPENSE of goods received)

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

// OrderRefunded is published by sale when money is refunded against one payment of an order.
type OrderRefunded struct {
	OrganizerID id.ID     `json:"organizerId"`
	MerchantID  id.ID     `json:"merchantId"`
	OrderID     id.ID     `json:"orderId"`
	RefundID    id.ID     `json:"refundId"`
	PaymentID   id.ID     `json:"paymentId"`
	Provider    string    `json:"provider"`
	Method      string    `json:"method"`
	Amount      int64     `json:"amount"` // minor units (whole VND)
	Tax         int64     `json:"tax"`
	Currency    string    `json:"currency"`
	RefundedAt  time.Time `json:"refundedAt"`
}

// EventName implements Event.
func (OrderRefunded) EventName() string { return "OrderRefunded" }

// EventVersion implements Event.
func (OrderRefunded) EventVersion() int { return 1 }

// PurchaseOrderReceived is published by inventory, in the receipt's transaction, each time goods
// are received against a purchase order: finance records the expense. It is the design
// document's PURCHASE_ORDER_RECEIVED queue job, delivered as a durable event (docs/decisions/0002).
type PurchaseOrderReceived struct {
	OrganizerID     id.ID                 `json:"organizerId"`
	MerchantID      id.ID                 `json:"merchantId"`
	PurchaseOrderID id.ID                 `json:"purchaseOrderId"`
	PurchaseOrder   string                `json:"purchaseOrderCode"`
	ReceiptID       id.ID                 `json:"receiptId"`
	VendorID        id.ID                 `json:"vendorId"`
	LocationID      id.ID                 `json:"locationId"`
	Amount          int64                 `json:"amount"` // whole VND: the cost of the goods received
	Currency        string                `json:"currency"`
	Lines           []PurchaseReceiptLine `json:"lines"`
	Completed       bool                  `json:"completed"` // the order is now fully received
	ReceivedAt      time.Time             `json:"receivedAt"`
}

// PurchaseReceiptLine is one line of goods received: a purchase order's item into a stock item.
type PurchaseReceiptLine struct {
	PurchaseOrderItemID id.ID `json:"purchaseOrderItemId"`
	VariantID           id.ID `json:"variantId"`
	ItemID              id.ID `json:"itemId" doc:"Stock item that received the goods"`
	Quantity            int64 `json:"quantity"`
	UnitCost            int64 `json:"unitCost"`
	Amount              int64 `json:"amount"`
}

// EventName implements Event.
func (PurchaseOrderReceived) EventName() string { return "PurchaseOrderReceived" }

// EventVersion implements Event.
func (PurchaseOrderReceived) EventVersion() int { return 1 }
