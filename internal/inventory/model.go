package inventory

import (
	"github.com/banapos/bana/internal/platform/db"
	"time"

	"github.com/banapos/bana/internal/platform/events"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/uptrace/bun"
)

// Location types and the status of locations and vendors.
const (
	LocationStore     = "STORE"
	LocationWarehouse = "WAREHOUSE"
	StatusActive      = "ACTIVE"
	StatusInactive    = "INACTIVE"
)

// CurrencyVND is the one currency of purchase orders.
const CurrencyVND = "VND"

// Location is a place that holds stock: a store or a warehouse of one merchant. Each merchant
// has at most one default location, where reservations go when the caller names none; the first
// location of a merchant becomes its default.
type Location struct {
	bun.BaseModel `bun:"table:inventory_locations" json:"-"`

	ID          id.ID      `bun:"id,pk" json:"id" readOnly:"true"`
	OrganizerID id.ID      `bun:"organizer_id" json:"organizerId" required:"false" doc:"Owner organizer; set from the caller unless an admin"`
	MerchantID  id.ID      `bun:"merchant_id" json:"merchantId" doc:"Merchant the location belongs to"`
	Code        string     `bun:"code" json:"code" minLength:"1" maxLength:"50" doc:"Short code, unique per merchant"`
	Name        string     `bun:"name" json:"name" minLength:"1" maxLength:"200"`
	Type        string     `bun:"type" json:"type,omitempty" enum:"STORE,WAREHOUSE" doc:"STORE (default) or WAREHOUSE"`
	Address     db.OptText `bun:"address" json:"address,omitempty" maxLength:"500"`
	IsDefault   bool       `bun:"is_default" json:"isDefault" required:"false" doc:"Where reservations go when the caller names no location"`
	Status      string     `bun:"status" json:"status,omitempty" enum:"ACTIVE,INACTIVE"`
	CreatedAt   time.Time  `bun:"created_at" json:"createdAt" readOnly:"true"`
	UpdatedAt   time.Time  `bun:"updated_at" json:"updatedAt" readOnly:"true"`
	DeletedAt   *time.Time `bun:"deleted_at" json:"deletedAt,omitempty" readOnly:"true"`
}

// StockItem is the document's Inventory: the stock of one variant at one location. A variant is
// stock-tracked once a StockItem exists for it at any location of its merchant; until then the
// inventory module lets it be sold without reservations.
type StockItem struct {
	bun.BaseModel `bun:"table:inventory_items" json:"-"`

	ID                id.ID      `bun:"id,pk" json:"id" readOnly:"true"`
	OrganizerID       id.ID      `bun:"organizer_id" json:"organizerId" required:"false" doc:"Owner organizer; set from the caller unless an admin"`
	MerchantID        id.ID      `bun:"merchant_id" json:"merchantId" required:"false" doc:"Merchant; taken from the location"`
	LocationID        id.ID      `bun:"location_id" json:"locationId" doc:"Location holding the stock"`
	VariantID         id.ID      `bun:"variant_id" json:"variantId" doc:"Product variant (commerce module)"`
	SKU               db.OptText `bun:"sku" json:"sku,omitempty" maxLength:"100"`
	QuantityOnHand    int64      `bun:"quantity_on_hand" json:"quantityOnHand" required:"false" minimum:"0" doc:"Total physical stock. Settable only on create (an opening STOCK_IN); later it changes only through receipts, sales, adjustments, transfers and counts."`
	QuantityReserved  int64      `bun:"quantity_reserved" json:"quantityReserved" readOnly:"true" doc:"Allocated to open reservations"`
	QuantityAvailable int64      `bun:"quantity_available,scanonly" json:"quantityAvailable" readOnly:"true" doc:"On hand minus reserved: what can still be sold"`
	ReorderPoint      int64      `bun:"reorder_point" json:"reorderPoint" required:"false" minimum:"0" maximum:"1000000" doc:"Reorder when available falls to this"`
	UnitCost          int64      `bun:"unit_cost" json:"unitCost" required:"false" minimum:"0" doc:"Last known unit cost (VND); the cost of stock that arrives without one"`
	CreatedAt         time.Time  `bun:"created_at" json:"createdAt" readOnly:"true"`
	UpdatedAt         time.Time  `bun:"updated_at" json:"updatedAt" readOnly:"true"`
}

