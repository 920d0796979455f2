package payment_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/payment"
	"github.com/banapos/bana/internal/payment/vietqr"
	"github.com/banapos/bana/internal/payment/vnpayqr"
	"github.com/banapos/bana/internal/payment/vnpayqr/vnpayqrtest"
	"github.com/banapos/bana/internal/platform/clock"
	"github.com/banapos/bana/internal/sale"
)

// qrEnv is a café with VNPAY-QR configured against a local VNPAY-QR API.
func qrEnv(t *testing.T, e *apptest.Env, org int64) (*payEnv, *vnpayqrtest.Server) {
	s := newPayEnv(t, e, idOf(org), map[string]int64{"BM-OPLA": 10})
	api := vnpayqrtest.New("0312345678", "qr-secret-0123")
	t.Cleanup(api.Close)
	api.NotifyURL = e.URL + "/payment-ipn/vnpay-qr-mms/" + s.mid
	s.configure(payment.ProviderVNPAYQRMMS, map[string]any{"enabled": true, "appId": "MERCHANT", "merchantName": "QUAN BANA", "merchantType": "5812",
		"merchantCode": api.MerchantCode, "terminalId": "TILL1", "createUrl": api.URL + vnpayqrtest.CreatePath, "checkUrl": api.URL + vnpayqrtest.CheckPath,
		"refundUrl": api.URL + vnpayqrtest.RefundPath, "secretKey": api.Secret})
	return s, api
}

// TestVNPAYQRMMS: a checkout with a VNPAY-QR tender answers the code to show (created at VNPAY,
// checksum checked both ways) and the order waits; a bad checksum is 06, an unknown order 04, a
// wrong amount 07, each changing nothing; the real notification pays the order (00) and its
// repeat is 03. A refund through sale is refunded at VNPAY-QR.
func TestVNPAYQRMMS(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		s, api := qrEnv(t, e, 9302)
		ctx := context.Background()
		oid, total := s.order("BM-OPLA", 2)
		o, att := s.checkout(oid, payment.ProviderVNPAYQRMMS, payment.MethodQR, total)
		ref, inst := att["reference"].(string), att["instruction"].(map[string]any)
		txn, ok := api.Txn(ref)
		if !ok || o["status"] != "PROCESSING" || inst["type"] != payment.DisplayQR || txn.Amount != total {
			t.Fatalf("checkout: %v %v %+v", o["status"], inst, txn)
		}
		qr := inst["qr"].(string)
		if err := vietqr.CheckCRC(qr); err != nil || !strings.Contains(qr, vnpayqr.MasterMerCode) {
			t.Fatalf("the code to show: %q %v", qr, err)
		}
		s.unchanged(oid, "BM-OPLA", 10, 2)

		note, err := api.Notification(ref, 0)
		if err != nil {
			t.Fatal(err)
		}
		send := func(n vnpayqr.Notification) string {
			t.Helper()
			rep, err := api.Send(ctx, n)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Data.TxnID != n.TxnID {
				t.Fatalf("reply %+v", rep)
			}
			return rep.Code
		}
		for name, change := range map[string]func(*vnpayqr.Notification){
			"amount":   func(n *vnpayqr.Notification) { n.Amount = fmt.Sprint(total - 1) },
			"checksum": func(n *vnpayqr.Notification) { n.Checksum = strings.Repeat("A", 32) },
			"code":     func(n *vnpayqr.Notification) { n.Code = "01" },
			"merchant": func(n *vnpayqr.Notification) { n.MerchantCode = "other" },
		} {
			bad := note
			change(&bad)
			if code := send(bad); code != vnpayqr.ReplyWrongChecksum {
				t.Fatalf("%s changed: %s, want 06", name, code)
			}
		}
		if rep, err := api.SendRaw(ctx, []byte(`{"txnId":`)); err != nil || rep.Code != vnpayqr.ReplyWrongChecksum {
			t.Fatalf("malformed: %+v %v", rep, err)
		}
		unknown := note
		unknown.TxnID = "42"
		unknown.Checksum = vnpayqr.NotificationChecksum(unknown, api.Secret)
		if code := send(unknown); code != vnpayqr.ReplyOrderError {
			t.Fatalf("unknown order: %s", code)
		}
		wrong, _ := api.Notification(ref, total+500)
		if code := send(wrong); code != vnpayqr.ReplyWrongAmount {
			t.Fatalf("wrong amount: %s", code)
		}
		s.unchanged(oid, "BM-OPLA", 10, 2)

		if code := send(note); code != vnpayqr.ReplyOK {
			t.Fatalf("notification: %s", code)
		}
		if code := send(note); code != vnpayqr.ReplyAlreadyPaid {
			t.Fatalf("repeated notification: %s", code)
		}
		s.paid(oid, total, "BM-OPLA", 8)
		if cbs := s.callbacks(ref); strings.Join(cbs, ",") != "APPLIED,DUPLICATE" {
			t.Fatalf("sale's callbacks: %v", cbs)
		}

		s.Must(201, apptest.Request{Method: "POST", Path: "/sale-orders/" + oid + "/refunds", Token: s.owner, Body: map[string]any{"reason": "tra lai"}})
		apptest.Eventually(t, "the refund at VNPAY-QR", func() bool {
			r := s.list(s.owner, "/payment-refunds", fmt.Sprintf(`{"where":{"reference":%q}}`, ref))
			return len(r) == 1 && r[0]["status"] == payment.RefundSucceeded
		})
		if txn, _ := api.Txn(ref); txn.Refunded != total {
			t.Fatalf("VNPAY-QR refunded %d", txn.Refunded)
		}
	})
}

