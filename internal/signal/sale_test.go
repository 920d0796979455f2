package signal_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/commerce"
	"github.com/banapos/bana/internal/platform/clock"
	"github.com/banapos/bana/internal/sale"
	"github.com/banapos/bana/internal/signal"
)

// TestSaleEventsReachRooms: a kitchen display joined to its station gets the ticket of an order
// sent to the kitchen, live; a till joined to the order's room sees it paid.
func TestSaleEventsReachRooms(t *testing.T) {
	each(t, nil, func(t *testing.T, e *apptest.Env, _ *clock.Fake) {
		org := e.App.IDs.Next()
		owner := e.OwnerToken(org)
		mer := e.Must(http.StatusCreated, apptest.Request{Method: "POST", Path: "/merchants", Token: owner,
			Headers: map[string]string{"Idempotency-Key": "m-" + org.String()},
			Body:    map[string]any{"name": "Bún chả Hương Liên", "type": "FNB"}}).Map(t)
		mid := mer["id"].(string)
		cat := mer["categories"].([]any)[0].(map[string]any)["id"]
		prod := e.Must(http.StatusCreated, apptest.Request{Method: "POST", Path: "/products", Token: owner, Body: map[string]any{
			"merchantId": mid, "categoryId": cat, "name": "Bún chả", "variants": []map[string]any{{"price": 50000, "sku": "BUN-CHA"}}}}).Map(t)
		variant := prod["variants"].([]any)[0].(map[string]any)["id"]
		e.Must(http.StatusCreated, apptest.Request{Method: "POST", Path: "/shifts/open", Token: owner,
			Body: map[string]any{"merchantId": mid, "openingFloat": 0}})
		o := e.Must(http.StatusCreated, apptest.Request{Method: "POST", Path: "/sale-orders", Token: owner,
			Headers: map[string]string{"Idempotency-Key": "o-" + org.String()},
			Body:    map[string]any{"merchantId": mid, "type": "TAKE_AWAY", "lines": []map[string]any{{"variantId": variant, "quantity": 2}}}}).Map(t)
		oid := o["id"].(string)

		kds := dial(t, e, owner)
		join(t, kds, "merchant."+mid+".station."+commerce.DefaultStationCode, nil)
		till := dial(t, e, owner)
		join(t, till, "merchant."+mid+".order."+oid, nil)

		e.Must(http.StatusOK, apptest.Request{Method: "POST", Path: "/sale-orders/" + oid + "/send-to-kitchen", Token: owner})
		m := next(t, kds)
		var tk sale.TicketEvent
		if err := json.Unmarshal(m.Data, &tk); err != nil || m.Topic != signal.TopicTicket || tk.Type != sale.EventTicketCreated ||
			tk.Ticket.OrderID.String() != oid {
			t.Fatalf("kitchen display got %+v (%v)", m, err)
		}

		e.Must(http.StatusOK, apptest.Request{Method: "POST", Path: "/sale-orders/" + oid + "/checkout", Token: owner,
			Body: map[string]any{"tenders": []map[string]any{{"method": "CASH", "amount": o["total"], "tendered": 100000}}}})
		var paid bool
		for !paid {
			m := next(t, till)
			var ev sale.OrderEvent
			if err := json.Unmarshal(m.Data, &ev); err != nil || m.Topic != signal.TopicOrder || ev.OrderID.String() != oid {
				t.Fatalf("till got %+v (%v)", m, err)
			}
			paid = ev.Type == sale.EventOrderPaid
		}
	})
}
