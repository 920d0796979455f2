package finance_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/finance"
	"github.com/banapos/bana/internal/platform/events"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/riverqueue/river"
)

// TestPaymentSuccessPostsOnce: one payment reported by 40 PaymentSuccess events published at
// once (each a delivery of its own, handled concurrently), and one of them delivered again, is
// one INCOME; the wallet holds it once.
func TestPaymentSuccessPostsOnce(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		f := newFin(t, e, 8201)
		merchant := e.Merchant(f.org)
		mid := merchant.String()
		till := f.cashWallet(mid)
		ctx := context.Background()
		payment, order := e.App.IDs.Next(), e.App.IDs.Next()
		ev := events.PaymentSuccess{OrganizerID: f.org, MerchantID: merchant, OrderID: order, PaymentID: payment, Provider: "SYSTEM",
			Method: "CASH", Amount: 45000, Currency: "VND", Reference: payment.String(), PaidAt: time.Now().UTC()}

		const n = 40
		ids := make([]id.ID, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				ids[i], errs[i] = e.App.Events.Publish(ctx, ev)
			}()
		}
		close(start)
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		handled := func() bool {
			for _, eid := range ids {
				if ok, err := e.App.Events.Handled(ctx, finance.SubPaymentSuccess, eid); err != nil || !ok {
					return false
				}
			}
			return true
		}
		apptest.Eventually(t, "every delivery of the payment handled", handled)
		// One event delivered again (at least once: a worker that died before it acknowledged).
		payload, _ := json.Marshal(ev)
		if _, err := e.App.Jobs.Insert(ctx, events.Delivery{EventID: ids[0], Name: ev.EventName(), Version: ev.EventVersion(),
			Subscriber: finance.SubPaymentSuccess, Payload: payload, OccurredAt: time.Now()}, &river.InsertOpts{Queue: finance.Queue}); err != nil {
			t.Fatal(err)
		}
		apptest.Eventually(t, "the redelivery worked", func() bool {
			done, err := e.App.Jobs.List(ctx, finance.Queue, "completed", events.Delivery{}.Kind(), 1000)
			if err != nil {
				t.Fatal(err)
			}
			k := 0
			for _, j := range done {
				if strings.Contains(string(j.Args), finance.SubPaymentSuccess) {
					k++
				}
			}
			return k == n+1
		})

		var incomes []map[string]any
		for _, p := range f.postings(mid) {
			if p["source"] == "PAYMENT" {
				incomes = append(incomes, p)
			}
		}
		if len(incomes) != 1 || num(incomes[0]["amount"]) != 45000 || incomes[0]["sourceKey"] != "PAYMENT:"+payment.String() {
			t.Fatalf("incomes of one payment: %v", incomes)
		}
		if b := num(f.wallet(till["id"].(string))["balance"]); b != 45000 {
			t.Fatalf("till holds %d", b)
		}
		f.reconciled(mid)
	})
}

// TestConcurrentPostings posts to wallets from many goroutines over HTTP: incomes and expenses
// on one credit card all land; 100 expenses of 1,000 against 50,000 in the till take exactly 50
// of them (the rest a 422 naming what the till holds); transfers both ways between two wallets
// at once all land (no deadlock loses one); every balance is its postings after.
func TestConcurrentPostings(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		f := newFin(t, e, 8301)
		mid := e.Merchant(f.org).String()
		till := f.cashWallet(mid)["id"].(string)
		card := f.post(201, "/finance-wallets", map[string]any{"merchantId": mid, "name": "Thẻ VPBank", "type": "CREDIT_CARD"})["id"].(string)
		bank := f.post(201, "/finance-wallets", map[string]any{"merchantId": mid, "name": "Vietcombank", "type": "BANK", "accountNumber": "0071000123456"})["id"].(string)

		run := func(n int, body func(i int) map[string]any) []reply {
			out := make([]reply, n)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					out[i] = send(e, f.owner, "POST", "/finance-transactions", body(i), "")
				}()
			}
			close(start)
			wg.Wait()
			for i, r := range out {
				if r.err != nil || r.status >= 500 {
					t.Fatalf("request %d: %d %v %s", i, r.status, r.err, r.body)
				}
			}
			return out
		}

		// The card: 60 incomes and 60 expenses at once, each of its own amount.
		for i, r := range run(120, func(i int) map[string]any {
			typ := "INCOME"
			if i%2 == 1 {
				typ = "EXPENSE"
			}
			return map[string]any{"walletId": card, "type": typ, "amount": 1000 + i/2}
		}) {
			if r.status != 201 {
				t.Fatalf("card posting %d: %d %s", i, r.status, r.body)
			}
		}
		if b := num(f.wallet(card)["balance"]); b != 0 {
			t.Fatalf("card balance after equal incomes and expenses: %d", b)
		}

		// The till: 50,000 in, then 100 expenses of 1,000 at once.
		f.post(201, "/finance-transactions", map[string]any{"walletId": till, "type": "INCOME", "amount": 50000, "description": "đầu ca"})
		won, lost := 0, 0
		for i, r := range run(100, func(int) map[string]any { return map[string]any{"walletId": till, "type": "EXPENSE", "amount": 1000} }) {
			switch {
			case r.status == 201:
				won++
			case r.status == 422 && strings.Contains(r.body, "body.amount") && strings.Contains(r.body, "holds 0 đồng"):
				lost++
			default:
				t.Fatalf("expense %d: %d %s", i, r.status, r.body)
			}
		}
		if won != 50 || lost != 50 {
			t.Fatalf("%d expenses taken, %d refused", won, lost)
		}
		if b := num(f.wallet(till)["balance"]); b != 0 {
			t.Fatalf("till after the rush: %d", b)
		}

		// Both ways at once between the till and the bank.
		f.post(201, "/finance-transactions", map[string]any{"walletId": till, "type": "INCOME", "amount": 100000})
		f.post(201, "/finance-transactions", map[string]any{"walletId": bank, "type": "INCOME", "amount": 100000})
		for i, r := range run(80, func(i int) map[string]any {
			from, to := till, bank
			if i%2 == 1 {
				from, to = bank, till
			}
			return map[string]any{"walletId": from, "toWalletId": to, "type": "TRANSFER", "amount": 1000 + i}
		}) {
			if r.status != 201 {
				t.Fatalf("transfer %d: %d %s", i, r.status, r.body)
			}
		}
		// Forty transfers each way: i even till -> bank, odd bank -> till, of 1000+i.
		var toBank, toTill int64
		for i := range 80 {
			if i%2 == 0 {
				toBank += int64(1000 + i)
			} else {
				toTill += int64(1000 + i)
			}
		}
		if b := num(f.wallet(till)["balance"]); b != 100000-toBank+toTill {
			t.Fatalf("till after transfers: %d, want %d", b, 100000-toBank+toTill)
		}
		if b := num(f.wallet(bank)["balance"]); b != 100000+toBank-toTill {
			t.Fatalf("bank after transfers: %d, want %d", b, 100000+toBank-toTill)
		}
		r := f.reconciled(mid)
		if n := len(f.postings(mid)); n != 120+1+50+2+160 {
			t.Fatalf("%d postings", n)
		}
		var count int64
		for _, w := range r["wallets"].([]any) {
			count += num(w.(map[string]any)["count"])
		}
		if count != 120+1+50+2+160 {
			t.Fatalf("reconciliation counted %d postings: %v", count, r)
		}
	})
}
