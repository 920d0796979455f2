package finance

import (
	"context"

	"github.com/banapos/bana/internal/platform/id"
)

// What finance needs of other modules. internal/app adapts each module's service to these
// interfaces; in split mode an HTTP client satisfies the same one.

// CashItem is one cash tender or cash refund of a shift.
type CashItem struct {
	ID     id.ID // the payment or the refund
	Amount int64
}

// ShiftCash is what sale knows of a shift's cash: its Z-report's totals and the cash tenders and
// refunds behind them.
type ShiftCash struct {
	ShiftID     id.ID
	OrganizerID id.ID
	MerchantID  id.ID
	Register    string
	Closed      bool
	// The Z-report's number and cash totals (zero while the shift is open).
	ZReportNumber int
	CashSales     int64 // cash tenders taken into the drawer
	CashRefunds   int64 // cash handed back out of it (refunds, and tenders of orders cancelled unpaid)
	// Payments are the succeeded cash tenders of the shift's paid orders (each has a
	// PaymentSuccess); Refunds the cash refunds paid out of the shift (each an OrderRefunded).
	Payments []CashItem
	Refunds  []CashItem
}

// Shifts reads sale's shifts.
type Shifts interface {
	// ShiftCash returns the shift's cash for the caller of ctx: a shift of a merchant the caller
	// may not act for is not found.
	ShiftCash(ctx context.Context, shiftID id.ID) (ShiftCash, error)
}
