package payment_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"testing"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/commerce"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/sale"
)

// payEnv is a demo café with stock and an open shift, and the tokens to run it.
type payEnv struct {
	*apptest.Env
	t     *testing.T
	org   id.ID
	cafe  *commerce.DemoCatalog
	mid   string
	owner string
	admin string
}

func newPayEnv(t *testing.T, e *apptest.Env, org id.ID, stock map[string]int64) *payEnv {
	t.Helper()
	cafe, err := e.App.Commerce.SeedDemo(context.Background(), org)
	if err != nil {
		t.Fatal(err)
	}
	s := &payEnv{Env: e, t: t, org: org, cafe: cafe, mid: cafe.MerchantID.String(),
		owner: e.Token(&auth.Principal{UserID: org + 100000, Roles: []auth.Role{auth.OrganizerOwner}, OrganizerID: org, Permissions: []string{"*"}}),
		admin: e.Token(&auth.Principal{UserID: 1, Roles: []auth.Role{auth.Admin}})}
	s.Must(201, apptest.Request{Method: "POST", Path: "/inventory-locations", Token: s.owner, Body: map[string]any{"merchantId": s.mid, "code": "STORE", "name": "Quầy"}})
	var lines []map[string]any
	for sku, n := range stock {
		lines = append(lines, map[string]any{"variantId": s.variant(sku), "counted": n})
	}
	if len(lines) > 0 {
		s.Must(201, apptest.Request{Method: "POST", Path: "/inventory-counts", Token: s.owner, Body: map[string]any{"merchantId": s.mid, "lines": lines}})
	}
	s.Must(201, apptest.Request{Method: "POST", Path: "/shifts/open", Token: s.owner, Body: map[string]any{"merchantId": s.mid, "openingFloat": 0}})
	return s
}

func (s *payEnv) variant(sku string) string {
	v, ok := s.cafe.Variants[sku]
	if !ok {
		s.t.Fatalf("no variant %s in the demo café", sku)
	}
	return v.String()
}

// configure stores the merchant's settings of a provider, sealed, as its owner would.
func (s *payEnv) configure(provider string, settings map[string]any) {
	s.t.Helper()
	raw, _ := json.Marshal(settings)
	s.Must(201, apptest.Request{Method: "POST", Path: "/configurations", Token: s.owner, Body: map[string]any{
		"code": "PAYMENT." + provider, "group": "PAYMENT", "dataType": "SECRET", "value": string(raw), "merchantId": s.mid}})
}

// order opens a take-away order of n x sku and returns its id and total.
func (s *payEnv) order(sku string, n int) (string, int64) {
	o := s.Must(201, apptest.Request{Method: "POST", Path: "/sale-orders", Token: s.owner, Body: map[string]any{"merchantId": s.mid, "type": "TAKE_AWAY",
		"lines": []map[string]any{{"variantId": s.variant(sku), "quantity": n}}}}).Map(s.t)
	return o["id"].(string), num(o["total"])
}

// checkout checks an order out with one tender of the provider for its total and returns the
// order's view and the tender's attempt.
func (s *payEnv) checkout(oid, provider, method string, total int64) (map[string]any, map[string]any) {
	s.t.Helper()
	o := s.Must(200, apptest.Request{Method: "POST", Path: "/sale-orders/" + oid + "/checkout", Token: s.owner,
		Body: map[string]any{"tenders": []map[string]any{{"provider": provider, "method": method, "amount": total}}}}).Map(s.t)
	pays := o["payments"].([]any)
	if len(pays) != 1 {
		s.t.Fatalf("checkout: %v", o)
	}
	return o, pays[0].(map[string]any)
}

func (s *payEnv) view(oid string) map[string]any {
	return s.Must(200, apptest.Request{Method: "GET", Path: "/sale-orders/" + oid + "/view", Token: s.owner}).Map(s.t)
}

func (s *payEnv) list(token, path, filter string) []map[string]any {
	var out []map[string]any
	s.Must(200, apptest.Request{Method: "GET", Path: path + "?filter=" + url.QueryEscape(filter), Token: token}).JSON(s.t, &out)
	return out
}

// stock returns on hand and reserved of a SKU.
func (s *payEnv) stock(sku string) (onHand, reserved int64) {
	inv := s.list(s.owner, "/inventories", fmt.Sprintf(`{"where":{"variantId":"%s"}}`, s.variant(sku)))
	if len(inv) != 1 {
		s.t.Fatalf("inventory of %s: %v", sku, inv)
	}
	return num(inv[0]["quantityOnHand"]), num(inv[0]["quantityReserved"])
}

// events returns the PaymentSuccess events of an order.
func (s *payEnv) paymentSuccess(oid string) int {
	n := 0
	for _, ev := range s.list(s.admin, "/events", `{"where":{"name":"PaymentSuccess"},"limit":1000}`) {
		if ev["payload"].(map[string]any)["orderId"] == oid {
			n++
		}
	}
	return n
}

// callbacks lists sale's recorded outcomes for a reference, oldest first.
func (s *payEnv) callbacks(ref string) []string {
	var out []string
	for _, c := range s.list(s.admin, "/payment-callbacks", fmt.Sprintf(`{"where":{"reference":%q},"order":["receivedAt ASC"],"limit":1000}`, ref)) {
		out = append(out, c["outcome"].(string))
	}
	return out
}

// notifications lists payment's recorded notifications for a reference, oldest first.
func (s *payEnv) notifications(ref string) []map[string]any {
	return s.list(s.owner, "/payment-notifications", fmt.Sprintf(`{"where":{"reference":%q},"order":["receivedAt ASC"],"limit":1000}`, ref))
}

// paid checks that the order is paid once, with its stock committed and one PaymentSuccess.
func (s *payEnv) paid(oid string, total int64, sku string, onHand int64) {
	s.t.Helper()
	o := s.view(oid)
	if st := o["status"]; (st != string(sale.Paid) && st != string(sale.Completed)) || num(o["paidTotal"]) != total {
		s.t.Fatalf("order %s: %v paid %v of %d", oid, st, o["paidTotal"], total)
	}
	if h, r := s.stock(sku); h != onHand || r != 0 {
		s.t.Fatalf("stock of %s after payment: on hand %d reserved %d, want %d and 0", sku, h, r, onHand)
	}
	if n := s.paymentSuccess(oid); n != 1 {
		s.t.Fatalf("%d PaymentSuccess events for order %s", n, oid)
	}
}

// unchanged checks that an order still waits for its money, its stock held.
func (s *payEnv) unchanged(oid string, sku string, onHand, reserved int64) {
	s.t.Helper()
	o := s.view(oid)
	if o["status"] != string(sale.Processing) || num(o["paidTotal"]) != 0 {
		s.t.Fatalf("order %s: %v paid %v, want PROCESSING and nothing paid", oid, o["status"], o["paidTotal"])
	}
	if p := o["payments"].([]any); len(p) != 1 || p[0].(map[string]any)["status"] != sale.PaymentPending {
		s.t.Fatalf("payments of %s: %v", oid, p)
	}
	if h, r := s.stock(sku); h != onHand || r != reserved {
		s.t.Fatalf("stock of %s: on hand %d reserved %d, want %d and %d", sku, h, r, onHand, reserved)
	}
	if n := s.paymentSuccess(oid); n != 0 {
		s.t.Fatalf("%d PaymentSuccess events for an unpaid order", n)
	}
}

func num(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}