// InventoryTrackingType is one of the twenty tracking types, as stored and served.
type InventoryTrackingType struct {
	bun.BaseModel `bun:"table:inventory_tracking_types" json:"-"`

	ID          id.ID  `bun:"id,pk" json:"id" readOnly:"true"`
	Code        string `bun:"code" json:"code"`
	Name        string `bun:"name" json:"name"`
	Direction   string `bun:"direction" json:"direction" enum:"INBOUND,OUTBOUND,NEUTRAL"`
	Quantity    string `bun:"quantity" json:"quantity" enum:"ON_HAND,RESERVED" doc:"The quantity rows of this type change"`
	Description string `bun:"description" json:"description"`
}

// InventoryTracking is one row of the audit trail: one change of one item's on hand or reserved
// quantity, with the quantities before and after, the document that caused it, who and when.
type InventoryTracking struct {
	bun.BaseModel `bun:"table:inventory_trackings" json:"-"`

	ID             id.ID      `bun:"id,pk" json:"id"`
	OrganizerID    id.ID      `bun:"organizer_id" json:"organizerId"`
	MerchantID     id.ID      `bun:"merchant_id" json:"merchantId"`
	ItemID         id.ID      `bun:"item_id" json:"itemId"`
	LocationID     id.ID      `bun:"location_id" json:"locationId"`
	VariantID      id.ID      `bun:"variant_id" json:"variantId"`
	Type           string     `bun:"type" json:"type" doc:"One of the twenty tracking types"`
	Direction      string     `bun:"direction" json:"direction" enum:"INBOUND,OUTBOUND,NEUTRAL"`
	QuantityDelta  int64      `bun:"quantity_delta" json:"quantityDelta" doc:"Change of on hand"`
	ReservedDelta  int64      `bun:"reserved_delta" json:"reservedDelta" doc:"Change of reserved"`
	OnHandBefore   int64      `bun:"on_hand_before" json:"onHandBefore"`
	OnHandAfter    int64      `bun:"on_hand_after" json:"onHandAfter"`
	ReservedBefore int64      `bun:"reserved_before" json:"reservedBefore"`
	ReservedAfter  int64      `bun:"reserved_after" json:"reservedAfter"`
	CostAmount     int64      `bun:"cost_amount" json:"costAmount" doc:"Cost of the stock moved (VND): FIFO cost out, receipt cost in"`
	DocumentType   string     `bun:"document_type" json:"documentType" openapi:"enum=RESERVATION,PURCHASE_ORDER_RECEIPT,ADJUSTMENT,TRANSFER,COUNT,ITEM" doc:"RESERVATION, PURCHASE_ORDER_RECEIPT, ADJUSTMENT, TRANSFER, COUNT or ITEM"`
	DocumentID     id.ID      `bun:"document_id" json:"documentId"`
	Reference      db.OptText `bun:"reference" json:"reference,omitempty" doc:"Outside reference, such as the sale order of a reservation"`
	ActorID        *id.ID     `bun:"actor_id" json:"actorId,omitempty" doc:"User who caused it; absent for the system (jobs)"`
	ActorKind      db.OptText `bun:"actor_kind" json:"actorKind,omitempty"`
	Note           db.OptText `bun:"note" json:"note,omitempty"`
	CreatedAt      time.Time  `bun:"created_at" json:"createdAt"`
}

// ReservationStatus is the state of a reservation.
type ReservationStatus string

// A reservation is ACTIVE until it is released, expires or is committed; those are final.
const (
	ReservationActive    ReservationStatus = "ACTIVE"
	ReservationReleased  ReservationStatus = "RELEASED"
	ReservationExpired   ReservationStatus = "EXPIRED"
	ReservationCommitted ReservationStatus = "COMMITTED"
)

