package sale_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/sale"
)

// TestIncludeReturnsEveryLine (issue 12, item 1): a list of 1,000 orders of two lines each with
// their items included returns all 2,000 lines, each order its two (the related rows were once
// fetched with one LIMIT 1000 across every parent, so each order showed one line). The orders
// are made through the service, as the system, not over HTTP one by one.
func TestIncludeReturnsEveryLine(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		s := newSaleEnv(t, e, 7113, 0, nil)
		mid, _ := id.Parse(s.mid)
		egg, _ := id.Parse(s.variant("CF-TRUNG"))
		bread, _ := id.Parse(s.variant("BM-OPLA"))
		ctx := auth.System(context.Background())
		const orders = 1000
		start := time.Now()
		for range orders {
			if _, err := e.App.Sale.Create(ctx, sale.CreateOrder{MerchantID: mid, Type: sale.TakeAway,
				Lines: []sale.LineInput{{VariantID: egg, Quantity: 1}, {VariantID: bread, Quantity: 2}}}); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("%s: %d orders made in %s", e.Target, orders, time.Since(start).Round(time.Millisecond))

		var list []struct {
			ID    string `json:"id"`
			Items []struct {
				OrderID   string `json:"orderId"`
				VariantID string `json:"variantId"`
			} `json:"items"`
		}
		s.Must(200, apptest.Request{Method: "GET", Path: "/sale-orders?filter=" + url.QueryEscape(`{"limit":1000,"include":["items"]}`),
			Token: s.owner}).JSON(t, &list)
		if len(list) != orders {
			t.Fatalf("%d orders listed, want %d", len(list), orders)
		}
		lines := 0
		for _, o := range list {
			if len(o.Items) != 2 {
				t.Fatalf("order %s has %d lines included, want 2: %+v", o.ID, len(o.Items), o.Items)
			}
			for _, it := range o.Items {
				if it.OrderID != o.ID {
					t.Fatalf("order %s includes a line of order %s", o.ID, it.OrderID)
				}
			}
			lines += len(o.Items)
		}
		if lines != 2*orders {
			t.Fatalf("%d lines included, want %d", lines, 2*orders)
		}
	})
}
