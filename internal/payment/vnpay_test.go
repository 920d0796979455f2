package payment_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/payment"
	"github.com/banapos/bana/internal/payment/vnpay"
	"github.com/banapos/bana/internal/payment/vnpay/vnpaytest"
	"github.com/banapos/bana/internal/sale"
)

func clone(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string{}, vs...)
	}
	return out
}

// vnpayEnv is a café with VNPAY's gateway configured against a local gateway.
func vnpayEnv(t *testing.T, e *apptest.Env, org int64) (*payEnv, *vnpaytest.Server) {
	s := newPayEnv(t, e, idOf(org), map[string]int64{"BM-OPLA": 10})
	gw := vnpaytest.New("BANATEST", "vnpay-hash-secret-0123456789")
	t.Cleanup(gw.Close)
	gw.IPNURL = e.URL + "/payment-ipn/vnpay/" + s.mid
	s.configure(payment.ProviderVNPAY, map[string]any{"enabled": true, "tmnCode": gw.TmnCode, "hashSecret": gw.Secret,
		"paymentUrl": gw.PayURL(), "apiUrl": gw.APIURL(), "returnUrl": "https://pos.example/return"})
	return s, gw
}

// TestVNPAYIPN holds VIETNAM.md's IPN on both databases: a checkout with a VNPAY tender answers
// the signed payment URL and the order waits; a wrong signature is 97, an unknown order 01, a
// wrong amount 04, each changing nothing; the same IPN delivered 100 times concurrently and 10
// more times pays the order once (stock committed, one PaymentSuccess), answered 00 once and 02
// every other time. The return URL verifies; querydr agrees; a refund through sale is refunded at
// VNPAY.
func TestVNPAYIPN(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		s, gw := vnpayEnv(t, e, 9301)
		ctx := context.Background()
		oid, total := s.order("BM-OPLA", 2)
		o, att := s.checkout(oid, payment.ProviderVNPAY, payment.MethodQR, total)
		inst := att["instruction"].(map[string]any)
		ref := att["reference"].(string)
		if o["status"] != "PROCESSING" || att["status"] != "PENDING" || inst["type"] != payment.DisplayRedirect || !strings.HasPrefix(inst["url"].(string), gw.PayURL()+"?") {
			t.Fatalf("checkout: %v / %v", o["status"], att)
		}
		resp, err := http.Get(inst["url"].(string))
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("the gateway refuses the payment URL: %v %v", resp, err)
		}
		s.unchanged(oid, "BM-OPLA", 10, 2)
		res, err := gw.Finish(ref, "00")
		if err != nil {
			t.Fatal(err)
		}
		send := func(v url.Values) string {
			t.Helper()
			rep, err := gw.SendIPN(ctx, v)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Message != vnpay.ReplyFor(rep.RspCode).Message {
				t.Fatalf("reply %+v", rep)
			}
			return rep.RspCode
		}

		// A wrong signature: 97, whatever was changed; nothing is recorded or changed.
		for name, change := range map[string]func(url.Values){
			"hash":      func(v url.Values) { v.Set("vnp_SecureHash", strings.Repeat("ab", 64)) },
			"amount":    func(v url.Values) { v.Set("vnp_Amount", fmt.Sprint((total+1)*100)) },
			"reference": func(v url.Values) { v.Set("vnp_TxnRef", "1") },
			"response":  func(v url.Values) { v.Set("vnp_ResponseCode", "24") },
			"added":     func(v url.Values) { v.Set("vnp_BankCode", "VCB") },
			"dropped":   func(v url.Values) { v.Del("vnp_PayDate") },
			"no hash":   func(v url.Values) { v.Del("vnp_SecureHash") },
		} {
			v := clone(res)
			change(v)
			if code := send(v); code != vnpay.RspInvalidSignature {
				t.Fatalf("%s changed: %s, want 97", name, code)
			}
		}
		// Signed with another merchant's secret, or for another terminal: 97.
		other := clone(res)
		other.Set("vnp_SecureHash", vnpay.Sign("another-secret", other))
		if code := send(other); code != vnpay.RspInvalidSignature {
			t.Fatalf("another secret: %s", code)
		}
		// To a merchant that does not exist or has no VNPAY: 97.
		for _, path := range []string{"/payment-ipn/vnpay/123", "/payment-ipn/vnpay/abc", "/payment-ipn/vnpay/" + e.Merchant(idOf(9301)).String()} {
			r := s.Must(200, apptest.Request{Method: "GET", Path: path + "?" + res.Encode()}).Map(t)
			if r["RspCode"] != vnpay.RspInvalidSignature {
				t.Fatalf("%s: %v", path, r)
			}
		}
		s.unchanged(oid, "BM-OPLA", 10, 2)
		if n := s.notifications(ref); len(n) != 0 {
			t.Fatalf("unverified notifications recorded: %v", n)
		}

		// An unknown order, signed: 01.
		unknown := clone(res)
		unknown.Set("vnp_TxnRef", "99999")
		unknown.Set("vnp_SecureHash", vnpay.Sign(gw.Secret, unknown))
		if code := send(unknown); code != vnpay.RspOrderNotFound {
			t.Fatalf("unknown order: %s", code)
		}
		// A wrong amount, signed: 04; an amount with odd xu: 04.
		if code := send(gw.Result(ref, "00", total+1000)); code != vnpay.RspInvalidAmount {
			t.Fatalf("wrong amount: %s", code)
		}
		odd := clone(res)
		odd.Set("vnp_Amount", fmt.Sprint(total*100+50))
		odd.Set("vnp_SecureHash", vnpay.Sign(gw.Secret, odd))
		if code := send(odd); code != vnpay.RspInvalidAmount {
			t.Fatalf("amount with xu: %s", code)
		}
		s.unchanged(oid, "BM-OPLA", 10, 2)

		// The real IPN, 100 times at once, then 10 more: one 00, every other 02.
		codes := make([]string, 100)
		var wg sync.WaitGroup
		for i := range codes {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				rep, err := gw.SendIPN(ctx, res)
				if err != nil {
					t.Error(err)
				}
				codes[i] = rep.RspCode
			}(i)
		}
		wg.Wait()
		for range 10 {
			codes = append(codes, send(res))
		}
		count := map[string]int{}
		for _, c := range codes {
			count[c]++
		}
		if count[vnpay.RspConfirmed] != 1 || count[vnpay.RspAlreadyConfirmed] != 109 {
			t.Fatalf("110 deliveries answered %v", count)
		}
		s.paid(oid, total, "BM-OPLA", 8)
		cbs := s.callbacks(ref)
		applied := 0
		for _, c := range cbs {
			if c == sale.OutcomeApplied {
				applied++
			}
		}
		if applied != 1 || len(cbs) != 110 {
			t.Fatalf("sale recorded %d callbacks, %d applied", len(cbs), applied)
		}
		notes := s.notifications(ref)
		if len(notes) != 112 || notes[0]["outcome"] != payment.OutcomeAmountMismatch || notes[1]["reply"] != "04" {
			t.Fatalf("notifications: %d, first %v", len(notes), notes[0])
		}
		att = s.list(s.owner, "/payment-attempts", fmt.Sprintf(`{"where":{"reference":%q}}`, ref))[0]
		if att["providerStatus"] != payment.ProviderPaid || att["providerRef"] == "" {
			t.Fatalf("attempt: %v", att)
		}

		// The return URL verifies and changes nothing; a tampered one does not verify.
		rr := s.Must(200, apptest.Request{Method: "GET", Path: "/payment-returns/vnpay/" + s.mid + "?" + res.Encode()}).Map(t)
		if rr["verified"] != true || rr["paid"] != true || rr["reference"] != ref || num(rr["amount"]) != total {
			t.Fatalf("return: %v", rr)
		}
		tampered := clone(res)
		tampered.Set("vnp_ResponseCode", "24")
		if rr := s.Must(200, apptest.Request{Method: "GET", Path: "/payment-returns/vnpay/" + s.mid + "?" + tampered.Encode()}).Map(t); rr["verified"] != false {
			t.Fatalf("tampered return: %v", rr)
		}
		// querydr agrees, and there is nothing left to apply.
		q := s.Must(200, apptest.Request{Method: "POST", Path: "/payment-attempts/" + att["id"].(string) + "/query", Token: s.owner}).Map(t)
		if q["paid"] != true || q["code"] != "00" || q["outcome"] != nil {
			t.Fatalf("query: %v", q)
		}

		// A refund through sale is refunded at VNPAY.
		s.Must(201, apptest.Request{Method: "POST", Path: "/sale-orders/" + oid + "/refunds", Token: s.owner,
			Body: map[string]any{"reason": "khach tra lai", "restock": true}})
		var refunds []map[string]any
		apptest.Eventually(t, "the refund at VNPAY", func() bool {
			refunds = s.list(s.owner, "/payment-refunds", fmt.Sprintf(`{"where":{"paymentId":%q}}`, att["id"]))
			return len(refunds) == 1 && refunds[0]["status"] != payment.RefundPending
		})
		if refunds[0]["status"] != payment.RefundSucceeded || num(refunds[0]["amount"]) != total || refunds[0]["saleRefundId"] == nil {
			t.Fatalf("refund: %v", refunds[0])
		}
		if txn, _ := gw.Txn(ref); txn.Refunded != total {
			t.Fatalf("the gateway refunded %d", txn.Refunded)
		}
	})
}