// StockReservation holds stock of one item for one order line.
type StockReservation struct {
	bun.BaseModel `bun:"table:inventory_reservations" json:"-"`

	ID          id.ID      `bun:"id,pk" json:"id"`
	OrganizerID id.ID      `bun:"organizer_id" json:"organizerId"`
	MerchantID  id.ID      `bun:"merchant_id" json:"merchantId"`
	ItemID      id.ID      `bun:"item_id" json:"itemId"`
	LocationID  id.ID      `bun:"location_id" json:"locationId"`
	VariantID   id.ID      `bun:"variant_id" json:"variantId"`
	Quantity    int64      `bun:"quantity" json:"quantity"`
	Reference   string     `bun:"reference" json:"reference" doc:"The order it is for"`
	Status      string     `bun:"status" json:"status" enum:"ACTIVE,RELEASED,EXPIRED,COMMITTED"`
	ExpiresAt   *time.Time `bun:"expires_at" json:"expiresAt,omitempty"`
	Reason      db.OptText `bun:"reason" json:"reason,omitempty"`
	CostAmount  int64      `bun:"cost_amount" json:"costAmount" doc:"Cost of goods (FIFO) once committed"`
	CreatedAt   time.Time  `bun:"created_at" json:"createdAt"`
	UpdatedAt   time.Time  `bun:"updated_at" json:"updatedAt"`
	ClosedAt    *time.Time `bun:"closed_at" json:"closedAt,omitempty"`
}

// CostLayer is stock that arrived together at one unit cost; outbound movements consume layers
// oldest first (FIFO), so a sale knows its cost of goods.
type CostLayer struct {
	bun.BaseModel `bun:"table:inventory_cost_layers" json:"-"`

	ID                id.ID     `bun:"id,pk" json:"id"`
	OrganizerID       id.ID     `bun:"organizer_id" json:"organizerId"`
	MerchantID        id.ID     `bun:"merchant_id" json:"merchantId"`
	ItemID            id.ID     `bun:"item_id" json:"itemId"`
	LocationID        id.ID     `bun:"location_id" json:"locationId"`
	VariantID         id.ID     `bun:"variant_id" json:"variantId"`
	SourceType        string    `bun:"source_type" json:"sourceType" doc:"Tracking type that brought the stock"`
	SourceID          id.ID     `bun:"source_id" json:"sourceId" doc:"Tracking row that brought the stock"`
	UnitCost          int64     `bun:"unit_cost" json:"unitCost"`
	QuantityReceived  int64     `bun:"quantity_received" json:"quantityReceived"`
	QuantityRemaining int64     `bun:"quantity_remaining" json:"quantityRemaining"`
	ReceivedAt        time.Time `bun:"received_at" json:"receivedAt"`
	CreatedAt         time.Time `bun:"created_at" json:"createdAt"`
}

// Vendor is a supplier of an organizer (organizer-wide, or of one merchant).
type Vendor struct {
	bun.BaseModel `bun:"table:inventory_vendors" json:"-"`

	ID          id.ID      `bun:"id,pk" json:"id" readOnly:"true"`
	OrganizerID id.ID      `bun:"organizer_id" json:"organizerId" required:"false" doc:"Owner organizer; set from the caller unless an admin"`
	MerchantID  *id.ID     `bun:"merchant_id" json:"merchantId,omitempty" doc:"Merchant; absent for a vendor of the whole organizer"`
	Code        string     `bun:"code" json:"code" minLength:"1" maxLength:"50" doc:"Short code, unique per organizer"`
	Name        string     `bun:"name" json:"name" minLength:"1" maxLength:"200"`
	TaxCode     db.OptText `bun:"tax_code" json:"taxCode,omitempty" maxLength:"20" doc:"Mã số thuế"`
	Email       db.OptText `bun:"email" json:"email,omitempty" maxLength:"200"`
	Phone       db.OptText `bun:"phone" json:"phone,omitempty" maxLength:"30"`
	Address     db.OptText `bun:"address" json:"address,omitempty" maxLength:"500"`
	ContactName db.OptText `bun:"contact_name" json:"contactName,omitempty" maxLength:"200"`
	Note        db.OptText `bun:"note" json:"note,omitempty" maxLength:"2000"`
	Status      string     `bun:"status" json:"status,omitempty" enum:"ACTIVE,INACTIVE"`
	CreatedAt   time.Time  `bun:"created_at" json:"createdAt" readOnly:"true"`
	UpdatedAt   time.Time  `bun:"updated_at" json:"updatedAt" readOnly:"true"`
	DeletedAt   *time.Time `bun:"deleted_at" json:"deletedAt,omitempty" readOnly:"true"`
}

