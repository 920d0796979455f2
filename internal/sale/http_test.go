package sale_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/commerce"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/clock"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/sale"
)

// The "must hold" rules of sale (issue 7), over HTTP on the real server and database.

// saleEnv is a demo café with stock, an open shift and the tokens to run it.
type saleEnv struct {
	*apptest.Env
	t     *testing.T
	cafe  *commerce.DemoCatalog
	mid   string
	owner string // the café's owner, every permission
	admin string // a platform admin: event log and payment callbacks
	shift string
}

// newSaleEnv seeds the demo café for org, counts stock of the given SKUs, and opens the MAIN
// register with a float.
func newSaleEnv(t *testing.T, e *apptest.Env, org id.ID, float int64, stock map[string]int64) *saleEnv {
	t.Helper()
	cafe, err := e.App.Commerce.SeedDemo(context.Background(), org)
	if err != nil {
		t.Fatal(err)
	}
	s := &saleEnv{Env: e, t: t, cafe: cafe, mid: cafe.MerchantID.String(),
		owner: e.Token(&auth.Principal{UserID: org + 100000, Roles: []auth.Role{auth.OrganizerOwner}, OrganizerID: org, Permissions: []string{"*"}}),
		admin: e.Token(&auth.Principal{UserID: 1, Roles: []auth.Role{auth.Admin}})}
	s.Must(201, apptest.Request{Method: "POST", Path: "/inventory-locations", Token: s.owner, Body: map[string]any{"merchantId": s.mid, "code": "STORE", "name": "Quầy"}})
	if len(stock) > 0 {
		var lines []map[string]any
		for sku, n := range stock {
			lines = append(lines, map[string]any{"variantId": s.variant(sku), "counted": n})
		}
		s.Must(201, apptest.Request{Method: "POST", Path: "/inventory-counts", Token: s.owner, Body: map[string]any{"merchantId": s.mid, "lines": lines}})
	}
	s.shift = s.Must(201, apptest.Request{Method: "POST", Path: "/shifts/open", Token: s.owner,
		Body: map[string]any{"merchantId": s.mid, "openingFloat": float}}).Map(t)["id"].(string)
	return s
}

func (s *saleEnv) variant(sku string) string {
	v, ok := s.cafe.Variants[sku]
	if !ok {
		s.t.Fatalf("no variant %s in the demo café", sku)
	}
	return v.String()
}

// line is an order line of quantity n of sku.
func (s *saleEnv) line(sku string, n int) map[string]any {
	return map[string]any{"variantId": s.variant(sku), "quantity": n}
}

// order opens a take-away order with lines (and promotion codes) and returns its view.
func (s *saleEnv) order(codes []string, lines ...map[string]any) map[string]any {
	body := map[string]any{"merchantId": s.mid, "type": "TAKE_AWAY", "lines": lines}
	if len(codes) > 0 {
		body["promotionCodes"] = codes
	}
	return s.Must(201, apptest.Request{Method: "POST", Path: "/sale-orders", Token: s.owner, Body: body}).Map(s.t)
}

func (s *saleEnv) view(orderID string) map[string]any {
	return s.Must(200, apptest.Request{Method: "GET", Path: "/sale-orders/" + orderID + "/view", Token: s.owner}).Map(s.t)
}

// list GETs a collection with a filter, as the caller token.
func (s *saleEnv) list(token, path, filter string) []map[string]any {
	var out []map[string]any
	s.Must(200, apptest.Request{Method: "GET", Path: path + "?filter=" + url.QueryEscape(filter), Token: token}).JSON(s.t, &out)
	return out
}

// stock returns on hand, reserved and available of a SKU at the café.
func (s *saleEnv) stock(sku string) (onHand, reserved, available int64) {
	inv := s.list(s.owner, "/inventories", fmt.Sprintf(`{"where":{"variantId":"%s"}}`, s.variant(sku)))
	if len(inv) != 1 {
		s.t.Fatalf("inventory of %s: %v", sku, inv)
	}
	return num(inv[0]["quantityOnHand"]), num(inv[0]["quantityReserved"]), num(inv[0]["quantityAvailable"])
}

// events returns the payloads of the published events named name about the order.
func (s *saleEnv) events(name, orderID string) []map[string]any {
	var out []map[string]any
	for _, ev := range s.list(s.admin, "/events", fmt.Sprintf(`{"where":{"name":%q},"limit":1000}`, name)) {
		p := ev["payload"].(map[string]any)
		if p["orderId"] == orderID {
			out = append(out, p)
		}
	}
	return out
}

func (s *saleEnv) payments(orderID string) []map[string]any {
	return s.list(s.owner, "/sale-payments", fmt.Sprintf(`{"where":{"orderId":%q},"order":["createdAt ASC"]}`, orderID))
}

func (s *saleEnv) tickets(orderID string) []map[string]any {
	return s.list(s.owner, "/kitchen-tickets", fmt.Sprintf(`{"where":{"orderId":%q}}`, orderID))
}

