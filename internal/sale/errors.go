package sale

import (
	"fmt"

	"github.com/banapos/bana/internal/platform/errs"
)

// The rules of a sale that other code and clients branch on. Each refusal answers with its own
// message (it names the order's state, the amounts, the line) and wraps one of these, so that
// errors.Is(err, sale.ErrTenderShort) holds whatever the amounts were. The kind of each is the
// HTTP status every refusal of that rule answers with.
var (
	// ErrNoSuchMerchant: the merchant does not exist or the caller may not act for it (400, as
	// a bad body.merchantId: another tenant's merchant looks like none).
	ErrNoSuchMerchant = errs.New(errs.Invalid, "no such merchant")
	// ErrOrderIDTaken: a client-generated order id already names an order of another merchant.
	ErrOrderIDTaken = errs.New(errs.Conflict, "order id is already used")
	// ErrTableRequired: a dine-in order needs a table.
	ErrTableRequired = errs.New(errs.Invalid, "a dine-in order needs a table")
	// ErrOrderState: the order's state does not allow the transition (the state machine of
	// model.go); the message names both states.
	ErrOrderState = errs.New(errs.Conflict, "the order's state does not allow this")
	// ErrOrderNotEditable: lines change only while the order is DRAFT.
	ErrOrderNotEditable = errs.New(errs.Conflict, "lines can change only while the order is DRAFT")
	// ErrOrderNotProcessing: only a checked-out (PROCESSING) order takes payments; an order that
	// expired or was cancelled refuses them.
	ErrOrderNotProcessing = errs.New(errs.Conflict, "only a checked-out (PROCESSING) order takes payments")
	// ErrOrderHasPayments: an order with payments cannot go back to DRAFT.
	ErrOrderHasPayments = errs.New(errs.Conflict, "order has payments; refund or complete them first")
	// ErrOrderEmpty: an order without lines cannot be checked out.
	ErrOrderEmpty = errs.New(errs.Rule, "order has no lines")
	// ErrNotSold: a line's variant is not (or no longer) sold at the merchant.
	ErrNotSold = errs.New(errs.Rule, "variant is not sold at this merchant")
	// ErrMerchantClosed: a closed merchant takes no checkout.
	ErrMerchantClosed = errs.New(errs.Rule, "merchant is closed")
	// ErrItemNotFound: no such line on the order.
	ErrItemNotFound = errs.New(errs.NotFound, "order item not found")
	// ErrLineInKitchen: a line sent to the kitchen changes only after it is voided there.
	ErrLineInKitchen = errs.New(errs.Conflict, "line was sent to the kitchen; void it there first")

	// ErrProviderUnknown: the tender names a payment provider that is not configured.
	ErrProviderUnknown = errs.New(errs.Invalid, "unknown payment provider")
	// ErrMethodNotTaken: the provider does not take the tender's method.
	ErrMethodNotTaken = errs.New(errs.Invalid, "the provider does not take this method")
	// ErrOverDue: a tender for more than the order still has due.
	ErrOverDue = errs.New(errs.Rule, "amount exceeds what is still due")
	// ErrTenderShort: cash handed over is less than the tender's amount.
	ErrTenderShort = errs.New(errs.Rule, "tendered is less than the amount")

	// ErrNotRefundable: only a paid order (PAID, COMPLETED, PARTIALLY_REFUNDED) is refunded.
	ErrNotRefundable = errs.New(errs.Conflict, "only paid orders are refunded")
	// ErrRefundOverLine: more units of a line than are left to refund.
	ErrRefundOverLine = errs.New(errs.Rule, "more than the line has left to refund")
	// ErrRefundOverPaid: more than a payment (or any single payment) has left to refund.
	ErrRefundOverPaid = errs.New(errs.Rule, "more than the payment has left to refund")
	// ErrNothingToRefund: the order has nothing left to refund.
	ErrNothingToRefund = errs.New(errs.Rule, "nothing left to refund")

	// ErrNoOpenShift: the register has no open shift to take the order or pay the refund, or
	// the order's shift was closed.
	ErrNoOpenShift = errs.New(errs.Rule, "no open shift; open one first")
	// ErrShiftAlreadyOpen: a register has at most one open shift.
	ErrShiftAlreadyOpen = errs.New(errs.Conflict, "register already has an open shift")
	// ErrShiftClosed: a closed shift takes no cash movement and closes once.
	ErrShiftClosed = errs.New(errs.Conflict, "shift is closed")
	// ErrShiftHasOpenOrders: a shift closes only when none of its orders is DRAFT or PROCESSING.
	ErrShiftHasOpenOrders = errs.New(errs.Conflict, "orders of this shift are still open")

	// ErrNoKitchen: only a food and drink merchant has a kitchen.
	ErrNoKitchen = errs.New(errs.Conflict, "only food and drink merchants have a kitchen")
	// ErrKitchenState: the order or the kitchen line is past the state the request needs.
	ErrKitchenState = errs.New(errs.Conflict, "the kitchen line's state does not allow this")
)

// refusal is rule said of one request: its own message (and the fields it names), with rule
// underneath for errors.Is, answering with rule's status.
func refusal(rule *errs.E, msg string, fields ...errs.FieldError) *errs.E {
	return &errs.E{Kind: rule.Kind, Message: msg, Fields: fields, Err: rule}
}

// refusalf is refusal with a formatted message and no field.
func refusalf(rule *errs.E, format string, args ...any) *errs.E {
	return refusal(rule, fmt.Sprintf(format, args...))
}

// fieldRefusal is refusal naming the field of the request it is about.
func fieldRefusal(rule *errs.E, loc, msg string, value any) *errs.E {
	return refusal(rule, msg, errs.FieldError{Location: loc, Message: msg, Value: value})
}