// TestLateNotification: an attempt that expired before its money came is refused and recorded
// when the money's notification comes (09, sale's LATE_REFUSED), never applied and never lost;
// its repeat is 03; the money is refunded at the provider through POST /payment-refunds (a
// succeeded payment is refused there: sale refunds it).
func TestLateNotification(t *testing.T) {
	apptest.EachWithClock(t, time.Now(), func(t *testing.T, e *apptest.Env, clk *clock.Fake) {
		s, api := qrEnv(t, e, 9304)
		ctx := context.Background()
		oid, total := s.order("BM-OPLA", 1)
		_, att := s.checkout(oid, payment.ProviderVNPAYQRMMS, payment.MethodQR, total)
		ref, pid := att["reference"].(string), att["id"].(string)
		clk.Advance(sale.DefaultExpiry + time.Second)
		e.RunScheduledJobs(sale.Queue, "")
		if o := s.view(oid); o["status"] != string(sale.Expired) {
			t.Fatalf("after its expiry: %v", o["status"])
		}
		rep, err := api.Pay(ctx, ref, 0)
		if err != nil || rep.Code != vnpayqr.ReplyExpired {
			t.Fatalf("late notification: %+v %v", rep, err)
		}
		if rep, _ := api.Pay(ctx, ref, 0); rep.Code != vnpayqr.ReplyAlreadyPaid {
			t.Fatalf("its repeat: %+v", rep)
		}
		// (The fake clock stands still: both came at the same instant, in either order.)
		cbs := s.callbacks(ref)
		slices.Sort(cbs)
		if strings.Join(cbs, ",") != "DUPLICATE,LATE_REFUSED" {
			t.Fatalf("sale's callbacks: %v", cbs)
		}
		notes := s.notifications(ref)
		replies := map[any]any{}
		for _, n := range notes {
			replies[n["outcome"]] = n["reply"]
		}
		if len(notes) != 2 || replies[payment.OutcomeLateRefused] != "09" || replies[payment.OutcomeDuplicate] != "03" {
			t.Fatalf("notifications: %v", notes)
		}
		if o := s.view(oid); o["status"] != string(sale.Expired) || num(o["paidTotal"]) != 0 || s.paymentSuccess(oid) != 0 {
			t.Fatalf("order after the late money: %v", o)
		}
		// The late money goes back through the provider.
		s.Must(422, apptest.Request{Method: "POST", Path: "/payment-refunds", Token: s.owner, Body: map[string]any{"paymentId": pid, "amount": total + 1, "reason": "tien den muon"}})
		r := s.Must(201, apptest.Request{Method: "POST", Path: "/payment-refunds", Token: s.owner, Body: map[string]any{"paymentId": pid, "reason": "tien den muon"},
			Headers: map[string]string{"Idempotency-Key": "late-1"}}).Map(t)
		if num(r["amount"]) != total || r["status"] != payment.RefundPending {
			t.Fatalf("refund: %v", r)
		}
		again := s.Must(201, apptest.Request{Method: "POST", Path: "/payment-refunds", Token: s.owner, Body: map[string]any{"paymentId": pid, "reason": "tien den muon"},
			Headers: map[string]string{"Idempotency-Key": "late-1"}})
		if again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatal("a repeated refund request was not replayed")
		}
		s.Must(422, apptest.Request{Method: "POST", Path: "/payment-refunds", Token: s.owner, Body: map[string]any{"paymentId": pid, "reason": "lan nua"}})
		apptest.Eventually(t, "the late money refunded", func() bool {
			rs := s.list(s.owner, "/payment-refunds", fmt.Sprintf(`{"where":{"id":%q}}`, r["id"]))
			return len(rs) == 1 && rs[0]["status"] == payment.RefundSucceeded
		})
		if txn, _ := api.Txn(ref); txn.Refunded != total {
			t.Fatalf("VNPAY-QR refunded %d", txn.Refunded)
		}
		// Another tenant cannot, and a bad id names the field.
		other := newPayEnv(t, e, 9305, nil)
		s.Must(400, apptest.Request{Method: "POST", Path: "/payment-refunds", Token: other.owner, Body: map[string]any{"paymentId": pid, "reason": "x"}})
		s.Must(400, apptest.Request{Method: "POST", Path: "/payment-refunds", Token: s.owner, Body: map[string]any{"paymentId": "1", "reason": "x"}})

		// A succeeded payment is refunded through sale, not here.
		oid2, total2 := s.order("BM-OPLA", 1)
		_, att2 := s.checkout(oid2, payment.ProviderVNPAYQRMMS, payment.MethodQR, total2)
		if rep, _ := api.Pay(ctx, att2["reference"].(string), 0); rep.Code != vnpayqr.ReplyOK {
			t.Fatalf("pay: %+v", rep)
		}
		s.Must(409, apptest.Request{Method: "POST", Path: "/payment-refunds", Token: s.owner, Body: map[string]any{"paymentId": att2["id"], "reason": "x"}})
	})
}

