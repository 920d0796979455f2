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
	StockIn            TrackingType = "STOCK_IN"
	Purchase           TrackingType = "PURCHASE"
	TransferIn         TrackingType = "TRANSFER_IN"
	ReturnFromCustomer TrackingType = "RETURN_FROM_CUSTOMER"
	AdjustmentIn       TrackingType = "ADJUSTMENT_IN"
	StockOut           TrackingType = "STOCK_OUT"
	Sale               TrackingType = "SALE"
	TransferOut        TrackingType = "TRANSFER_OUT"
	ReturnToVendor     TrackingType = "RETURN_TO_VENDOR"
	Expired            TrackingType = "EXPIRED"
	Lost               TrackingType = "LOST"
	Damaged            TrackingType = "DAMAGED"
	InventoryCount     TrackingType = "INVENTORY_COUNT"
	AdjustmentNeutral  TrackingType = "ADJUSTMENT_NEUTRAL"

	AdjustmentOut      TrackingType = "ADJUSTMENT_OUT"
	TransferReturn     TrackingType = "TRANSFER_RETURN"
	Reservation        TrackingType = "RESERVATION"
	ReservationRelease TrackingType = "RESERVATION_RELEASE"
	ReservationExpired TrackingType = "RESERVATION_EXPIRED"
	ReservationCommit  TrackingType = "RESERVATION_COMMIT"
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
	{StockIn, "Stock in", Inbound, QtyOnHand, "Stock added without a purchase order (opening stock, a gift, a find).", true},
	{Purchase, "Purchase", Inbound, QtyOnHand, "Stock received against a purchase order; adds a FIFO cost layer.", false},
	{TransferIn, "Transfer in", Inbound, QtyOnHand, "Stock received at the destination of a transfer.", false},
	{ReturnFromCustomer, "Return from customer", Inbound, QtyOnHand, "Goods a customer brought back, fit for sale.", true},
	{AdjustmentIn, "Adjustment in", Inbound, QtyOnHand, "A manual correction upwards.", true},
	{StockOut, "Stock out", Outbound, QtyOnHand, "Stock taken out for another reason (own use, samples).", true},
	{Sale, "Sale", Outbound, QtyOnHand, "Stock sold: a committed reservation of an order; consumes FIFO cost layers.", false},
	{TransferOut, "Transfer out", Outbound, QtyOnHand, "Stock shipped from the source of a transfer.", false},
	{ReturnToVendor, "Return to vendor", Outbound, QtyOnHand, "Goods sent back to a vendor.", true},
	{Expired, "Expired", Outbound, QtyOnHand, "Goods past their date, written off.", true},
	{Lost, "Lost", Outbound, QtyOnHand, "Goods missing (theft, shrinkage).", true},
	{Damaged, "Damaged", Outbound, QtyOnHand, "Goods broken or spoiled, written off.", true},
	{InventoryCount, "Inventory count", Neutral, QtyOnHand, "A stock count set on hand to what was counted; the delta is the variance, of either sign.", false},
	{AdjustmentNeutral, "Neutral adjustment", Neutral, QtyOnHand, "A correction of either sign whose direction is not a movement (a data-entry fix).", true},
	{AdjustmentOut, "Adjustment out", Outbound, QtyOnHand, "A manual correction downwards: the counterpart the document's ADJUSTMENT_IN lacks.", true},
	{TransferReturn, "Transfer return", Inbound, QtyOnHand, "Stock of a cancelled transfer in transit, back at its source.", false},
	{Reservation, "Reservation", Neutral, QtyReserved, "Stock reserved for an order line; on hand unchanged, available down.", false},
	{ReservationRelease, "Reservation release", Neutral, QtyReserved, "A reservation released because its order changed or was cancelled.", false},
	{ReservationExpired, "Reservation expired", Neutral, QtyReserved, "A reservation released by the expiry job.", false},
	{ReservationCommit, "Reservation commit", Neutral, QtyReserved, "A reservation ends because its order was completed; the SALE row beside it takes the stock.", false},
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
		if t == Reservation {
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
