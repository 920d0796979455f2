package finance_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/banapos/bana/internal/app/apptest"
)

// TestWorkerEndToEnd is the FinanceWorkerService over HTTP on the real server: a merchant
// onboarded gets its default Cash wallet; a counter sale paid in cash is an INCOME in it, one paid
// by transfer an INCOME in the wallet the merchant routes transfers to, a card one in the default
// Bank wallet; a refund reverses its part of the income; goods received on a purchase order are
// an EXPENSE; the closed shift's cash postings equal its Z-report; every balance is its postings.
func TestWorkerEndToEnd(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		f := newFin(t, e, 8101)

		// Onboarding over HTTP: the CommerceInitialized handler makes the Cash wallet and the
		// worker's categories.
		m := f.post(201, "/merchants", map[string]any{"name": "Quán Ốc Đào", "type": "FNB"})
		mid := m["id"].(string)
		cash := f.cashWallet(mid)
		if cash["name"] != "Tiền mặt" || num(cash["balance"]) != 0 || cash["currency"] != "VND" || cash["organizerId"] != "8101" {
			t.Fatalf("default cash wallet: %v", cash)
		}
		if ws := f.wallets(mid); len(ws) != 1 {
			t.Fatalf("wallets of a new merchant: %v", ws)
		}
		var codes []string
		for _, c := range f.list("/finance-categories", fmt.Sprintf(`{"where":{"merchantId":%q}}`, mid)) {
			codes = append(codes, c["code"].(string)+":"+c["type"].(string))
		}
		if strings.Join(codes, ",") != "PURCHASES:EXPENSE,SALES:INCOME" {
			t.Fatalf("categories of a new merchant: %v", codes)
		}

		// The demo café sells: stock, a shift, and a wallet that receives transfers.
		cafe, err := e.App.Commerce.SeedDemo(context.Background(), f.org)
		if err != nil {
			t.Fatal(err)
		}
		cid := cafe.MerchantID.String()
		till := f.cashWallet(cid)
		tillID := till["id"].(string)
		momo := f.post(201, "/finance-wallets", map[string]any{"merchantId": cid, "name": "MoMo", "type": "EWALLET", "methods": []string{"transfer_external"}})
		if momo["balance"] != float64(0) || fmt.Sprint(momo["methods"]) != "[TRANSFER_EXTERNAL]" || momo["isDefault"] != false {
			t.Fatalf("e-wallet: %v", momo)
		}
		f.post(201, "/inventory-locations", map[string]any{"merchantId": cid, "code": "STORE", "name": "Quầy"})
		bm := cafe.Variants["BM-OPLA"].String()
		f.post(201, "/inventory-counts", map[string]any{"merchantId": cid, "lines": []map[string]any{{"variantId": bm, "counted": 20}}})
		shift := f.post(201, "/shifts/open", map[string]any{"merchantId": cid, "openingFloat": 200000})["id"].(string)
		sell := func(method string, n int) map[string]any {
			draft := f.post(201, "/sale-orders", map[string]any{"merchantId": cid, "type": "TAKE_AWAY", "lines": []map[string]any{{"variantId": bm, "quantity": n}}})
			total := num(draft["total"])
			o := f.post(200, "/sale-orders/"+draft["id"].(string)+"/checkout", map[string]any{"tenders": []map[string]any{{"method": method, "amount": total}}})
			if o["status"] != "PAID" && o["status"] != "COMPLETED" {
				t.Fatalf("sale by %s: %v", method, o["status"])
			}
			return o
		}
		paymentOf := func(o map[string]any) (string, int64) {
			p := o["payments"].([]any)[0].(map[string]any)
			return p["id"].(string), num(p["amount"])
		}

		// Cash: an INCOME in the till, under SALES, about the order.
		o1 := sell("CASH", 3)
		p1, a1 := paymentOf(o1)
		inc := f.awaitSource(cid, "PAYMENT:"+p1)
		if inc["type"] != "INCOME" || num(inc["amount"]) != a1 || inc["walletId"] != tillID || inc["referenceId"] != o1["id"] || inc["source"] != "PAYMENT" {
			t.Fatalf("cash income: %v", inc)
		}
		// A transfer: the e-wallet the merchant routes TRANSFER_EXTERNAL to.
		o2 := sell("TRANSFER_EXTERNAL", 1)
		p2, a2 := paymentOf(o2)
		if got := f.awaitSource(cid, "PAYMENT:"+p2); got["walletId"] != momo["id"] || num(got["amount"]) != a2 {
			t.Fatalf("transfer income: %v", got)
		}
		// A card, which no wallet names: the default Bank wallet, made for it.
		o3 := sell("CARD_EXTERNAL", 1)
		p3, a3 := paymentOf(o3)
		card := f.awaitSource(cid, "PAYMENT:"+p3)
		bank := f.wallet(card["walletId"].(string))
		if bank["type"] != "BANK" || bank["isDefault"] != true || num(bank["balance"]) != a3 {
			t.Fatalf("card income went to %v", bank)
		}

		// A refund of one of the three: its reversal in the till, pointing at the income.
		item := o1["items"].([]any)[0].(map[string]any)
		ref := f.post(201, "/sale-orders/"+o1["id"].(string)+"/refunds", map[string]any{
			"lines": []map[string]any{{"itemId": item["id"], "quantity": 1}}, "restock": true, "reason": "khách đổi ý"})["refund"].(map[string]any)
		rev := f.awaitSource(cid, "REFUND:"+ref["id"].(string))
		refunded := num(ref["amount"])
		if rev["type"] != "INCOME" || num(rev["amount"]) != -refunded || rev["reversesId"] != inc["id"] || rev["walletId"] != tillID || rev["categoryId"] != inc["categoryId"] {
			t.Fatalf("refund reversal: %v (income %v)", rev, inc)
		}

		// Goods received on a purchase order: an EXPENSE in the till (PURCHASE's default), under PURCHASES.
		loc := f.list("/inventory-locations", fmt.Sprintf(`{"where":{"merchantId":%q}}`, cid))[0]["id"]
		v := f.post(201, "/vendors", map[string]any{"code": "BANH", "name": "Lò bánh mì Như Lan"})
		po := f.post(201, "/purchase-orders", map[string]any{"vendorId": v["id"], "locationId": loc})["id"].(string)
		f.post(201, "/purchase-order-items", map[string]any{"purchaseOrderId": po, "variantId": bm, "quantityOrdered": 10, "unitCost": 6000})
		f.post(200, "/purchase-orders/"+po+"/submit", nil)
		f.post(200, "/purchase-orders/"+po+"/confirm", nil)
		rc := f.post(201, "/purchase-orders/"+po+"/receive", map[string]any{"lines": []map[string]any{{"variantId": bm, "quantity": 10}}})
		exp := f.awaitSource(cid, "PURCHASE_RECEIPT:"+rc["id"].(string))
		if exp["type"] != "EXPENSE" || num(exp["amount"]) != -60000 || exp["walletId"] != tillID || exp["referenceId"] != po {
			t.Fatalf("purchase expense: %v", exp)
		}
		purchases := f.list("/finance-categories", fmt.Sprintf(`{"where":{"merchantId":%q,"code":"PURCHASES"}}`, cid))
		if len(purchases) != 1 || exp["categoryId"] != purchases[0]["id"] {
			t.Fatalf("expense category %v, categories %v", exp["categoryId"], purchases)
		}

		// The till holds the cash sale, less the refund and the goods.
		if got := num(f.wallet(tillID)["balance"]); got != a1-refunded-60000 {
			t.Fatalf("till balance %d, want %d", got, a1-refunded-60000)
		}

		// The shift: an open one has no Z-report to check against; closed, its cash postings
		// are its Z-report's cash sales less refunds.
		f.do(409, "GET", "/finance-reconciliations/shifts/"+shift, nil, nil)
		closed := f.post(200, "/shifts/"+shift+"/close", map[string]any{"countedCash": 200000 + a1 - refunded})
		z := closed["zReport"].(map[string]any)["data"].(map[string]any)
		sr := f.do(200, "GET", "/finance-reconciliations/shifts/"+shift, nil, nil).Map(t)
		if sr["ok"] != true || num(sr["cashNet"]) != a1-refunded || num(sr["zCashNet"]) != num(z["cashSales"])-num(z["cashRefunds"]) ||
			num(sr["tenders"]) != 1 || num(sr["refunds"]) != 1 || num(sr["cashIncome"]) != a1 || num(sr["cashRefunds"]) != -refunded {
			t.Fatalf("shift reconciliation: %v (z %v)", sr, z)
		}
		// Another organizer sees neither the shift nor the wallets.
		other := e.OwnerToken(8102)
		e.Must(404, apptest.Request{Method: "GET", Path: "/finance-reconciliations/shifts/" + shift, Token: other})
		e.Must(404, apptest.Request{Method: "GET", Path: "/finance-wallets/" + tillID, Token: other})
		e.Must(400, apptest.Request{Method: "GET", Path: "/finance-reconciliations?merchantId=" + cid, Token: other})

		// The merchant's wallets reconcile, and so does every wallet.
		r := f.reconciled(cid)
		var total int64
		for _, w := range r["wallets"].([]any) {
			w := w.(map[string]any)
			total += num(w["balance"])
		}
		if want := a1 - refunded - 60000 + a2 + a3; total != want || num(r["balance"]) != want {
			t.Fatalf("the café's wallets hold %d (reported %v), want %d", total, r["balance"], want)
		}
	})
}