// PurchaseOrder is an order of goods from a vendor, delivered to one location.
type PurchaseOrder struct {
	bun.BaseModel `bun:"table:purchase_orders" json:"-"`

	ID             id.ID      `bun:"id,pk" json:"id" readOnly:"true"`
	OrganizerID    id.ID      `bun:"organizer_id" json:"organizerId" required:"false" doc:"Owner organizer; set from the caller unless an admin"`
	MerchantID     id.ID      `bun:"merchant_id" json:"merchantId" required:"false" doc:"Merchant; taken from the location"`
	VendorID       id.ID      `bun:"vendor_id" json:"vendorId"`
	LocationID     id.ID      `bun:"location_id" json:"locationId" doc:"Where the goods are received"`
	Code           string     `bun:"code" json:"code,omitempty" maxLength:"50" doc:"PO number, unique per merchant; generated when absent"`
	Status         string     `bun:"status" json:"status" readOnly:"true" enum:"DRAFT,PROCESSING,CONFIRMED,COMPLETED,CANCELLED" doc:"Changed only by the submit, confirm, receive, complete and cancel operations"`
	Currency       string     `bun:"currency" json:"currency,omitempty" enum:"VND"`
	TotalAmount    int64      `bun:"total_amount" json:"totalAmount" readOnly:"true" doc:"Sum of ordered quantity x unit cost of the lines"`
	ReceivedAmount int64      `bun:"received_amount" json:"receivedAmount" readOnly:"true" doc:"Sum of what was received, at the receipts' unit costs"`
	Note           db.OptText `bun:"note" json:"note,omitempty" maxLength:"2000"`
	ExpectedAt     *time.Time `bun:"expected_at" json:"expectedAt,omitempty"`
	SubmittedAt    *time.Time `bun:"submitted_at" json:"submittedAt,omitempty" readOnly:"true"`
	ConfirmedAt    *time.Time `bun:"confirmed_at" json:"confirmedAt,omitempty" readOnly:"true"`
	CompletedAt    *time.Time `bun:"completed_at" json:"completedAt,omitempty" readOnly:"true"`
	CancelledAt    *time.Time `bun:"cancelled_at" json:"cancelledAt,omitempty" readOnly:"true"`
	CreatedAt      time.Time  `bun:"created_at" json:"createdAt" readOnly:"true"`
	UpdatedAt      time.Time  `bun:"updated_at" json:"updatedAt" readOnly:"true"`
	DeletedAt      *time.Time `bun:"deleted_at" json:"deletedAt,omitempty" readOnly:"true"`
}

// PurchaseOrderItem is one line of a purchase order.
type PurchaseOrderItem struct {
	bun.BaseModel `bun:"table:purchase_order_items" json:"-"`

	ID               id.ID      `bun:"id,pk" json:"id" readOnly:"true"`
	OrganizerID      id.ID      `bun:"organizer_id" json:"organizerId" required:"false" doc:"Owner organizer; set from the order"`
	MerchantID       id.ID      `bun:"merchant_id" json:"merchantId" required:"false" doc:"Merchant; set from the order"`
	PurchaseOrderID  id.ID      `bun:"purchase_order_id" json:"purchaseOrderId"`
	VariantID        id.ID      `bun:"variant_id" json:"variantId"`
	QuantityOrdered  int64      `bun:"quantity_ordered" json:"quantityOrdered" minimum:"1" maximum:"1000000"`
	QuantityReceived int64      `bun:"quantity_received" json:"quantityReceived" readOnly:"true"`
	UnitCost         int64      `bun:"unit_cost" json:"unitCost" minimum:"0" doc:"Agreed unit cost (VND)"`
	Note             db.OptText `bun:"note" json:"note,omitempty" maxLength:"500"`
	CreatedAt        time.Time  `bun:"created_at" json:"createdAt" readOnly:"true"`
	UpdatedAt        time.Time  `bun:"updated_at" json:"updatedAt" readOnly:"true"`
}