// callbacks lists the recorded callbacks of a payment reference, oldest first.
func (s *saleEnv) callbacks(reference string) []string {
	var out []string
	for _, c := range s.list(s.admin, "/payment-callbacks", fmt.Sprintf(`{"where":{"reference":%q},"order":["receivedAt ASC"]}`, reference)) {
		out = append(out, c["outcome"].(string))
	}
	return out
}

// runJobs runs the sale module's scheduled jobs now (the expiry of orders and payment attempts;
// each decides by the module's clock whether it is due) and waits until they are done.
func (s *saleEnv) runJobs() {
	s.t.Helper()
	if s.RunScheduledJobs(sale.Queue, "") == 0 {
		s.t.Fatal("no sale job is scheduled")
	}
}

func num(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}

func key(k string) map[string]string { return map[string]string{"Idempotency-Key": k} }

// redirectProvider stands in for an external redirect provider such as VNPAY: Start answers
// with what to show the customer and leaves the attempt PENDING until the provider's verified
// callback settles it. Only the sale.Provider contract is exercised here; the real VNPAY
// provider comes with the payment issue.
type redirectProvider struct{}

const testProvider = "TEST_REDIRECT"

func (redirectProvider) Name() string      { return testProvider }
func (redirectProvider) Methods() []string { return []string{"QR"} }
func (redirectProvider) Start(_ context.Context, a sale.Attempt) (sale.Instruction, error) {
	data, err := json.Marshal(map[string]any{"redirectUrl": "https://pay.example/checkout?ref=" + url.QueryEscape(a.Reference), "amount": a.Amount})
	return sale.Instruction{Data: data}, err
}

// callback delivers a provider's verified report on an attempt, as its webhook will.
func (s *saleEnv) callback(reference string, succeeded bool, amount int64) string {
	s.t.Helper()
	res, err := s.App.Sale.ApplyCallback(context.Background(), sale.Callback{Provider: testProvider, Reference: reference,
		Succeeded: succeeded, Amount: amount, Payload: json.RawMessage(fmt.Sprintf(`{"ref":%q,"amount":%d}`, reference, amount))})
	if err != nil {
		s.t.Fatalf("callback %s: %v", reference, err)
	}
	return res.Outcome
}

