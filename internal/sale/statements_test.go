package sale_test

import (
	"fmt"
	"testing"

	"github.com/banapos/bana/internal/app/apptest"
)

// The SQL statements an order costs on the hot path, as bench/sale counts them (BEGIN and
// COMMIT included): an order of three lines created with an Idempotency-Key, its checkout paid
// in cash, and the same order sold at the counter in one request. A change that adds a
// statement to one of them fails here before the benchmark shows it. The durable OrderChanged
// of the created and paid steps, and the webhook module's delivery job of each event, cost
// 3, 5 and 7 of them (docs/decisions/0010-webhooks.md), and River's notice of a job inserted
// on PostgreSQL now and then one more; a paid order's PaymentSuccess has finance's subscriber
// too (its delivery job: two statements of River's); checkout and the counter sale ask the
// inventory which lines are stock-tracked (issue 12, one each).
const (
	createStatements   = 13
	checkoutStatements = 31
	counterStatements  = 34
)

// TestOrderStatements counts the statements of each request over several orders and keeps the
// most past the first (which fills the caches of principals, prices and stock). It counts foreground statements (db.ForegroundStatements): River polls its queues and
// works the orders' events beside the requests, and on a loaded machine its statements fall
// inside every request's window.
func TestOrderStatements(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		s := newSaleEnv(t, e, 7107, 500000, map[string]int64{"BM-THIT": 1000, "NS-500": 1000})
		size, sugar := s.cafe.Options["SIZE"]["Lớn (L)"], s.cafe.Options["SUGAR"]["Ít đường"]
		if size == 0 || sugar == 0 {
			t.Fatalf("the demo café has no SIZE L or SUGAR little option: %v", s.cafe.Options)
		}
		body := func() map[string]any {
			return map[string]any{"merchantId": s.mid, "type": "TAKE_AWAY", "lines": []map[string]any{
				s.line("BM-THIT", 2),
				{"variantId": s.variant("CF-SUA"), "quantity": 1, "modifierIds": []string{size.String(), sugar.String()}},
				s.line("NS-500", 1),
			}}
		}
		const orders = 8
		var create, checkout, counter int64
		for i := range orders {
			counted := func(f func()) int64 {
				before := e.App.DB.ForegroundStatements()
				f()
				if i == 0 {
					return 0
				}
				return e.App.DB.ForegroundStatements() - before
			}
			var o map[string]any
			create = max(create, counted(func() {
				o = s.Must(201, apptest.Request{Method: "POST", Path: "/sale-orders", Token: s.owner, Headers: key(fmt.Sprintf("c-%d", i)), Body: body()}).Map(t)
			}))
			total := num(o["total"])
			tenders := []map[string]any{{"method": "CASH", "amount": total, "tendered": total + 5000}}
			checkout = max(checkout, counted(func() {
				paid := s.Must(200, apptest.Request{Method: "POST", Path: "/sale-orders/" + o["id"].(string) + "/checkout", Token: s.owner,
					Headers: key(fmt.Sprintf("k-%d", i)), Body: map[string]any{"tenders": tenders}}).Map(t)
				if paid["status"] != "PAID" {
					t.Fatalf("checkout: %v", paid["status"])
				}
			}))
			sale := body()
			sale["tenders"] = tenders
			counter = max(counter, counted(func() {
				paid := s.Must(201, apptest.Request{Method: "POST", Path: "/sale-orders", Token: s.owner, Headers: key(fmt.Sprintf("s-%d", i)), Body: sale}).Map(t)
				if paid["status"] != "PAID" {
					t.Fatalf("counter sale: %v", paid["status"])
				}
			}))
		}
		t.Logf("statements: create %d, checkout %d, counter sale %d", create, checkout, counter)
		if create > createStatements || checkout > checkoutStatements || counter > counterStatements {
			t.Fatalf("statements: create %d (at most %d), checkout %d (at most %d), counter sale %d (at most %d)",
				create, createStatements, checkout, checkoutStatements, counter, counterStatements)
		}
	})
}
