package sale

import (
	"encoding/json"
	"fmt"
	"github.com/banapos/bana/internal/platform/db"
	"sort"
	"strings"
	"time"

	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/uptrace/bun"
)

// Status is an order's state.
type Status string

// Order states. The machine:
//
//	DRAFT --checkout--> PROCESSING --paid in full--> PAID --served/closed--> COMPLETED
//	DRAFT, PROCESSING --cancel--> CANCELLED
//	PROCESSING --expiry--> EXPIRED
//	PAID, COMPLETED, PARTIALLY_REFUNDED --refund--> PARTIALLY_REFUNDED | REFUNDED
//
// Every other transition is a 409.
const (
	Draft             Status = "DRAFT"
	Processing        Status = "PROCESSING"
	Paid              Status = "PAID"
	Completed         Status = "COMPLETED"
	Cancelled         Status = "CANCELLED"
	Expired           Status = "EXPIRED"
	PartiallyRefunded Status = "PARTIALLY_REFUNDED"
	Refunded          Status = "REFUNDED"
)

// Statuses lists every state, for enums and documentation.
var Statuses = []Status{Draft, Processing, Paid, Completed, Cancelled, Expired, PartiallyRefunded, Refunded}

var transitions = map[Status][]Status{
	Draft:             {Processing, Cancelled},
	Processing:        {Paid, Cancelled, Expired, Draft},
	Paid:              {Completed, PartiallyRefunded, Refunded},
	Completed:         {PartiallyRefunded, Refunded},
	PartiallyRefunded: {PartiallyRefunded, Refunded},
}

// CanMove reports whether from -> to is allowed.
func CanMove(from, to Status) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Move checks a transition and returns the 409 that names it when it is not allowed.
func Move(from, to Status) error {
	if CanMove(from, to) {
		return nil
	}
	return refusalf(ErrOrderState, "order is %s and cannot become %s", from, to)
}

// Open reports whether an order still counts as open for closing a shift.
func (s Status) Open() bool { return s == Draft || s == Processing }

// Editable reports whether lines may change.
func (s Status) Editable() bool { return s == Draft }

// Type is how the customer is served.
type Type string

// Order types.
const (
	DineIn   Type = "DINE_IN"
	TakeAway Type = "TAKE_AWAY"
	Delivery Type = "DELIVERY"
)

// Limits of the document.
const (
	MaxLines       = 100
	MaxQuantity    = 9999
	DefaultExpiry  = 15 * time.Minute // checkout to payment
	MaxNoteLength  = 500
	MaxTableLength = 20
)

// Modifier is one chosen option on a line, priced at the moment it was added.
type Modifier struct {
	OptionID id.ID  `json:"optionId"`
	GroupID  id.ID  `json:"groupId,omitempty"`
	Name     string `json:"name"`
	Price    int64  `json:"price"`
}

// ModifierKey is the canonical form of a set of modifiers: lines merge only when it matches.
func ModifierKey(mods []Modifier) string {
	ids := make([]string, len(mods))
	for i, m := range mods {
		ids[i] = m.OptionID.String()
	}
	sort.Strings(ids)
	return strings.Join(ids, ",")
}

// LineInput is a requested line.
type LineInput struct {
	VariantID   id.ID   `json:"variantId"`
	Quantity    int64   `json:"quantity" minimum:"1" maximum:"9999"`
	ModifierIDs []id.ID `json:"modifierIds,omitempty"`
	Note        string  `json:"note,omitempty" maxLength:"500"`
}

// Line is the part of an order line the merge rule looks at.
type Line struct {
	VariantID    id.ID
	ModifierKey  string
	UnitPrice    int64
	Note         string
	Quantity     int64
	KitchenState string // lines already sent to the kitchen never merge with new ones
}

// mergeable: same variant, same modifiers, same price, same note, neither sent to the kitchen.
func mergeable(a, b Line) bool {
	return a.VariantID == b.VariantID && a.ModifierKey == b.ModifierKey && a.UnitPrice == b.UnitPrice &&
		a.Note == b.Note && a.KitchenState == "" && b.KitchenState == ""
}