// PurchaseReceiptLine is one line of a receipt (the line of the event finance reads).
type PurchaseReceiptLine = events.PurchaseReceiptLine

// PurchaseOrderReceipt records one delivery received against a purchase order.
type PurchaseOrderReceipt struct {
	bun.BaseModel `bun:"table:purchase_order_receipts" json:"-"`

	ID              id.ID                 `bun:"id,pk" json:"id"`
	OrganizerID     id.ID                 `bun:"organizer_id" json:"organizerId"`
	MerchantID      id.ID                 `bun:"merchant_id" json:"merchantId"`
	PurchaseOrderID id.ID                 `bun:"purchase_order_id" json:"purchaseOrderId"`
	LocationID      id.ID                 `bun:"location_id" json:"locationId"`
	Amount          int64                 `bun:"amount" json:"amount"`
	Lines           []PurchaseReceiptLine `bun:"lines,type:jsonb" json:"lines"`
	Note            db.OptText            `bun:"note" json:"note,omitempty"`
	ActorID         *id.ID                `bun:"actor_id" json:"actorId,omitempty"`
	ReceivedAt      time.Time             `bun:"received_at" json:"receivedAt"`
	CreatedAt       time.Time             `bun:"created_at" json:"createdAt"`
}

// StockAdjustmentLine is one change of an adjustment.
type StockAdjustmentLine struct {
	VariantID id.ID        `json:"variantId"`
	Type      TrackingType `json:"type" enum:"STOCK_IN,RETURN_FROM_CUSTOMER,ADJUSTMENT_IN,STOCK_OUT,RETURN_TO_VENDOR,EXPIRED,LOST,DAMAGED,ADJUSTMENT_NEUTRAL,ADJUSTMENT_OUT" doc:"An adjustable tracking type"`
	Quantity  int64        `json:"quantity" minimum:"-1000000" maximum:"1000000" doc:"Positive; for ADJUSTMENT_NEUTRAL a signed change. At most 10^6 units (money.MaxQuantity)"`
	UnitCost  *int64       `json:"unitCost,omitempty" minimum:"0" doc:"Cost of stock added; the item's last unit cost when absent"`
	Note      string       `json:"note,omitempty" maxLength:"500"`
}

// AdjustmentStatus is the state of an adjustment: the inventory queue applies it or rejects it.
type AdjustmentStatus string

// Adjustment states.
const (
	AdjustmentPending  AdjustmentStatus = "PENDING"
	AdjustmentApplied  AdjustmentStatus = "APPLIED"
	AdjustmentRejected AdjustmentStatus = "REJECTED"
)

// StockAdjustment is a set of manual changes at one location, applied by the inventory queue.
type StockAdjustment struct {
	bun.BaseModel `bun:"table:inventory_adjustments" json:"-"`

	ID          id.ID                 `bun:"id,pk" json:"id"`
	OrganizerID id.ID                 `bun:"organizer_id" json:"organizerId"`
	MerchantID  id.ID                 `bun:"merchant_id" json:"merchantId"`
	LocationID  id.ID                 `bun:"location_id" json:"locationId"`
	Status      string                `bun:"status" json:"status" enum:"PENDING,APPLIED,REJECTED"`
	Reason      db.OptText            `bun:"reason" json:"reason,omitempty"`
	Lines       []StockAdjustmentLine `bun:"lines,type:jsonb" json:"lines"`
	Error       db.OptText            `bun:"error" json:"error,omitempty" doc:"Why it was rejected"`
	ActorID     *id.ID                `bun:"actor_id" json:"actorId,omitempty"`
	ProcessedAt *time.Time            `bun:"processed_at" json:"processedAt,omitempty"`
	CreatedAt   time.Time             `bun:"created_at" json:"createdAt"`
	UpdatedAt   time.Time             `bun:"updated_at" json:"updatedAt"`
}