// TestSaleIdempotency: the same create, checkout or payment repeated with one Idempotency-Key
// has one effect and gets the same response; the key with another body is a 409; ten
// concurrent repeats of one checkout still have one effect.
func TestSaleIdempotency(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		s := newSaleEnv(t, e, 7101, 0, map[string]int64{"BM-OPLA": 20})

		// Create twice with one key: one order, the same body.
		body := map[string]any{"merchantId": s.mid, "type": "TAKE_AWAY", "lines": []map[string]any{s.line("BM-OPLA", 2), s.line("CF-TRUNG", 1)}}
		first := s.Must(201, apptest.Request{Method: "POST", Path: "/sale-orders", Token: s.owner, Headers: key("create-1"), Body: body})
		again := s.Must(201, apptest.Request{Method: "POST", Path: "/sale-orders", Token: s.owner, Headers: key("create-1"), Body: body})
		if !bytes.Equal(first.Body, again.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("create replay differs (replayed %q):\n%s\n%s", again.Header.Get("Idempotent-Replayed"), first.Body, again.Body)
		}
		count := s.Must(200, apptest.Request{Method: "GET", Path: "/sale-orders/count?where=" + url.QueryEscape(fmt.Sprintf(`{"merchantId":%q}`, s.mid)), Token: s.owner}).Map(t)
		if num(count["count"]) != 1 {
			t.Fatalf("orders after a repeated create: %v", count)
		}
		body["note"] = "another request"
		conflict := s.Must(409, apptest.Request{Method: "POST", Path: "/sale-orders", Token: s.owner, Headers: key("create-1"), Body: body})
		if !strings.Contains(string(conflict.Body), "Idempotency-Key was already used with a different request") {
			t.Fatalf("key reuse: %s", conflict.Body)
		}

		// Checkout with cash twice with one key: one payment, stock taken once, one event, one ticket.
		o := first.Map(t)
		oid, total := o["id"].(string), num(o["total"])
		checkout := map[string]any{"tenders": []map[string]any{{"method": "CASH", "amount": total, "tendered": total + 5000}}}
		first = s.Must(200, apptest.Request{Method: "POST", Path: "/sale-orders/" + oid + "/checkout", Token: s.owner, Headers: key("checkout-1"), Body: checkout})
		again = s.Must(200, apptest.Request{Method: "POST", Path: "/sale-orders/" + oid + "/checkout", Token: s.owner, Headers: key("checkout-1"), Body: checkout})
		if !bytes.Equal(first.Body, again.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("checkout replay differs:\n%s\n%s", first.Body, again.Body)
		}
		if st := first.Map(t)["status"]; st != "PAID" {
			t.Fatalf("after checkout with cash: %v", st)
		}
		s.checkOneEffect(oid, total, 2, "BM-OPLA", 18)
		// Another tender under the same key is refused; without a key the order is past checkout.
		checkout["tenders"] = []map[string]any{{"method": "CASH", "amount": total, "tendered": total}}
		s.Must(409, apptest.Request{Method: "POST", Path: "/sale-orders/" + oid + "/checkout", Token: s.owner, Headers: key("checkout-1"), Body: checkout})
		s.Must(409, apptest.Request{Method: "POST", Path: "/sale-orders/" + oid + "/checkout", Token: s.owner, Body: checkout})
		s.checkOneEffect(oid, total, 2, "BM-OPLA", 18)

		// A tender added twice with one key: one payment.
		o = s.order(nil, s.line("BM-OPLA", 1), s.line("CF-TRUNG", 1))
		oid, total = o["id"].(string), num(o["total"])
		s.Must(200, apptest.Request{Method: "POST", Path: "/sale-orders/" + oid + "/checkout", Token: s.owner})
		part := map[string]any{"method": "CASH", "amount": total / 2, "tendered": total / 2}
		first = s.Must(200, apptest.Request{Method: "POST", Path: "/sale-orders/" + oid + "/payments", Token: s.owner, Headers: key("pay-1"), Body: part})
		again = s.Must(200, apptest.Request{Method: "POST", Path: "/sale-orders/" + oid + "/payments", Token: s.owner, Headers: key("pay-1"), Body: part})
		if !bytes.Equal(first.Body, again.Body) {
			t.Fatalf("payment replay differs:\n%s\n%s", first.Body, again.Body)
		}
		if p := s.payments(oid); len(p) != 1 || num(s.view(oid)["paidTotal"]) != total/2 {
			t.Fatalf("payments after a repeated tender: %v", p)
		}
		s.Must(409, apptest.Request{Method: "POST", Path: "/sale-orders/" + oid + "/payments", Token: s.owner, Headers: key("pay-1"),
			Body: map[string]any{"method": "CASH", "amount": total - total/2, "tendered": total}})
		rest := s.Must(200, apptest.Request{Method: "POST", Path: "/sale-orders/" + oid + "/payments", Token: s.owner, Headers: key("pay-2"),
			Body: map[string]any{"method": "CASH", "amount": total - total/2, "tendered": total - total/2}}).Map(t)
		if rest["status"] != "PAID" || len(s.payments(oid)) != 2 || len(s.events("PaymentSuccess", oid)) != 2 {
			t.Fatalf("split cash: %v, payments %v", rest["status"], s.payments(oid))
		}

		// Ten concurrent repeats of one checkout: exactly one effect, ten equal answers.
		o = s.order(nil, s.line("BM-OPLA", 3))
		oid, total = o["id"].(string), num(o["total"])
		checkout = map[string]any{"tenders": []map[string]any{{"method": "CASH", "amount": total, "tendered": total}}}
		const n = 10
		answers := make([]*apptest.Response, n)
		var wg sync.WaitGroup
		for i := range answers {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				answers[i] = s.Do(apptest.Request{Method: "POST", Path: "/sale-orders/" + oid + "/checkout", Token: s.owner, Headers: key("checkout-3"), Body: checkout})
			}(i)
		}
		wg.Wait()
		for i, a := range answers {
			if a.Status != 200 || !bytes.Equal(a.Body, answers[0].Body) {
				t.Fatalf("concurrent checkout %d: %d %s\nfirst: %d %s", i, a.Status, a.Body, answers[0].Status, answers[0].Body)
			}
		}
		s.checkOneEffect(oid, total, 1, "BM-OPLA", 14)
	})
}

// checkOneEffect checks that a paid order has one cash payment, one PaymentSuccess event, one
// kitchen ticket per station of its lines, and that sku's stock on hand is onHand with nothing
// left reserved.
func (s *saleEnv) checkOneEffect(oid string, total int64, stations int, sku string, onHand int64) {
	s.t.Helper()
	if p := s.payments(oid); len(p) != 1 || num(p[0]["amount"]) != total || p[0]["status"] != "SUCCEEDED" {
		s.t.Fatalf("payments: %v", p)
	}
	if ev := s.events("PaymentSuccess", oid); len(ev) != 1 || num(ev[0]["amount"]) != total {
		s.t.Fatalf("PaymentSuccess events: %v", ev)
	}
	if tk := s.tickets(oid); len(tk) != stations {
		s.t.Fatalf("kitchen tickets: %v", tk)
	}
	if h, r, _ := s.stock(sku); h != onHand || r != 0 {
		s.t.Fatalf("%s: on hand %d reserved %d, want %d and 0", sku, h, r, onHand)
	}
	if o := s.view(oid); num(o["paidTotal"]) != total || o["status"] != "PAID" {
		s.t.Fatalf("order: %v paid %v", o["status"], o["paidTotal"])
	}
}

