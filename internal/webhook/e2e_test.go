package webhook_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/clock"
	"github.com/banapos/bana/internal/platform/id"
)

// Sale's own steps reach a merchant's endpoint through the bus: an order paid in cash at its
// checkout (order.created, then payment.succeeded and order.paid), and an order cancelled.
func TestSaleOrdersReachTheEndpoint(t *testing.T) {
	eachWithClock(t, func(t *testing.T, e *apptest.Env, clk *clock.Fake) {
		ctx := context.Background()
		const org = id.ID(4601)
		cafe, err := e.App.Commerce.SeedDemo(ctx, org)
		if err != nil {
			t.Fatal(err)
		}
		owner := e.Token(&auth.Principal{UserID: 9601, Roles: []auth.Role{auth.OrganizerOwner}, OrganizerID: org, Permissions: []string{"*"}, Kind: auth.KindUser})
		mid := cafe.MerchantID.String()
		r := newReceiver(t, clk, func(time.Time) int { return 200 })
		endpoint(t, e, owner, r, nil)
		e.Must(201, apptest.Request{Method: "POST", Path: "/inventory-locations", Token: owner, Body: map[string]any{"merchantId": mid, "code": "STORE", "name": "Quầy"}})
		e.Must(201, apptest.Request{Method: "POST", Path: "/shifts/open", Token: owner, Body: map[string]any{"merchantId": mid, "openingFloat": 0}})
		variant := cafe.Variants["BM-OPLA"].String()
		e.Must(201, apptest.Request{Method: "POST", Path: "/inventory-counts", Token: owner,
			Body: map[string]any{"merchantId": mid, "lines": []map[string]any{{"variantId": variant, "counted": 10}}}})
		order := func() map[string]any {
			return e.Must(201, apptest.Request{Method: "POST", Path: "/sale-orders", Token: owner,
				Body: map[string]any{"merchantId": mid, "type": "TAKE_AWAY", "lines": []map[string]any{{"variantId": variant, "quantity": 1}}}}).Map(t)
		}
		paid := order()
		total := paid["total"]
		e.Must(200, apptest.Request{Method: "POST", Path: "/sale-orders/" + paid["id"].(string) + "/checkout", Token: owner,
			Body: map[string]any{"tenders": []map[string]any{{"method": "CASH", "amount": total, "tendered": total}}}})
		cancelled := order()
		e.Must(200, apptest.Request{Method: "POST", Path: "/sale-orders/" + cancelled["id"].(string) + "/cancel", Token: owner, Body: map[string]any{"reason": "khách đi"}})
		drive(t, e, clk, owner, 50)

		byOrder := map[string][]string{}
		for _, m := range r.messages() {
			byOrder[m.OrderID] = append(byOrder[m.OrderID], m.Type)
		}
		p := byOrder[paid["id"].(string)]
		if len(p) != 3 || p[0] != "order.created" || !slices.Contains(p, "order.paid") || !slices.Contains(p, "payment.succeeded") {
			t.Errorf("the paid order's messages: %v", p)
		}
		if c := byOrder[cancelled["id"].(string)]; !slices.Equal(c, []string{"order.created", "order.cancelled"}) {
			t.Errorf("the cancelled order's messages: %v", c)
		}
	})
}