// StockTransferLine is one variant moved by a transfer.
type StockTransferLine struct {
	VariantID  id.ID       `json:"variantId"`
	Quantity   int64       `json:"quantity"`
	CostAmount int64       `json:"costAmount" doc:"FIFO cost of what left the source; the destination's layers carry it"`
	Costs      []LayerCost `json:"costs" doc:"The FIFO layers it left with: quantity at unit cost"`
}

// TransferStatus is the state of a transfer.
type TransferStatus string

// A transfer ships at once; it is received (at once, or later) or cancelled while in transit.
const (
	TransferInTransit TransferStatus = "IN_TRANSIT"
	TransferReceived  TransferStatus = "RECEIVED"
	TransferCancelled TransferStatus = "CANCELLED"
)

// StockTransfer moves stock between two locations of one merchant.
type StockTransfer struct {
	bun.BaseModel `bun:"table:inventory_transfers" json:"-"`

	ID             id.ID               `bun:"id,pk" json:"id"`
	OrganizerID    id.ID               `bun:"organizer_id" json:"organizerId"`
	MerchantID     id.ID               `bun:"merchant_id" json:"merchantId"`
	FromLocationID id.ID               `bun:"from_location_id" json:"fromLocationId"`
	ToLocationID   id.ID               `bun:"to_location_id" json:"toLocationId"`
	Status         string              `bun:"status" json:"status" enum:"IN_TRANSIT,RECEIVED,CANCELLED"`
	Lines          []StockTransferLine `bun:"lines,type:jsonb" json:"lines"`
	Note           db.OptText          `bun:"note" json:"note,omitempty"`
	ActorID        *id.ID              `bun:"actor_id" json:"actorId,omitempty"`
	ShippedAt      time.Time           `bun:"shipped_at" json:"shippedAt"`
	ClosedAt       *time.Time          `bun:"closed_at" json:"closedAt,omitempty"`
	CreatedAt      time.Time           `bun:"created_at" json:"createdAt"`
	UpdatedAt      time.Time           `bun:"updated_at" json:"updatedAt"`
}

// StockCountLine is one counted variant.
type StockCountLine struct {
	VariantID  id.ID `json:"variantId"`
	ItemID     id.ID `json:"itemId"`
	Expected   int64 `json:"expected" doc:"On hand before the count"`
	Counted    int64 `json:"counted"`
	Variance   int64 `json:"variance" doc:"counted - expected"`
	CostAmount int64 `json:"costAmount" doc:"Cost of the variance (FIFO for a shortfall, last unit cost for a surplus)"`
}

// StockCount is a stock take at one location: it sets on hand to what was counted.
type StockCount struct {
	bun.BaseModel `bun:"table:inventory_counts" json:"-"`

	ID          id.ID            `bun:"id,pk" json:"id"`
	OrganizerID id.ID            `bun:"organizer_id" json:"organizerId"`
	MerchantID  id.ID            `bun:"merchant_id" json:"merchantId"`
	LocationID  id.ID            `bun:"location_id" json:"locationId"`
	Lines       []StockCountLine `bun:"lines,type:jsonb" json:"lines"`
	Variance    int64            `bun:"variance" json:"variance" doc:"Sum of the lines' variances"`
	Note        db.OptText       `bun:"note" json:"note,omitempty"`
	ActorID     *id.ID           `bun:"actor_id" json:"actorId,omitempty"`
	CreatedAt   time.Time        `bun:"created_at" json:"createdAt"`
}
