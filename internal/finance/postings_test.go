package finance_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/banapos/bana/internal/app/apptest"
)

// TestPostingsAndTransfers: postings a person makes, over HTTP. A transfer is two legs or none;
// a posting is never changed or deleted, only reversed, once; the rules of each field answer
// with the field named; every balance is its postings.
func TestPostingsAndTransfers(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		f := newFin(t, e, 8401)
		mid := e.Merchant(f.org).String()
		till := f.cashWallet(mid)["id"].(string)
		bank := f.post(201, "/finance-wallets", map[string]any{"merchantId": mid, "name": "Techcombank", "type": "BANK", "methods": []string{"QR"}})["id"].(string)
		count := func() int { return len(f.postings(mid)) }
		balance := func(w string) int64 { return num(f.wallet(w)["balance"]) }
		fail := func(want int, body map[string]any, says ...string) {
			t.Helper()
			r := f.do(want, "POST", "/finance-transactions", body, nil)
			for _, s := range says {
				if !strings.Contains(string(r.Body), s) {
					t.Fatalf("%v: %s, missing %q", body, r.Body, s)
				}
			}
		}

		// An income with a category, replayed with its key: one posting.
		sales := f.list("/finance-categories", fmt.Sprintf(`{"where":{"merchantId":%q,"code":"SALES"}}`, mid))[0]["id"]
		body := map[string]any{"walletId": till, "type": "INCOME", "amount": 300000, "categoryId": sales, "description": "bán lẻ"}
		first := f.do(201, "POST", "/finance-transactions", body, map[string]string{"Idempotency-Key": "inc-1"})
		again := f.do(201, "POST", "/finance-transactions", body, map[string]string{"Idempotency-Key": "inc-1"})
		if string(first.Body) != string(again.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay differs:\n%s\n%s", first.Body, again.Body)
		}
		income := first.Map(t)
		if income["source"] != "MANUAL" || num(income["amount"]) != 300000 || income["categoryId"] != sales || count() != 1 || balance(till) != 300000 {
			t.Fatalf("income: %v, %d postings, till %d", income, count(), balance(till))
		}

		// A transfer: two legs sharing a transfer id, each naming the other wallet.
		tr := f.post(201, "/finance-transactions", map[string]any{"walletId": till, "toWalletId": bank, "type": "TRANSFER", "amount": 120000})
		legs := f.list("/finance-transactions", fmt.Sprintf(`{"where":{"transferId":%q},"order":["amount ASC"]}`, tr["transferId"]))
		if len(legs) != 2 || num(legs[0]["amount"]) != -120000 || legs[0]["walletId"] != till || legs[0]["counterWalletId"] != bank ||
			num(legs[1]["amount"]) != 120000 || legs[1]["walletId"] != bank || legs[1]["counterWalletId"] != till || tr["id"] != legs[0]["id"] {
			t.Fatalf("transfer legs: %v (answer %v)", legs, tr)
		}
		if balance(till) != 180000 || balance(bank) != 120000 {
			t.Fatalf("after the transfer: till %d bank %d", balance(till), balance(bank))
		}

		// Refusals write nothing, and name the field.
		n := count()
		fail(422, map[string]any{"walletId": till, "toWalletId": bank, "type": "TRANSFER", "amount": 180001}, "body.amount", "holds 180000")
		fail(422, map[string]any{"walletId": till, "type": "EXPENSE", "amount": 180001}, "body.amount")
		fail(400, map[string]any{"walletId": till, "toWalletId": till, "type": "TRANSFER", "amount": 1}, "body.toWalletId")
		fail(400, map[string]any{"walletId": till, "type": "TRANSFER", "amount": 1}, "body.toWalletId")
		fail(400, map[string]any{"walletId": till, "toWalletId": bank, "type": "INCOME", "amount": 1}, "body.toWalletId")
		fail(400, map[string]any{"walletId": till, "type": "INCOME", "amount": 0}, "body.amount")
		fail(400, map[string]any{"walletId": till, "type": "INCOME", "amount": 1_000_000_000_001}, "body.amount")
		fail(400, map[string]any{"walletId": till, "type": "REFUND", "amount": 1}, "body.type")
		fail(422, map[string]any{"walletId": "123", "type": "INCOME", "amount": 1}, "body.walletId")
		fail(400, map[string]any{"walletId": till, "type": "INCOME", "amount": 1, "occurredAt": "2999-01-01T00:00:00Z"}, "body.occurredAt")
		purchases := f.list("/finance-categories", fmt.Sprintf(`{"where":{"merchantId":%q,"code":"PURCHASES"}}`, mid))[0]["id"]
		fail(422, map[string]any{"walletId": till, "type": "INCOME", "amount": 1, "categoryId": purchases}, "body.categoryId", "EXPENSE")
		// A wallet of another merchant of the organizer: a transfer stays within one merchant.
		other := e.Merchant(f.org).String()
		elsewhere := f.cashWallet(other)["id"].(string)
		fail(422, map[string]any{"walletId": till, "toWalletId": elsewhere, "type": "TRANSFER", "amount": 1}, "body.toWalletId", "one merchant")
		// Another organizer's wallet is not found.
		g := newFin(t, e, 8402)
		stranger := g.cashWallet(e.Merchant(g.org).String())["id"]
		fail(422, map[string]any{"walletId": stranger, "type": "INCOME", "amount": 1}, "body.walletId", "not found")
		if count() != n || balance(till) != 180000 || balance(bank) != 120000 {
			t.Fatalf("a refusal wrote: %d postings (had %d), till %d, bank %d", count(), n, balance(till), balance(bank))
		}

		// Append-only: no change, no delete, of a posting or of its balance through its wallet.
		for _, method := range []string{"PUT", "PATCH", "DELETE"} {
			r := f.do(409, method, "/finance-transactions/"+income["id"].(string), map[string]any{"amount": 1}, nil)
			if !strings.Contains(string(r.Body), "append-only") || !strings.Contains(string(r.Body), "/reverse") {
				t.Fatalf("%s of a posting: %s", method, r.Body)
			}
		}
		f.do(404, "PATCH", "/finance-transactions/123", map[string]any{"amount": 1}, nil)
		f.do(200, "PATCH", "/finance-wallets/"+till, map[string]any{"balance": 999, "isDefault": false, "type": "BANK", "name": "Két"}, nil)
		if w := f.wallet(till); num(w["balance"]) != 180000 || w["isDefault"] != true || w["type"] != "CASH" || w["name"] != "Két" {
			t.Fatalf("a wallet's patch reached its balance, default or type: %v", w)
		}

		// Reversal: of the transfer, both legs at once; again is a 409; a reversal is not reversed.
		rev := f.post(201, "/finance-transactions/"+legs[1]["id"].(string)+"/reverse", map[string]any{"reason": "nhầm tài khoản"})
		if rev["source"] != "REVERSAL" || rev["reversesId"] == nil || !strings.Contains(rev["description"].(string), "nhầm tài khoản") {
			t.Fatalf("reversal: %v", rev)
		}
		if balance(till) != 300000 || balance(bank) != 0 {
			t.Fatalf("after reversing the transfer: till %d bank %d", balance(till), balance(bank))
		}
		f.do(409, "POST", "/finance-transactions/"+legs[0]["id"].(string)+"/reverse", nil, nil)
		f.do(409, "POST", "/finance-transactions/"+rev["id"].(string)+"/reverse", nil, nil)
		// The income, reversed once.
		ri := f.post(201, "/finance-transactions/"+income["id"].(string)+"/reverse", nil)
		if num(ri["amount"]) != -300000 || ri["reversesId"] != income["id"] || ri["categoryId"] != sales || balance(till) != 0 {
			t.Fatalf("income reversal: %v, till %d", ri, balance(till))
		}
		f.do(409, "POST", "/finance-transactions/"+income["id"].(string)+"/reverse", nil, nil)
		f.do(404, "POST", "/finance-transactions/123/reverse", nil, nil)
		// Another organizer sees none of it.
		e.Must(404, apptest.Request{Method: "POST", Path: "/finance-transactions/" + income["id"].(string) + "/reverse", Token: e.OwnerToken(8402)})
		e.Must(404, apptest.Request{Method: "PATCH", Path: "/finance-transactions/" + income["id"].(string), Token: e.OwnerToken(8402), Body: map[string]any{}})
		f.reconciled(mid)

		// The period: yesterday's income is the opening of today's.
		f.post(201, "/finance-transactions", map[string]any{"walletId": bank, "type": "INCOME", "amount": 5000, "occurredAt": "2025-01-01T10:00:00Z"})
		f.post(201, "/finance-transactions", map[string]any{"walletId": bank, "type": "EXPENSE", "amount": 2000, "occurredAt": "2025-01-02T10:00:00Z"})
		p := f.do(200, "GET", "/finance-reconciliations?merchantId="+mid+"&from=2025-01-02T00:00:00Z&to=2025-01-03T00:00:00Z", nil, nil).Map(t)
		for _, w := range p["wallets"].([]any) {
			w := w.(map[string]any)
			if w["walletId"] == bank && (num(w["opening"]) != 5000 || num(w["expense"]) != -2000 || num(w["income"]) != 0 || num(w["closing"]) != 3000 ||
				num(w["balance"]) != 3000 || w["ok"] != true) {
				t.Fatalf("bank over 2 January 2025: %v", w)
			}
		}
		f.do(400, "GET", "/finance-reconciliations?merchantId="+mid+"&from=yesterday", nil, nil)
		f.do(400, "GET", "/finance-reconciliations?merchantId="+mid+"&from=2025-01-03T00:00:00Z&to=2025-01-02T00:00:00Z", nil, nil)
		f.do(400, "GET", "/finance-reconciliations", nil, nil)
	})
}