// Merge adds incoming lines to existing ones: a line that matches an existing one (same variant,
// modifiers, price and note, not yet sent to the kitchen) adds to its quantity; the rest are
// appended. It returns, for each incoming line, the index it landed on. It enforces the limits:
// at most MaxLines lines and MaxQuantity per line, with a 422 naming the line.
func Merge(existing []Line, incoming []Line) ([]Line, []int, error) {
	out := append([]Line{}, existing...)
	at := make([]int, len(incoming))
	for i, in := range incoming {
		if in.Quantity < 1 || in.Quantity > MaxQuantity {
			return nil, nil, errs.RuleField(fmt.Sprintf("body.lines[%d].quantity", i), fmt.Sprintf("must be between 1 and %d", MaxQuantity), in.Quantity)
		}
		merged := false
		for j := range out {
			if mergeable(out[j], in) {
				if out[j].Quantity+in.Quantity > MaxQuantity {
					return nil, nil, errs.RuleField(fmt.Sprintf("body.lines[%d].quantity", i),
						fmt.Sprintf("line would hold %d; at most %d per line", out[j].Quantity+in.Quantity, MaxQuantity), in.Quantity)
				}
				out[j].Quantity += in.Quantity
				at[i] = j
				merged = true
				break
			}
		}
		if !merged {
			if len(out) >= MaxLines {
				return nil, nil, errs.RuleField(fmt.Sprintf("body.lines[%d]", i), fmt.Sprintf("an order holds at most %d lines", MaxLines), nil)
			}
			out = append(out, in)
			at[i] = len(out) - 1
		}
	}
	return out, at, nil
}

// Change is the change due for a cash tender.
func Change(tendered, amount int64) (int64, error) {
	if tendered < amount {
		return 0, fieldRefusal(ErrTenderShort, "body.tendered", fmt.Sprintf("tendered %d is less than the amount %d", tendered, amount), tendered)
	}
	return tendered - amount, nil
}

// Prorate splits total over weights (e.g. a refund's tax over lines) so the parts add up
// exactly: floor shares, then the remainder one by one to the largest fractional parts
// (ties to the earlier line).
func Prorate(total int64, weights []int64) []int64 {
	out := make([]int64, len(weights))
	var sum int64
	for _, w := range weights {
		sum += w
	}
	if sum == 0 || total == 0 {
		return out
	}
	type rem struct {
		i int
		r int64
	}
	rems := make([]rem, len(weights))
	var given int64
	for i, w := range weights {
		out[i] = total * w / sum
		given += out[i]
		rems[i] = rem{i, total * w % sum}
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].r > rems[b].r })
	for k := 0; given < total; k++ {
		out[rems[k%len(rems)].i]++
		given++
	}
	return out
}

// Order is a sale order.
type Order struct {
	bun.BaseModel `bun:"table:sale_orders" json:"-"`

	ID             id.ID           `bun:"id,pk" json:"id"`
	OrganizerID    id.ID           `bun:"organizer_id" json:"organizerId"`
	MerchantID     id.ID           `bun:"merchant_id" json:"merchantId"`
	ShiftID        id.ID           `bun:"shift_id" json:"shiftId"`
	Number         int             `bun:"number" json:"number" doc:"Order number, sequential per merchant"`
	Type           Type            `bun:"type" json:"type" enum:"DINE_IN,TAKE_AWAY,DELIVERY"`
	TableCode      db.OptText      `bun:"table_code" json:"tableCode,omitempty"`
	Channel        string          `bun:"channel" json:"channel"`
	Status         Status          `bun:"status" json:"status" enum:"DRAFT,PROCESSING,PAID,COMPLETED,CANCELLED,EXPIRED,PARTIALLY_REFUNDED,REFUNDED"`
	CustomerID     *id.ID          `bun:"customer_id" json:"customerId,omitempty"`
	PromotionCodes db.OptText      `bun:"promotion_codes" json:"promotionCodes,omitempty"`
	PromotionIDs   []id.ID         `bun:"promotion_ids,type:jsonb" json:"promotionIds,omitempty" doc:"Promotions the latest quote applied; redeemed when the order is paid"`
	Note           db.OptText      `bun:"note" json:"note,omitempty"`
	Currency       string          `bun:"currency" json:"currency"`
	Subtotal       int64           `bun:"subtotal" json:"subtotal"`
	DiscountTotal  int64           `bun:"discount_total" json:"discountTotal"`
	TaxTotal       int64           `bun:"tax_total" json:"taxTotal"`
	Total          int64           `bun:"total" json:"total"`
	PaidTotal      int64           `bun:"paid_total" json:"paidTotal"`
	RefundedTotal  int64           `bun:"refunded_total" json:"refundedTotal"`
	Pricing        json.RawMessage `bun:"pricing" json:"pricing,omitempty" openapi:"schema=Quote" doc:"The quote that priced the order at checkout, every number explained"`
	ExpiresAt      *time.Time      `bun:"expires_at" json:"expiresAt,omitempty"`
	CreatedBy      id.ID           `bun:"created_by" json:"createdBy"`
	SentToKitchen  *time.Time      `bun:"sent_to_kitchen_at" json:"sentToKitchenAt,omitempty"`
	CheckedOutAt   *time.Time      `bun:"checked_out_at" json:"checkedOutAt,omitempty"`
	PaidAt         *time.Time      `bun:"paid_at" json:"paidAt,omitempty"`
	CompletedAt    *time.Time      `bun:"completed_at" json:"completedAt,omitempty"`
	CancelledAt    *time.Time      `bun:"cancelled_at" json:"cancelledAt,omitempty"`
	CancelReason   db.OptText      `bun:"cancel_reason" json:"cancelReason,omitempty"`
	CreatedAt      time.Time       `bun:"created_at" json:"createdAt"`
	UpdatedAt      time.Time       `bun:"updated_at" json:"updatedAt"`
}