// TestSaleOrderExpiry: an unpaid order past its expiry releases its stock; a payment after that
// is refused (409), and a provider's success callback for its attempt is recorded as
// LATE_REFUSED, never applied and never lost; the same callback again is a DUPLICATE.
//
// The module decides "expired" by its clock: the test moves a fake one past the expiry and has
// the expiry jobs run at once (River schedules them by the wall clock, a quarter of an hour on).
func TestSaleOrderExpiry(t *testing.T) {
	apptest.EachWithClock(t, time.Now(), func(t *testing.T, e *apptest.Env, clk *clock.Fake) {
		e.App.Sale.AddProvider(redirectProvider{})
		s := newSaleEnv(t, e, 7102, 0, map[string]int64{"BM-OPLA": 5})

		o := s.order(nil, s.line("BM-OPLA", 2))
		oid, total := o["id"].(string), num(o["total"])
		o = s.Must(200, apptest.Request{Method: "POST", Path: "/sale-orders/" + oid + "/checkout", Token: s.owner}).Map(t)
		if want := clk.Now().Add(sale.DefaultExpiry).Format(time.RFC3339Nano); o["status"] != "PROCESSING" || o["expiresAt"] != want {
			t.Fatalf("checkout: %v, want expiresAt %s", o, want)
		}
		if h, r, a := s.stock("BM-OPLA"); h != 5 || r != 2 || a != 3 {
			t.Fatalf("held: on hand %d reserved %d available %d", h, r, a)
		}
		// The customer starts paying with the redirect provider: the attempt waits.
		o = s.Must(200, apptest.Request{Method: "POST", Path: "/sale-orders/" + oid + "/payments", Token: s.owner,
			Body: map[string]any{"provider": testProvider, "method": "QR", "amount": total}}).Map(t)
		attempt := o["payments"].([]any)[0].(map[string]any)
		if attempt["status"] != "PENDING" || attempt["instruction"] == nil || o["status"] != "PROCESSING" {
			t.Fatalf("pending attempt: %v", o)
		}
		ref := attempt["reference"].(string)

		// Not yet due: the expiry job, run now, leaves the order waiting for its money.
		s.runJobs()
		if o := s.view(oid); o["status"] != "PROCESSING" {
			t.Fatalf("before its expiry: %v", o["status"])
		}
		clk.Advance(sale.DefaultExpiry + time.Second)
		s.runJobs()
		if o := s.view(oid); o["status"] != "EXPIRED" {
			t.Fatalf("after its expiry: %v", o["status"])
		}
		if h, r, a := s.stock("BM-OPLA"); h != 5 || r != 0 || a != 5 {
			t.Fatalf("after expiry: on hand %d reserved %d available %d", h, r, a)
		}
		if p := s.payments(oid); len(p) != 1 || p[0]["status"] != "EXPIRED" {
			t.Fatalf("attempt after expiry: %v", p)
		}

		// Paying now is refused.
		s.Must(409, apptest.Request{Method: "POST", Path: "/sale-orders/" + oid + "/payments", Token: s.owner,
			Body: map[string]any{"method": "CASH", "amount": total, "tendered": total}})
		// The provider reports the money it took after all: refused and recorded for a refund.
		if got := s.callback(ref, true, total); got != sale.OutcomeLateRefused {
			t.Fatalf("late callback: %s", got)
		}
		clk.Advance(time.Second) // the provider repeats itself a second later
		if got := s.callback(ref, true, total); got != sale.OutcomeDuplicate {
			t.Fatalf("repeated late callback: %s", got)
		}
		if got := s.callbacks(ref); len(got) != 2 || got[0] != "LATE_REFUSED" || got[1] != "DUPLICATE" {
			t.Fatalf("recorded callbacks: %v", got)
		}
		o = s.view(oid)
		if o["status"] != "EXPIRED" || num(o["paidTotal"]) != 0 {
			t.Fatalf("order after the late callback: %v paid %v", o["status"], o["paidTotal"])
		}
		if h, r, a := s.stock("BM-OPLA"); h != 5 || r != 0 || a != 5 {
			t.Fatalf("stock after the late callback: on hand %d reserved %d available %d", h, r, a)
		}
		if ev := s.events("PaymentSuccess", oid); len(ev) != 0 {
			t.Fatalf("PaymentSuccess for an expired order: %v", ev)
		}
		// The shift closes (nothing open) and counts the expired order as a void.
		z := s.Must(200, apptest.Request{Method: "POST", Path: "/shifts/" + s.shift + "/close", Token: s.owner,
			Body: map[string]any{"countedCash": 0}}).Map(t)["zReport"].(map[string]any)["data"].(map[string]any)
		if num(z["voids"]) != 1 || num(z["orders"]) != 0 || num(z["expectedCash"]) != 0 {
			t.Fatalf("z-report: %v", z)
		}
	})
}

