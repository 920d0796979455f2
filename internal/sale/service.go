package sale

import (
	"context"
	"errors"
	"time"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/events"
	"github.com/banapos/bana/internal/platform/id"
)

// The use cases are in service_<topic>.go: orders (and their expiry), payments (and provider
// callbacks), refunds, shifts, the kitchen. Each is one transaction; its realtime messages and
// its log lines wait for the commit.

// now is the module's clock at the databases' precision (microseconds), so that what an
// operation keeps in memory and answers is what a later read returns.
func (m *Module) now() time.Time { return m.clock.Now().UTC().Truncate(time.Microsecond) }

// actor is the user acting, 0 for the system.
func actor(ctx context.Context) id.ID {
	if p := auth.From(ctx); p != nil {
		return p.UserID
	}
	return 0
}

// checkMerchant confirms the caller may act for the merchant and returns it. A merchant that
// does not exist and one of another tenant are the same bad body.merchantId; without a caller
// (and not the system) it is auth.ErrNoPrincipal.
func (m *Module) checkMerchant(ctx context.Context, merchantID id.ID) (Merchant, error) {
	if _, err := auth.Tenancy(ctx); err != nil {
		return Merchant{}, err // a missing caller is a bug of the code calling, not a bad merchant id
	}
	noSuch := fieldRefusal(ErrNoSuchMerchant, "body.merchantId", "no such merchant", merchantID.String())
	mer, err := m.catalog.Merchant(ctx, merchantID)
	if err != nil {
		if errs.KindOf(err) == errs.NotFound {
			return Merchant{}, noSuch
		}
		return Merchant{}, err
	}
	if err := auth.ActFor(ctx, mer.OrganizerID, mer.ID); err != nil {
		if errors.Is(err, auth.ErrNotYourMerchant) {
			return Merchant{}, noSuch
		}
		return Merchant{}, err
	}
	return mer, nil
}

// Kinds of realtime message on a merchant's order topic and on a kitchen station's.
const (
	EventOrderCreated       = "order.created"
	EventOrderUpdated       = "order.updated"
	EventOrderSentToKitchen = "order.sent-to-kitchen"
	EventOrderCheckedOut    = "order.checked-out"
	EventOrderPaymentAdded  = "order.payment-added"
	EventOrderPaid          = "order.paid"
	EventOrderReopened      = "order.reopened"
	EventOrderCancelled     = "order.cancelled"
	EventOrderExpired       = "order.expired"
	EventOrderCompleted     = "order.completed"
	EventOrderRefunded      = "order.refunded"
	EventTicketCreated      = "ticket.created"
	EventTicketUpdated      = "ticket.updated"
)

// topicOrders is the realtime topic of a merchant's order changes.
func topicOrders(merchantID id.ID) string { return "merchant." + merchantID.String() + ".orders" }

// topicKitchen is the realtime topic of one station's tickets.
func topicKitchen(merchantID id.ID, station string) string {
	return "merchant." + merchantID.String() + ".kitchen." + station
}

// OrderEvent is the realtime message of an order change.
type OrderEvent struct {
	Type    string `json:"type"` // one of the EventOrder... kinds
	OrderID id.ID  `json:"orderId"`
	Number  int    `json:"number"`
	Status  Status `json:"status"`
	Total   int64  `json:"total"`
	Paid    int64  `json:"paidTotal"`
}

// TicketEvent is the realtime message of a kitchen ticket, to its station.
type TicketEvent struct {
	Ticket KitchenTicket `json:"ticket"`
	Type   string        `json:"type"` // EventTicketCreated or EventTicketUpdated
}

// announce fans an order change out after the transaction commits and, for a change of the
// order's state that merchants' systems follow (created, paid, reopened, cancelled, expired,
// completed, refunded), publishes the durable events.OrderChanged in ctx's transaction (the
// request's, for every HTTP operation), which merchants' webhooks deliver. Line edits, kitchen
// tickets, the checkout itself and a partial payment (PaymentSuccess tells of each tender) stay
// realtime only: each durable event costs the hot path its rows.
func (m *Module) announce(ctx context.Context, kind string, o *Order) error {
	ev := OrderEvent{Type: kind, OrderID: o.ID, Number: o.Number, Status: o.Status, Total: o.Total, Paid: o.PaidTotal}
	topic := topicOrders(o.MerchantID)
	db.AfterCommit(ctx, func() { m.live.Broadcast(context.WithoutCancel(ctx), topic, ev) })
	switch kind {
	case EventOrderUpdated, EventOrderSentToKitchen, EventOrderCheckedOut, EventOrderPaymentAdded:
		return nil
	}
	_, err := m.events.Publish(ctx, events.OrderChanged{OrganizerID: o.OrganizerID, MerchantID: o.MerchantID, OrderID: o.ID,
		Number: o.Number, Type: kind, Status: string(o.Status), Total: o.Total, PaidTotal: o.PaidTotal, Currency: o.Currency,
		ChangedAt: o.UpdatedAt})
	return err
}

// announceTicket fans a kitchen ticket out to its station after the transaction commits.
func (m *Module) announceTicket(ctx context.Context, kind string, t KitchenTicket) {
	topic := topicKitchen(t.MerchantID, t.StationCode)
	db.AfterCommit(ctx, func() { m.live.Broadcast(context.WithoutCancel(ctx), topic, TicketEvent{Type: kind, Ticket: t}) })
}

// logInfo logs an event of the operation once its transaction commits, with the request id of
// ctx: an operation rolled back (a replayed Idempotency-Key, a retried deadlock) logs nothing.
func (m *Module) logInfo(ctx context.Context, msg string, args ...any) {
	db.AfterCommit(ctx, func() { m.log.InfoContext(context.WithoutCancel(ctx), msg, args...) })
}

// logWarn is logInfo for what someone must act on (money taken for an order that no longer
// awaits it).
func (m *Module) logWarn(ctx context.Context, msg string, args ...any) {
	db.AfterCommit(ctx, func() { m.log.WarnContext(context.WithoutCancel(ctx), msg, args...) })
}