// Item is an order line.
type Item struct {
	bun.BaseModel `bun:"table:sale_order_items" json:"-"`

	ID               id.ID      `bun:"id,pk" json:"id"`
	OrganizerID      id.ID      `bun:"organizer_id" json:"organizerId"`
	MerchantID       id.ID      `bun:"merchant_id" json:"merchantId"`
	OrderID          id.ID      `bun:"order_id" json:"orderId"`
	Position         int        `bun:"position" json:"position"`
	VariantID        id.ID      `bun:"variant_id" json:"variantId"`
	SKU              db.OptText `bun:"sku" json:"sku,omitempty"`
	Name             string     `bun:"name" json:"name"`
	CategoryCode     db.OptText `bun:"category_code" json:"categoryCode,omitempty"`
	StationCode      db.OptText `bun:"station_code" json:"stationCode,omitempty"`
	TrackStock       bool       `bun:"track_stock" json:"trackStock"`
	Quantity         int64      `bun:"quantity" json:"quantity"`
	UnitPrice        int64      `bun:"unit_price" json:"unitPrice" doc:"Catalog price of one unit with its modifiers, before rules and promotions"`
	Modifiers        []Modifier `bun:"modifiers,type:jsonb" json:"modifiers"`
	ModifierKey      string     `bun:"modifier_key" json:"-"`
	Subtotal         int64      `bun:"subtotal" json:"subtotal"`
	Discount         int64      `bun:"discount" json:"discount"`
	TaxRate          db.OptText `bun:"tax_rate" json:"taxRate,omitempty"`
	Tax              int64      `bun:"tax" json:"tax"`
	Total            int64      `bun:"total" json:"total"`
	RefundedQuantity int64      `bun:"refunded_quantity" json:"refundedQuantity"`
	KitchenStatus    db.OptText `bun:"kitchen_status" json:"kitchenStatus,omitempty"`
	Note             db.OptText `bun:"note" json:"note,omitempty"`
	CreatedAt        time.Time  `bun:"created_at" json:"createdAt"`
	UpdatedAt        time.Time  `bun:"updated_at" json:"updatedAt"`
}

// Payment is one payment attempt (a tender) of an order.
type Payment struct {
	bun.BaseModel `bun:"table:sale_payments" json:"-"`

	ID          id.ID           `bun:"id,pk" json:"id"`
	OrganizerID id.ID           `bun:"organizer_id" json:"organizerId"`
	MerchantID  id.ID           `bun:"merchant_id" json:"merchantId"`
	OrderID     id.ID           `bun:"order_id" json:"orderId"`
	ShiftID     id.ID           `bun:"shift_id" json:"shiftId"`
	Provider    string          `bun:"provider" json:"provider"`
	Method      string          `bun:"method" json:"method" openapi:"enum=CASH,QR,CARD_EXTERNAL,TRANSFER_EXTERNAL"`
	Status      string          `bun:"status" json:"status" enum:"PENDING,SUCCEEDED,FAILED,EXPIRED,CANCELLED"`
	Amount      int64           `bun:"amount" json:"amount"`
	Tendered    int64           `bun:"tendered" json:"tendered"`
	ChangeDue   int64           `bun:"change_due" json:"changeDue"`
	Refunded    int64           `bun:"refunded" json:"refunded"`
	Reference   string          `bun:"reference" json:"reference"`
	Instruction json.RawMessage `bun:"instruction" json:"instruction,omitempty" doc:"What the customer must do (e.g. a VietQR payload to show)"`
	ExpiresAt   *time.Time      `bun:"expires_at" json:"expiresAt,omitempty"`
	PaidAt      *time.Time      `bun:"paid_at" json:"paidAt,omitempty"`
	CreatedBy   id.ID           `bun:"created_by" json:"createdBy"`
	CreatedAt   time.Time       `bun:"created_at" json:"createdAt"`
	UpdatedAt   time.Time       `bun:"updated_at" json:"updatedAt"`
}