// TestSalePaymentCallbacks: a provider's callbacks are applied once: a wrong amount is recorded
// and changes nothing, the right one pays the order, a repeat is a DUPLICATE, a failure is
// recorded, and ten concurrent deliveries of one success count it once.
func TestSalePaymentCallbacks(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		e.App.Sale.AddProvider(redirectProvider{})
		s := newSaleEnv(t, e, 7103, 0, map[string]int64{"BM-OPLA": 10})
		pay := func(oid string, amount int64) string {
			o := s.Must(200, apptest.Request{Method: "POST", Path: "/sale-orders/" + oid + "/payments", Token: s.owner,
				Body: map[string]any{"provider": testProvider, "method": "QR", "amount": amount}}).Map(t)
			ps := o["payments"].([]any)
			return ps[len(ps)-1].(map[string]any)["reference"].(string)
		}

		o := s.order(nil, s.line("BM-OPLA", 2))
		oid, total := o["id"].(string), num(o["total"])
		s.Must(200, apptest.Request{Method: "POST", Path: "/sale-orders/" + oid + "/checkout", Token: s.owner})
		ref := pay(oid, total)
		if got := s.callback(ref, true, total-1); got != sale.OutcomeAmountMismatch {
			t.Fatalf("wrong amount: %s", got)
		}
		if o := s.view(oid); o["status"] != "PROCESSING" || num(o["paidTotal"]) != 0 {
			t.Fatalf("after a mismatched callback: %v paid %v", o["status"], o["paidTotal"])
		}
		if got := s.callback("no-such-reference", true, total); got != sale.OutcomeUnknownReference {
			t.Fatalf("unknown reference: %s", got)
		}
		if got := s.callback(ref, true, total); got != sale.OutcomeApplied {
			t.Fatalf("callback: %s", got)
		}
		if got := s.callback(ref, true, total); got != sale.OutcomeDuplicate {
			t.Fatalf("repeated callback: %s", got)
		}
		if got := s.callbacks(ref); strings.Join(got, ",") != "AMOUNT_MISMATCH,APPLIED,DUPLICATE" {
			t.Fatalf("recorded: %v", got)
		}
		if o := s.view(oid); o["status"] != "PAID" || num(o["paidTotal"]) != total || len(s.events("PaymentSuccess", oid)) != 1 {
			t.Fatalf("after the callbacks: %v paid %v", o["status"], o["paidTotal"])
		}
		if h, r, _ := s.stock("BM-OPLA"); h != 8 || r != 0 {
			t.Fatalf("stock after a paid callback: on hand %d reserved %d", h, r)
		}

		// A declined attempt is recorded; the order still waits for its money.
		o = s.order(nil, s.line("BM-OPLA", 2))
		oid, total = o["id"].(string), num(o["total"])
		s.Must(200, apptest.Request{Method: "POST", Path: "/sale-orders/" + oid + "/checkout", Token: s.owner})
		ref = pay(oid, total)
		if got := s.callback(ref, false, total); got != sale.OutcomeFailedRecorded {
			t.Fatalf("declined: %s", got)
		}
		if p := s.payments(oid); len(p) != 1 || p[0]["status"] != "FAILED" || s.view(oid)["status"] != "PROCESSING" {
			t.Fatalf("after a decline: %v", p)
		}

		// Ten concurrent deliveries of one success for part of the order: counted once.
		part := total / 4
		ref = pay(oid, part)
		outcomes := make([]string, 10)
		var wg sync.WaitGroup
		for i := range outcomes {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				res, err := s.App.Sale.ApplyCallback(context.Background(), sale.Callback{Provider: testProvider, Reference: ref, Succeeded: true, Amount: part})
				if err != nil {
					t.Error(err)
				}
				outcomes[i] = res.Outcome
			}(i)
		}
		wg.Wait()
		applied := 0
		for _, oc := range outcomes {
			switch oc {
			case sale.OutcomeApplied:
				applied++
			case sale.OutcomeDuplicate:
			default:
				t.Fatalf("concurrent callbacks: %v", outcomes)
			}
		}
		if o := s.view(oid); applied != 1 || num(o["paidTotal"]) != part || o["status"] != "PROCESSING" {
			t.Fatalf("concurrent callbacks: %v; order %v paid %v", outcomes, o["status"], o["paidTotal"])
		}
		o = s.Must(200, apptest.Request{Method: "POST", Path: "/sale-orders/" + oid + "/payments", Token: s.owner,
			Body: map[string]any{"method": "CASH", "amount": total - part, "tendered": total}}).Map(t)
		if o["status"] != "PAID" || num(o["paidTotal"]) != total || len(s.events("PaymentSuccess", oid)) != 2 {
			t.Fatalf("QR then cash: %v paid %v", o["status"], o["paidTotal"])
		}
	})
}