// TestWalletRules: a method goes to one wallet of a merchant, cash only to a CASH wallet; a
// wallet that holds money is not deleted; a deleted wallet's methods go back to the defaults.
func TestWalletRules(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		f := newFin(t, e, 8501)
		mid := e.Merchant(f.org).String()
		f.cashWallet(mid)
		wallet := func(want int, body map[string]any, says ...string) map[string]any {
			t.Helper()
			body["merchantId"] = mid
			r := f.do(want, "POST", "/finance-wallets", body, nil)
			for _, s := range says {
				if !strings.Contains(string(r.Body), s) {
					t.Fatalf("%v: %s, missing %q", body, r.Body, s)
				}
			}
			return r.Map(t)
		}
		momo := wallet(201, map[string]any{"name": "MoMo", "type": "EWALLET", "methods": []string{"QR"}})
		wallet(409, map[string]any{"name": "ZaloPay", "type": "EWALLET", "methods": []string{"QR"}}, "body.methods[0]", "QR already goes to wallet "+momo["id"].(string))
		wallet(400, map[string]any{"name": "Ngân hàng", "type": "BANK", "methods": []string{"CASH"}}, "body.methods[0]", "only to a CASH wallet")
		wallet(400, map[string]any{"name": "Két 2", "type": "CASH", "methods": []string{"QR"}}, "body.methods[0]")
		wallet(400, map[string]any{"name": "x", "type": "BANK", "methods": []string{"QR", "qr"}}, "listed twice")
		wallet(400, map[string]any{"name": "x", "type": "BANK", "methods": []string{"Q R"}}, "body.methods[0]")
		wallet(400, map[string]any{"name": "x", "type": "GOLD"}, "body.type")
		wallet(400, map[string]any{"name": "x", "type": "BANK", "currency": "USD"}, "body.currency")
		wallet(400, map[string]any{"name": "  ", "type": "BANK"}, "body.name")
		// A PATCH moves QR: off MoMo, onto a bank wallet.
		bank := wallet(201, map[string]any{"name": "ACB", "type": "BANK"})
		f.do(409, "PATCH", "/finance-wallets/"+bank["id"].(string), map[string]any{"methods": []string{"QR"}}, nil)
		f.do(200, "PATCH", "/finance-wallets/"+momo["id"].(string), map[string]any{"methods": []string{}}, nil)
		f.do(200, "PATCH", "/finance-wallets/"+bank["id"].(string), map[string]any{"methods": []string{"qr", "TRANSFER_EXTERNAL"}}, nil)
		if got := f.wallet(bank["id"].(string)); fmt.Sprint(got["methods"]) != "[QR TRANSFER_EXTERNAL]" {
			t.Fatalf("methods after the patch: %v", got["methods"])
		}
		// Money in the bank: it is not deleted; moved out, it is, and QR is free again.
		f.post(201, "/finance-transactions", map[string]any{"walletId": bank["id"], "type": "INCOME", "amount": 7000})
		r := f.do(409, "DELETE", "/finance-wallets/"+bank["id"].(string), nil, nil)
		if !strings.Contains(string(r.Body), "holds 7000") {
			t.Fatalf("delete of a wallet with money: %s", r.Body)
		}
		f.post(201, "/finance-transactions", map[string]any{"walletId": bank["id"], "toWalletId": momo["id"], "type": "TRANSFER", "amount": 7000})
		f.do(403, "DELETE", "/finance-wallets/"+bank["id"].(string)+"?hard=true", nil, nil) // an owner may not hard-delete
		e.Must(409, apptest.Request{Method: "DELETE", Path: "/finance-wallets/" + bank["id"].(string) + "?hard=true", Token: f.admin})
		f.do(200, "DELETE", "/finance-wallets/"+bank["id"].(string), nil, nil)
		wallet(201, map[string]any{"name": "VIB", "type": "BANK", "methods": []string{"QR"}})
		// The deleted wallet cannot take a posting, nor come back with a method now taken.
		f.do(422, "POST", "/finance-transactions", map[string]any{"walletId": bank["id"], "type": "INCOME", "amount": 1}, nil)
		f.do(409, "POST", "/finance-wallets/"+bank["id"].(string)+"/restore", nil, nil)
		// Categories: code upper case and unique per merchant, type fixed.
		f.do(400, "POST", "/finance-categories", map[string]any{"merchantId": mid, "code": "rent", "name": "Tiền thuê", "type": "EXPENSE"}, nil)
		c := f.post(201, "/finance-categories", map[string]any{"merchantId": mid, "code": "RENT", "name": "Tiền thuê", "type": "EXPENSE"})
		f.do(409, "POST", "/finance-categories", map[string]any{"merchantId": mid, "code": "RENT", "name": "again", "type": "EXPENSE"}, nil)
		f.do(400, "POST", "/finance-categories", map[string]any{"merchantId": mid, "code": "TIPS", "name": "Tiền boa", "type": "TRANSFER"}, nil)
		f.do(200, "PATCH", "/finance-categories/"+c["id"].(string), map[string]any{"type": "INCOME", "name": "Mặt bằng"}, nil)
		if got := f.do(200, "GET", "/finance-categories/"+c["id"].(string), nil, nil).Map(t); got["type"] != "EXPENSE" || got["name"] != "Mặt bằng" {
			t.Fatalf("category after a patch: %v", got)
		}
		f.reconciled(mid)
	})
}
