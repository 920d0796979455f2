package finance_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/banapos/bana/internal/finance"
	"github.com/banapos/bana/internal/inventory"
	"github.com/banapos/bana/internal/sale"
)

// TestEventsAsFinanceReadsThem: finance reads sale's OrderRefunded and inventory's
// PurchaseOrderReceived through types of its own (deps.go); the bus matches them by name. Each
// field finance reads must come through from what the publisher writes.
func TestEventsAsFinanceReadsThem(t *testing.T) {
	at := time.Date(2026, 3, 8, 9, 30, 0, 0, time.UTC)
	refund := sale.OrderRefunded{OrganizerID: 1, MerchantID: 2, OrderID: 3, RefundID: 4, PaymentID: 5, Provider: "SYSTEM", Method: "CASH",
		Amount: 25000, Tax: 1852, Currency: "VND", RefundedAt: at}
	var r finance.OrderRefunded
	decode(t, refund, &r)
	if r != (finance.OrderRefunded{OrganizerID: 1, MerchantID: 2, OrderID: 3, RefundID: 4, PaymentID: 5, Provider: "SYSTEM", Method: "CASH",
		Amount: 25000, Currency: "VND", RefundedAt: at}) || r.EventName() != refund.EventName() || r.EventVersion() != refund.EventVersion() {
		t.Fatalf("OrderRefunded as finance reads it: %+v", r)
	}
	received := inventory.PurchaseOrderReceived{OrganizerID: 1, MerchantID: 2, PurchaseOrderID: 3, PurchaseOrder: "PO-1", ReceiptID: 4,
		VendorID: 5, LocationID: 6, Amount: 60000, Currency: "VND", Completed: true, ReceivedAt: at}
	var p finance.PurchaseOrderReceived
	decode(t, received, &p)
	if p != (finance.PurchaseOrderReceived{OrganizerID: 1, MerchantID: 2, PurchaseOrderID: 3, PurchaseOrder: "PO-1", ReceiptID: 4,
		Amount: 60000, Currency: "VND", ReceivedAt: at}) || p.EventName() != received.EventName() || p.EventVersion() != received.EventVersion() {
		t.Fatalf("PurchaseOrderReceived as finance reads it: %+v", p)
	}
}

func decode(t *testing.T, from, to any) {
	t.Helper()
	raw, err := json.Marshal(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, to); err != nil {
		t.Fatal(err)
	}
}