// TestSaleRefunds: a cash sale refunded in parts over HTTP: restock, proration that adds up to
// the line exactly, PARTIALLY_REFUNDED then REFUNDED, refusals that name the problem, the
// OrderRefunded events and the Z-report's cash.
func TestSaleRefunds(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		const float = 500000
		s := newSaleEnv(t, e, 7104, float, map[string]int64{"BM-THIT": 10})
		o := s.order(nil, s.line("BM-THIT", 3), s.line("CF-TRUNG", 1))
		oid, total := o["id"].(string), num(o["total"])
		o = s.Must(200, apptest.Request{Method: "POST", Path: "/sale-orders/" + oid + "/checkout", Token: s.owner,
			Body: map[string]any{"tenders": []map[string]any{{"method": "CASH", "amount": total, "tendered": total + 1000}}}}).Map(t)
		if o["status"] != "PAID" {
			t.Fatalf("cash sale: %v", o["status"])
		}
		var banhmi, coffee map[string]any
		for _, it := range o["items"].([]any) {
			it := it.(map[string]any)
			if it["sku"] == "BM-THIT" {
				banhmi = it
			} else {
				coffee = it
			}
		}
		if banhmi["trackStock"] != true || coffee["trackStock"] != false {
			t.Fatalf("lines: %v %v", banhmi, coffee)
		}
		lineTotal, lineTax := num(banhmi["total"]), num(banhmi["tax"])
		if lineTax%3 == 0 {
			t.Fatalf("pick a line whose tax does not split evenly in three: %d", lineTax)
		}
		if h, _, _ := s.stock("BM-THIT"); h != 7 {
			t.Fatalf("stock after the sale: %d", h)
		}
		refund := func(want int, body map[string]any) map[string]any {
			return s.Must(want, apptest.Request{Method: "POST", Path: "/sale-orders/" + oid + "/refunds", Token: s.owner, Body: body}).Map(t)
		}
		lines := func(itemID any, q int) []map[string]any { return []map[string]any{{"itemId": itemID, "quantity": q}} }

		// One of three bánh mì back on the shelf (sent twice with one key: refunded once, as the
		// events and the Z-report below count).
		first := map[string]any{"lines": lines(banhmi["id"], 1), "restock": true, "reason": "khách đổi ý"}
		sent := s.Must(201, apptest.Request{Method: "POST", Path: "/sale-orders/" + oid + "/refunds", Token: s.owner, Headers: key("refund-1"), Body: first})
		if again := s.Must(201, apptest.Request{Method: "POST", Path: "/sale-orders/" + oid + "/refunds", Token: s.owner, Headers: key("refund-1"), Body: first}); !bytes.Equal(sent.Body, again.Body) {
			t.Fatalf("refund replay differs:\n%s\n%s", sent.Body, again.Body)
		}
		r1 := sent.Map(t)
		if r1["order"].(map[string]any)["status"] != "PARTIALLY_REFUNDED" {
			t.Fatalf("after one unit: %v", r1["order"].(map[string]any)["status"])
		}
		ref1 := r1["refund"].(map[string]any)
		if num(ref1["amount"]) != lineTotal/3 || num(ref1["tax"]) != lineTax/3 {
			t.Fatalf("one of three: amount %v tax %v of %d/%d", ref1["amount"], ref1["tax"], lineTotal, lineTax)
		}
		apptest.Eventually(t, "the restock of one unit", func() bool { h, _, _ := s.stock("BM-THIT"); return h == 8 })
		// More than what is left of the line is refused by name.
		bad := refund(422, map[string]any{"lines": lines(banhmi["id"], 3), "reason": "quá số lượng"})
		if !strings.Contains(fmt.Sprint(bad), "has 2 left to refund, asked 3") {
			t.Fatalf("over-refund: %v", bad)
		}
		// The other two: the parts add up to the line exactly.
		r2 := refund(201, map[string]any{"lines": lines(banhmi["id"], 2), "restock": true, "reason": "khách đổi ý"})
		ref2 := r2["refund"].(map[string]any)
		if num(ref1["amount"])+num(ref2["amount"]) != lineTotal || num(ref1["tax"])+num(ref2["tax"]) != lineTax {
			t.Fatalf("parts %v+%v, %v+%v; line %d, %d", ref1["amount"], ref2["amount"], ref1["tax"], ref2["tax"], lineTotal, lineTax)
		}
		apptest.Eventually(t, "the restock of two units", func() bool { h, _, _ := s.stock("BM-THIT"); return h == 10 })
		// Unknown lines, payments and empty quantities are named too; none is a 500.
		if r := s.Do(apptest.Request{Method: "POST", Path: "/sale-orders/" + oid + "/refunds", Token: s.owner,
			Body: map[string]any{"lines": lines("123", 1), "reason": "x"}}); r.Status != 400 || !strings.Contains(string(r.Body), "no such line") {
			t.Fatalf("unknown line: %d %s", r.Status, r.Body)
		}
		if r := s.Do(apptest.Request{Method: "POST", Path: "/sale-orders/" + oid + "/refunds", Token: s.owner,
			Body: map[string]any{"paymentId": "123", "reason": "x"}}); r.Status != 400 || !strings.Contains(string(r.Body), "body.paymentId") {
			t.Fatalf("unknown payment: %d %s", r.Status, r.Body)
		}
		if r := s.Do(apptest.Request{Method: "POST", Path: "/sale-orders/" + oid + "/refunds", Token: s.owner,
			Body: map[string]any{"lines": lines(coffee["id"], 0), "reason": "x"}}); r.Status/100 != 4 {
			t.Fatalf("zero quantity: %d %s", r.Status, r.Body)
		}
		// The rest (the coffee) refunds the order in full; nothing more can be refunded.
		r3 := refund(201, map[string]any{"reason": "đóng đơn"})
		if o := r3["order"].(map[string]any); o["status"] != "REFUNDED" || num(o["refundedTotal"]) != total {
			t.Fatalf("full refund: %v %v", o["status"], o["refundedTotal"])
		}
		if r := s.Do(apptest.Request{Method: "POST", Path: "/sale-orders/" + oid + "/refunds", Token: s.owner,
			Body: map[string]any{"reason": "lần nữa"}}); r.Status != 409 || !strings.Contains(string(r.Body), "REFUNDED") {
			t.Fatalf("refund of a refunded order: %d %s", r.Status, r.Body)
		}
		if h, _, _ := s.stock("BM-THIT"); h != 10 {
			t.Fatalf("stock after refunds: %d", h)
		}

		// Finance hears of each refund.
		var refunded int64
		evs := s.events("OrderRefunded", oid)
		for _, ev := range evs {
			refunded += num(ev["amount"])
		}
		if len(evs) != 3 || refunded != total {
			t.Fatalf("OrderRefunded events: %v", evs)
		}

		// The Z-report: float + cash sales - cash refunds.
		closed := s.Must(200, apptest.Request{Method: "POST", Path: "/shifts/" + s.shift + "/close", Token: s.owner,
			Body: map[string]any{"countedCash": float}}).Map(t)
		z := closed["zReport"].(map[string]any)["data"].(map[string]any)
		if num(z["refunds"]) != total || num(z["refundCount"]) != 3 || num(z["cashSales"]) != total || num(z["cashRefunds"]) != total ||
			num(z["expectedCash"]) != float+total-total || num(z["difference"]) != 0 || num(z["gross"]) != total || num(z["net"]) != 0 {
			t.Fatalf("z-report: %v", z)
		}
	})
}

