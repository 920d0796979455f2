package inventory

import (
	"errors"

	"github.com/banapos/bana/internal/platform/errs"
)

// The rules of the inventory that other code and clients branch on (errors.Is). Each error the
// module returns for one of them tells the case (the line, the variant, what is available) in
// its message and field, and matches the rule's value here.
var (
	// ErrInsufficientStock: a line asks for more than is available (on hand less reserved) at
	// the location; nothing of the request is taken (422).
	ErrInsufficientStock = errs.New(errs.Rule, "insufficient stock")
	// ErrNoDefaultLocation: a tracked variant is asked for at a merchant that has no default
	// location, and the request names none (422).
	ErrNoDefaultLocation = errs.New(errs.Rule, "the merchant has no default location")
	// ErrReservationsClosed: the reservations of an order were all released or expired, so it
	// cannot be committed; reserve again (409).
	ErrReservationsClosed = errs.New(errs.Conflict, "the reservations were released or expired")
	// ErrTransferClosed: a transfer that is no longer in transit cannot be received or
	// cancelled (409).
	ErrTransferClosed = errs.New(errs.Conflict, "the transfer is not in transit")
	// ErrCountBelowReserved: a count of fewer units than are reserved; release reservations
	// first (422).
	ErrCountBelowReserved = errs.New(errs.Rule, "counted fewer than are reserved")
	// ErrPurchaseOrderTransition: an action the purchase order's state does not allow (409).
	ErrPurchaseOrderTransition = errs.New(errs.Conflict, "the purchase order's state does not allow this action")
	// ErrPurchaseOrderLocked: the terms or lines of a purchase order that is no longer DRAFT or
	// PROCESSING cannot change (409).
	ErrPurchaseOrderLocked = errs.New(errs.Conflict, "the purchase order can no longer change")
	// ErrPurchaseOrderEmpty: a purchase order without lines cannot be submitted (422).
	ErrPurchaseOrderEmpty = errs.New(errs.Rule, "the purchase order has no lines")
	// ErrNotPurchaseOrderLine: a receipt names goods the purchase order does not order (422).
	ErrNotPurchaseOrderLine = errs.New(errs.Rule, "not a line of the purchase order")
	// ErrOverReceipt: a receipt brings more of a line than is left to receive (422).
	ErrOverReceipt = errs.New(errs.Rule, "more than is left to receive")
	// ErrNotYourVariant: a request names a variant that is not one of the merchant's (another
	// organizer's, deleted or unknown) where stock would be kept of it (400, naming the field).
	ErrNotYourVariant = errs.New(errs.Invalid, "is not a variant of the merchant")
)

// refuse returns rule as this case tells it: the client reads msg (and the field at loc, when
// there is one), and errors.Is(err, rule) holds for the code that branches on the rule.
func refuse(rule *errs.E, loc, msg string, value any) error {
	e := &errs.E{Kind: rule.Kind, Message: msg, Err: rule}
	if loc != "" {
		e.Fields = []errs.FieldError{{Location: loc, Message: msg, Value: value}}
	}
	return e
}

// refusal is the text of a refusal as its client reads it: the message of a rule the request
// broke, or the error itself. A rejected adjustment records it.
func refusal(err error) string {
	var e *errs.E
	if errors.As(err, &e) && e.Kind == errs.Rule {
		return e.Message
	}
	return err.Error()
}