// TestSchedulerConfirmsLostNotification: VNPAY-QR took the money but its notification never
// arrived; the scheduler's check before the attempt expires asks VNPAY (checkTrans) and pays the
// order from the answer.
func TestSchedulerConfirmsLostNotification(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		s, api := qrEnv(t, e, 9306)
		oid, total := s.order("BM-OPLA", 3)
		_, att := s.checkout(oid, payment.ProviderVNPAYQRMMS, payment.MethodQR, total)
		ref := att["reference"].(string)
		// Not paid yet: the check finds nothing to apply.
		if n := e.RunScheduledJobs(payment.QueueScheduler, "payment.attempt-check"); n != 1 {
			t.Fatalf("%d checks scheduled", n)
		}
		s.unchanged(oid, "BM-OPLA", 10, 3)
		q := s.Must(200, apptest.Request{Method: "POST", Path: "/payment-attempts/" + att["id"].(string) + "/query", Token: s.owner}).Map(t)
		if q["paid"] != false || q["code"] != "04" {
			t.Fatalf("query before payment: %v", q)
		}
		if _, err := api.Notification(ref, 0); err != nil { // paid at VNPAY; the notification is lost
			t.Fatal(err)
		}
		q = s.Must(200, apptest.Request{Method: "POST", Path: "/payment-attempts/" + att["id"].(string) + "/query", Token: s.owner}).Map(t)
		if q["paid"] != true || q["outcome"] != payment.OutcomeApplied {
			t.Fatalf("query after payment: %v", q)
		}
		s.paid(oid, total, "BM-OPLA", 7)
		notes := s.notifications(ref)
		if len(notes) != 1 || notes[0]["source"] != payment.SourceQuery || notes[0]["providerRef"] == "" {
			t.Fatalf("notifications: %v", notes)
		}

		// The scheduler's own check pays a second order the same way.
		oid2, total2 := s.order("BM-OPLA", 1)
		_, att2 := s.checkout(oid2, payment.ProviderVNPAYQRMMS, payment.MethodQR, total2)
		if _, err := api.Notification(att2["reference"].(string), 0); err != nil {
			t.Fatal(err)
		}
		e.RunScheduledJobs(payment.QueueScheduler, "payment.attempt-check")
		s.paid(oid2, total2, "BM-OPLA", 6)
		// Another tenant's attempt is not found.
		other := newPayEnv(t, e, 9307, nil)
		s.Must(404, apptest.Request{Method: "POST", Path: "/payment-attempts/" + att["id"].(string) + "/query", Token: other.owner})
	})
}