// TestSalePromotionRedeemedAtPayment: a promotion with a total limit of 1 is redeemed by the
// first order paid with it, in the payment's transaction; the next order quoting its code is
// refused the discount (LIMIT_REACHED); a cancelled order redeems nothing.
func TestSalePromotionRedeemedAtPayment(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		s := newSaleEnv(t, e, 7105, 0, nil)
		promo := func(code string) string {
			return s.Must(201, apptest.Request{Method: "POST", Path: "/pricing-promotions", Token: s.owner, Body: map[string]any{
				"merchantId": s.mid, "code": code, "name": "Một lần " + code, "kind": "PERCENT", "level": "ORDER", "value": 1000, "totalLimit": 1}}).Map(t)["id"].(string)
		}
		usages := func(pid string) []map[string]any {
			return s.list(s.owner, "/pricing-promotion-usages", fmt.Sprintf(`{"where":{"promotionId":%q}}`, pid))
		}
		payCash := func(o map[string]any) map[string]any {
			total := num(o["total"])
			return s.Must(200, apptest.Request{Method: "POST", Path: "/sale-orders/" + o["id"].(string) + "/checkout", Token: s.owner,
				Body: map[string]any{"tenders": []map[string]any{{"method": "CASH", "amount": total, "tendered": total}}}}).Map(t)
		}
		once := promo("ONCE")

		// The first order gets 10% off and, once paid, has used the promotion.
		o1 := s.order([]string{"once"}, s.line("CF-TRUNG", 2))
		if num(o1["discountTotal"]) != num(o1["subtotal"])/10 || fmt.Sprint(o1["promotionIds"]) != "["+once+"]" {
			t.Fatalf("first order: discount %v of %v, promotions %v", o1["discountTotal"], o1["subtotal"], o1["promotionIds"])
		}
		if u := usages(once); len(u) != 0 {
			t.Fatalf("redeemed before payment: %v", u)
		}
		if p := payCash(o1); p["status"] != "PAID" {
			t.Fatalf("pay: %v", p["status"])
		}
		if u := usages(once); len(u) != 1 || u[0]["orderId"] != o1["id"] {
			t.Fatalf("usages after payment: %v", u)
		}

		// The limit is reached: the next order's quote refuses the code and charges full price.
		o2 := s.order([]string{"ONCE"}, s.line("CF-TRUNG", 2))
		refused := o2["pricing"].(map[string]any)["refused"].([]any)
		if num(o2["discountTotal"]) != 0 || o2["promotionIds"] != nil || len(refused) != 1 ||
			refused[0].(map[string]any)["code"] != "ONCE" || refused[0].(map[string]any)["reason"] != "LIMIT_REACHED" {
			t.Fatalf("second order: discount %v, promotions %v, refused %v", o2["discountTotal"], o2["promotionIds"], refused)
		}
		payCash(o2)
		if u := usages(once); len(u) != 1 {
			t.Fatalf("usages after the second order: %v", u)
		}

		// A checked-out order that is cancelled redeems nothing: the promotion stays available.
		later := promo("LATER")
		o3 := s.order([]string{"LATER"}, s.line("CF-TRUNG", 1))
		s.Must(200, apptest.Request{Method: "POST", Path: "/sale-orders/" + o3["id"].(string) + "/checkout", Token: s.owner})
		s.Must(200, apptest.Request{Method: "POST", Path: "/sale-orders/" + o3["id"].(string) + "/cancel", Token: s.owner, Body: map[string]any{"reason": "khách đi"}})
		if u := usages(later); len(u) != 0 {
			t.Fatalf("a cancelled order redeemed: %v", u)
		}
		o4 := s.order([]string{"LATER"}, s.line("CF-TRUNG", 1))
		if num(o4["discountTotal"]) == 0 {
			t.Fatalf("the promotion of a cancelled order is no longer offered: %v", o4["pricing"])
		}
		payCash(o4)
		if u := usages(later); len(u) != 1 || u[0]["orderId"] != o4["id"] {
			t.Fatalf("usages of LATER: %v", u)
		}
	})
}

