package inventory

// TrackingType is the kind of one change of stock, as the audit trail names it.
type TrackingType string

// Direction groups tracking types by what they do to the quantity on hand.
type Direction string

// The three groups of the document.
const (
	Inbound  Direction = "INBOUND"  // on hand goes up
	Outbound Direction = "OUTBOUND" // on hand goes down
	Neutral  Direction = "NEUTRAL"  // on hand set (count), corrected either way, or untouched (reservations)
)

// Quantity names the quantity a tracking type changes. Every row changes exactly one of them, so
// on hand is the sum of the ON_HAND rows' deltas and reserved the sum of the RESERVED rows'.
type Quantity string

// The two stored quantities (available is derived: on hand - reserved).
const (
	QtyOnHand   Quantity = "ON_HAND"
	QtyReserved Quantity = "RESERVED"
)

// The twenty tracking types: the document's fourteen, then the six that reservations, transfers
// in transit and signed adjustments need.
const (
	TrackingStockIn            TrackingType = "STOCK_IN"
	TrackingPurchase           TrackingType = "PURCHASE"
	TrackingTransferIn         TrackingType = "TRANSFER_IN"
	TrackingReturnFromCustomer TrackingType = "RETURN_FROM_CUSTOMER"
	TrackingAdjustmentIn       TrackingType = "ADJUSTMENT_IN"
	TrackingStockOut           TrackingType = "STOCK_OUT"
	TrackingSale               TrackingType = "SALE"
	TrackingTransferOut        TrackingType = "TRANSFER_OUT"
	TrackingReturnToVendor     TrackingType = "RETURN_TO_VENDOR"
	TrackingExpired            TrackingType = "EXPIRED"
	TrackingLost               TrackingType = "LOST"
	TrackingDamaged            TrackingType = "DAMAGED"
	TrackingInventoryCount     TrackingType = "INVENTORY_COUNT"
	TrackingAdjustmentNeutral  TrackingType = "ADJUSTMENT_NEUTRAL"

	TrackingAdjustmentOut      TrackingType = "ADJUSTMENT_OUT"
	TrackingTransferReturn     TrackingType = "TRANSFER_RETURN"
	TrackingReservation        TrackingType = "RESERVATION"
	TrackingReservationRelease TrackingType = "RESERVATION_RELEASE"
	TrackingReservationExpired TrackingType = "RESERVATION_EXPIRED"
	TrackingReservationCommit  TrackingType = "RESERVATION_COMMIT"
)

// TrackingTypeInfo describes one tracking type (the document's InventoryTrackingType rows).
type TrackingTypeInfo struct {
	Code        TrackingType
	Name        string
	Direction   Direction
	Quantity    Quantity
	Description string
	// Adjustable types may be used by a manual adjustment.
	Adjustable bool
}

// TrackingTypes lists the twenty types in a fixed order (their ids in inventory_tracking_types
// are their 1-based positions).
var TrackingTypes = []TrackingTypeInfo{
	{TrackingStockIn, "Stock in", Inbound, QtyOnHand, "Stock added without a purchase order (opening stock, a gift, a find).", true},
	{TrackingPurchase, "Purchase", Inbound, QtyOnHand, "Stock received against a purchase order; adds a FIFO cost layer.", false},
	{TrackingTransferIn, "Transfer in", Inbound, QtyOnHand, "Stock received at the destination of a transfer.", false},
	{TrackingReturnFromCustomer, "Return from customer", Inbound, QtyOnHand, "Goods a customer brought back, fit for sale.", true},
	{TrackingAdjustmentIn, "Adjustment in", Inbound, QtyOnHand, "A manual correction upwards.", true},
	{TrackingStockOut, "Stock out", Outbound, QtyOnHand, "Stock taken out for another reason (own use, samples).", true},
	{TrackingSale, "Sale", Outbound, QtyOnHand, "Stock sold: a committed reservation of an order; consumes FIFO cost layers.", false},
	{TrackingTransferOut, "Transfer out", Outbound, QtyOnHand, "Stock shipped from the source of a transfer.", false},
	{TrackingReturnToVendor, "Return to vendor", Outbound, QtyOnHand, "Goods sent back to a vendor.", true},
	{TrackingExpired, "Expired", Outbound, QtyOnHand, "Goods past their date, written off.", true},
	{TrackingLost, "Lost", Outbound, QtyOnHand, "Goods missing (theft, shrinkage).", true},
	{TrackingDamaged, "Damaged", Outbound, QtyOnHand, "Goods broken or spoiled, written off.", true},
	{TrackingInventoryCount, "Inventory count", Neutral, QtyOnHand, "A stock count set on hand to what was counted; the delta is the variance, of either sign.", false},
	{TrackingAdjustmentNeutral, "Neutral adjustment", Neutral, QtyOnHand, "A correction of either sign whose direction is not a movement (a data-entry fix).", true},
	{TrackingAdjustmentOut, "Adjustment out", Outbound, QtyOnHand, "A manual correction downwards: the counterpart the document's ADJUSTMENT_IN lacks.", true},
	{TrackingTransferReturn, "Transfer return", Inbound, QtyOnHand, "Stock of a cancelled transfer in transit, back at its source.", false},
	{TrackingReservation, "Reservation", Neutral, QtyReserved, "Stock reserved for an order line; on hand unchanged, available down.", false},
	{TrackingReservationRelease, "Reservation release", Neutral, QtyReserved, "A reservation released because its order changed or was cancelled.", false},
	{TrackingReservationExpired, "Reservation expired", Neutral, QtyReserved, "A reservation released by the expiry job.", false},
	{TrackingReservationCommit, "Reservation commit", Neutral, QtyReserved, "A reservation ends because its order was completed; the SALE row beside it takes the stock.", false},
}

var trackingIndex = func() map[TrackingType]TrackingTypeInfo {
	m := make(map[TrackingType]TrackingTypeInfo, len(TrackingTypes))
	for _, t := range TrackingTypes {
		m[t.Code] = t
	}
	return m
}()

// Info returns the description of t and whether t is known.
func (t TrackingType) Info() (TrackingTypeInfo, bool) {
	i, ok := trackingIndex[t]
	return i, ok
}

// Direction returns the group of t ("" when t is unknown).
func (t TrackingType) Direction() Direction { return trackingIndex[t].Direction }

// Allows reports whether a change of on hand by onHand and of reserved by reserved fits t: inbound
// types only add, outbound only take, neutral on-hand types go either way, and reservation types
// touch only the quantity reserved (reserve adds, the others take).
func (t TrackingType) Allows(onHand, reserved int64) bool {
	info, ok := trackingIndex[t]
	if !ok {
		return false
	}
	if info.Quantity == QtyReserved {
		if onHand != 0 {
			return false
		}
		if t == TrackingReservation {
			return reserved > 0
		}
		return reserved < 0
	}
	if reserved != 0 {
		return false
	}
	switch info.Direction {
	case Inbound:
		return onHand > 0
	case Outbound:
		return onHand < 0
	}
	return true
}