// Payment states (an attempt's).
const (
	PaymentPending   = "PENDING"
	PaymentSucceeded = "SUCCEEDED"
	PaymentFailed    = "FAILED"
	PaymentExpired   = "EXPIRED"
	PaymentCancelled = "CANCELLED"
)

// Tender methods. SYSTEM takes the first three (the cashier holds the money); a provider such
// as VNPAY takes QR.
const (
	MethodCash             = "CASH"
	MethodCardExternal     = "CARD_EXTERNAL"
	MethodTransferExternal = "TRANSFER_EXTERNAL"
	MethodQR               = "QR"
)

// Shift states.
const (
	ShiftOpen   = "OPEN"
	ShiftClosed = "CLOSED"
)

// Kinds of cash movement: money into the drawer is positive, out of it negative.
const (
	MoveFloat   = "FLOAT"    // the opening float
	MoveCashIn  = "CASH_IN"  // paid in by hand
	MoveCashOut = "CASH_OUT" // paid out by hand
	MoveSale    = "SALE"     // a cash tender
	MoveRefund  = "REFUND"   // cash handed back
)

// MerchantFNB is the merchant type (commerce's) of a food and drink merchant: the only one with
// a kitchen.
const MerchantFNB = "FNB"

// DefaultCurrency is an order's currency when its merchant names none.
const DefaultCurrency = "VND"

// Shift is a cash session of one register.
type Shift struct {
	bun.BaseModel `bun:"table:sale_shifts" json:"-"`

	ID           id.ID      `bun:"id,pk" json:"id"`
	OrganizerID  id.ID      `bun:"organizer_id" json:"organizerId"`
	MerchantID   id.ID      `bun:"merchant_id" json:"merchantId"`
	Register     string     `bun:"register" json:"register"`
	Status       string     `bun:"status" json:"status" enum:"OPEN,CLOSED"`
	OpenedBy     id.ID      `bun:"opened_by" json:"openedBy"`
	OpeningFloat int64      `bun:"opening_float" json:"openingFloat"`
	ExpectedCash *int64     `bun:"expected_cash" json:"expectedCash,omitempty"`
	CountedCash  *int64     `bun:"counted_cash" json:"countedCash,omitempty"`
	Difference   *int64     `bun:"difference" json:"difference,omitempty"`
	ClosedBy     *id.ID     `bun:"closed_by" json:"closedBy,omitempty"`
	OpenedAt     time.Time  `bun:"opened_at" json:"openedAt"`
	ClosedAt     *time.Time `bun:"closed_at" json:"closedAt,omitempty"`
	ZReportID    *id.ID     `bun:"z_report_id" json:"zReportId,omitempty"`
	CreatedAt    time.Time  `bun:"created_at" json:"createdAt"`
	UpdatedAt    time.Time  `bun:"updated_at" json:"updatedAt"`
}

// CashMovement is money into or out of a shift's drawer.
type CashMovement struct {
	bun.BaseModel `bun:"table:sale_cash_movements" json:"-"`

	ID          id.ID      `bun:"id,pk" json:"id"`
	OrganizerID id.ID      `bun:"organizer_id" json:"organizerId"`
	MerchantID  id.ID      `bun:"merchant_id" json:"merchantId"`
	ShiftID     id.ID      `bun:"shift_id" json:"shiftId"`
	Kind        string     `bun:"kind" json:"kind" enum:"FLOAT,CASH_IN,CASH_OUT,SALE,REFUND"`
	Amount      int64      `bun:"amount" json:"amount" doc:"Signed: money into the drawer is positive"`
	Reason      db.OptText `bun:"reason" json:"reason,omitempty"`
	ReferenceID *id.ID     `bun:"reference_id" json:"referenceId,omitempty"`
	CreatedBy   id.ID      `bun:"created_by" json:"createdBy"`
	CreatedAt   time.Time  `bun:"created_at" json:"createdAt"`
}