// TestSaleCounterSale: an order created with tenders is checked out and paid in the same
// request and transaction; repeated with its key it has one effect; refused, it leaves nothing.
func TestSaleCounterSale(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		s := newSaleEnv(t, e, 7106, 100000, map[string]int64{"BM-OPLA": 10})
		lines := []map[string]any{s.line("BM-OPLA", 2), s.line("CF-TRUNG", 1)}
		orders := func() int64 {
			c := s.Must(200, apptest.Request{Method: "GET", Path: "/sale-orders/count?where=" + url.QueryEscape(fmt.Sprintf(`{"merchantId":%q}`, s.mid)), Token: s.owner}).Map(t)
			return num(c["count"])
		}
		// The till knows the total (here from a draft of the same lines, cancelled).
		draft := s.order(nil, lines...)
		total := num(draft["total"])
		s.Must(200, apptest.Request{Method: "POST", Path: "/sale-orders/" + draft["id"].(string) + "/cancel", Token: s.owner, Body: map[string]any{"reason": "priced"}})
		before := orders()

		// Too much tendered for the total: refused, and nothing is left of the order.
		body := map[string]any{"merchantId": s.mid, "type": "TAKE_AWAY", "lines": lines,
			"tenders": []map[string]any{{"method": "CASH", "amount": total + 1000, "tendered": 500000}}}
		refused := s.Must(422, apptest.Request{Method: "POST", Path: "/sale-orders", Token: s.owner, Headers: key("counter-1"), Body: body})
		if !strings.Contains(string(refused.Body), "body.tenders[0]") {
			t.Fatalf("refused counter sale: %s", refused.Body)
		}
		if n := orders(); n != before {
			t.Fatalf("a refused counter sale left %d orders", n-before)
		}
		if h, r, _ := s.stock("BM-OPLA"); h != 10 || r != 0 {
			t.Fatalf("stock after a refused sale: %d on hand, %d reserved", h, r)
		}

		// The exact total, 200,000 handed over: paid in one request, change given, stock sold,
		// kitchen tickets for both stations. The same request again is the same answer.
		body["tenders"] = []map[string]any{{"method": "CASH", "amount": total, "tendered": 200000}}
		first := s.Must(201, apptest.Request{Method: "POST", Path: "/sale-orders", Token: s.owner, Headers: key("counter-2"), Body: body})
		again := s.Must(201, apptest.Request{Method: "POST", Path: "/sale-orders", Token: s.owner, Headers: key("counter-2"), Body: body})
		if !bytes.Equal(first.Body, again.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("counter sale replay differs:\n%s\n%s", first.Body, again.Body)
		}
		o := first.Map(t)
		pays := o["payments"].([]any)
		if o["status"] != "PAID" || num(o["paidTotal"]) != total || len(pays) != 1 || num(pays[0].(map[string]any)["changeDue"]) != 200000-total {
			t.Fatalf("counter sale: %v paid %v payments %v", o["status"], o["paidTotal"], pays)
		}
		s.checkOneEffect(o["id"].(string), total, 2, "BM-OPLA", 8)
		// What the sale answered is what a later read finds.
		later := s.view(o["id"].(string))
		for _, f := range []string{"items", "payments", "total", "status", "number"} {
			a, _ := json.Marshal(o[f])
			b, _ := json.Marshal(later[f])
			if !bytes.Equal(a, b) {
				t.Fatalf("%s answered %s, read later %s", f, a, b)
			}
		}
		if n := orders(); n != before+1 {
			t.Fatalf("%d orders after a repeated counter sale", n-before)
		}
	})
}
