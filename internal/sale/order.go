// Package sale is the heart of the POS (the document's @nx/sale): orders and their lines,
// checkout, payments with split tenders, kitchen tickets, cash sessions (shifts) with Z-reports,
// refunds, and the realtime events every screen follows. It prices through pricing's quote,
// holds stock through inventory's reservations and learns the menu from commerce, each through a
// narrow interface declared here.
package sale

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
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
	return errs.Newf(errs.Conflict, "order is %s and cannot become %s", from, to)
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
		return 0, errs.RuleField("body.tendered", fmt.Sprintf("tendered %d is less than the amount %d", tendered, amount), tendered)
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