// KitchenTicket groups an order's lines for one station.
type KitchenTicket struct {
	bun.BaseModel `bun:"table:sale_kitchen_tickets" json:"-"`

	ID          id.ID         `bun:"id,pk" json:"id"`
	OrganizerID id.ID         `bun:"organizer_id" json:"organizerId"`
	MerchantID  id.ID         `bun:"merchant_id" json:"merchantId"`
	OrderID     id.ID         `bun:"order_id" json:"orderId"`
	OrderNumber int           `bun:"order_number" json:"orderNumber"`
	StationCode string        `bun:"station_code" json:"stationCode"`
	TableCode   db.OptText    `bun:"table_code" json:"tableCode,omitempty"`
	Status      string        `bun:"status" json:"status" enum:"QUEUED,PREPARING,READY,SERVED,VOIDED"`
	CreatedAt   time.Time     `bun:"created_at" json:"createdAt"`
	UpdatedAt   time.Time     `bun:"updated_at" json:"updatedAt"`
	Items       []KitchenItem `bun:"-" json:"items,omitempty"`
}

// KitchenItem is one line on a ticket.
type KitchenItem struct {
	bun.BaseModel `bun:"table:sale_kitchen_items" json:"-"`

	ID          id.ID      `bun:"id,pk" json:"id"`
	OrganizerID id.ID      `bun:"organizer_id" json:"organizerId"`
	MerchantID  id.ID      `bun:"merchant_id" json:"merchantId"`
	TicketID    id.ID      `bun:"ticket_id" json:"ticketId"`
	OrderItemID id.ID      `bun:"order_item_id" json:"orderItemId"`
	Name        string     `bun:"name" json:"name"`
	Quantity    int64      `bun:"quantity" json:"quantity"`
	Modifiers   []Modifier `bun:"modifiers,type:jsonb" json:"modifiers"`
	Note        db.OptText `bun:"note" json:"note,omitempty"`
	Status      string     `bun:"status" json:"status" enum:"QUEUED,PREPARING,READY,SERVED,VOIDED"`
	UpdatedAt   time.Time  `bun:"updated_at" json:"updatedAt"`
}

// Kitchen line states, in order.
const (
	KitchenQueued    = "QUEUED"
	KitchenPreparing = "PREPARING"
	KitchenReady     = "READY"
	KitchenServed    = "SERVED"
	KitchenVoided    = "VOIDED"
)

var kitchenNext = map[string][]string{
	KitchenQueued:    {KitchenPreparing, KitchenReady, KitchenServed, KitchenVoided},
	KitchenPreparing: {KitchenReady, KitchenServed, KitchenVoided},
	KitchenReady:     {KitchenServed},
}

// Refund is money given back on an order.
type Refund struct {
	bun.BaseModel `bun:"table:sale_refunds" json:"-"`

	ID          id.ID        `bun:"id,pk" json:"id"`
	OrganizerID id.ID        `bun:"organizer_id" json:"organizerId"`
	MerchantID  id.ID        `bun:"merchant_id" json:"merchantId"`
	OrderID     id.ID        `bun:"order_id" json:"orderId"`
	PaymentID   id.ID        `bun:"payment_id" json:"paymentId"`
	ShiftID     id.ID        `bun:"shift_id" json:"shiftId"`
	Amount      int64        `bun:"amount" json:"amount"`
	Tax         int64        `bun:"tax" json:"tax"`
	Lines       []RefundLine `bun:"lines,type:jsonb" json:"lines"`
	Restock     bool         `bun:"restock" json:"restock"`
	Reason      db.OptText   `bun:"reason" json:"reason,omitempty"`
	CreatedBy   id.ID        `bun:"created_by" json:"createdBy"`
	CreatedAt   time.Time    `bun:"created_at" json:"createdAt"`
}

// RefundLine is the part of one line a refund returns.
type RefundLine struct {
	ItemID   id.ID `json:"itemId"`
	Quantity int64 `json:"quantity"`
	Amount   int64 `json:"amount"`
	Tax      int64 `json:"tax"`
}

// ZReport is the immutable closing report of a shift, numbered per merchant.
type ZReport struct {
	bun.BaseModel `bun:"table:sale_z_reports" json:"-"`

	ID          id.ID           `bun:"id,pk" json:"id"`
	OrganizerID id.ID           `bun:"organizer_id" json:"organizerId"`
	MerchantID  id.ID           `bun:"merchant_id" json:"merchantId"`
	ShiftID     id.ID           `bun:"shift_id" json:"shiftId"`
	Number      int             `bun:"number" json:"number"`
	Data        json.RawMessage `bun:"data" json:"data"`
	CreatedAt   time.Time       `bun:"created_at" json:"createdAt"`
}
