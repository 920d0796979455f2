package payment_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/configuration"
	"github.com/banapos/bana/internal/payment"
	"github.com/banapos/bana/internal/payment/phonepos"
	"github.com/banapos/bana/internal/payment/phonepos/phonepostest"
	"github.com/banapos/bana/internal/payment/vnpayqr"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/sale"
)

// TestTemplates: the migrations seed one disabled template per provider (the document's
// payment-0001 and payment-0002 among them), with no secret in any; only the platform's staff
// see them; a merchant without settings has every provider off, and its tenders are refused.
func TestTemplates(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		s := newPayEnv(t, e, 9320, map[string]int64{"BM-OPLA": 5})
		rows := s.list(s.admin, "/configurations", `{"where":{"organizerId":"0","group":"PAYMENT"},"order":["code ASC"]}`)
		var codes []string
		for _, r := range rows {
			codes = append(codes, r["code"].(string))
			v := r["value"].(map[string]any)
			if r["dataType"] != "JSON" || v["enabled"] != false {
				t.Fatalf("template %v", r)
			}
			for k, x := range v {
				if strings.Contains(strings.ToLower(k), "secret") || strings.Contains(strings.ToLower(k), "password") {
					if x != "" {
						t.Fatalf("template %s holds a %s", r["code"], k)
					}
				}
			}
		}
		if strings.Join(codes, ",") != "PAYMENT.VIETQR,PAYMENT.VNPAY,PAYMENT.VNPAY_PHONE_POS,PAYMENT.VNPAY_QR_MMS" {
			t.Fatalf("templates: %v", codes)
		}
		if n := s.list(s.owner, "/configurations", `{"where":{"group":"PAYMENT"}}`); len(n) != 0 {
			t.Fatalf("an owner sees the platform's templates: %v", n)
		}
		var st []map[string]any
		s.Must(200, apptest.Request{Method: "GET", Path: "/payment-providers?merchantId=" + s.mid, Token: s.owner}).JSON(t, &st)
		if len(st) != 4 {
			t.Fatalf("providers: %v", st)
		}
		for _, p := range st {
			if p["enabled"] != false || !strings.Contains(p["problem"].(string), "not configured") {
				t.Fatalf("provider %v", p)
			}
		}
		other := newPayEnv(t, e, 9321, nil)
		s.Must(404, apptest.Request{Method: "GET", Path: "/payment-providers?merchantId=" + s.mid, Token: other.owner})
		s.Must(400, apptest.Request{Method: "GET", Path: "/payment-providers?merchantId=x", Token: s.owner})
		oid, total := s.order("BM-OPLA", 1)
		for _, p := range []string{payment.ProviderVNPAY, payment.ProviderVNPAYQRMMS, payment.ProviderVietQR} {
			r := s.Must(422, apptest.Request{Method: "POST", Path: "/sale-orders/" + oid + "/checkout", Token: s.owner,
				Body: map[string]any{"tenders": []map[string]any{{"provider": p, "method": "QR", "amount": total}}}})
			if !strings.Contains(string(r.Body), "not configured") {
				t.Fatalf("%s: %s", p, r.Body)
			}
		}
		// Settings present but disabled, or incomplete: refused, naming why.
		s.configure(payment.ProviderVietQR, map[string]any{"enabled": false, "bankBin": "970436", "accountNo": "1"})
		r := s.Must(422, apptest.Request{Method: "POST", Path: "/sale-orders/" + oid + "/checkout", Token: s.owner,
			Body: map[string]any{"tenders": []map[string]any{{"provider": "VIETQR", "method": "QR", "amount": total}}}})
		if !strings.Contains(string(r.Body), "disabled") {
			t.Fatalf("disabled: %s", r.Body)
		}
		s.configure(payment.ProviderVNPAY, map[string]any{"enabled": true, "tmnCode": "X"})
		r = s.Must(422, apptest.Request{Method: "POST", Path: "/sale-orders/" + oid + "/checkout", Token: s.owner,
			Body: map[string]any{"tenders": []map[string]any{{"provider": "VNPAY", "method": "QR", "amount": total}}}})
		if !strings.Contains(string(r.Body), "lack apiUrl, hashSecret, paymentUrl, returnUrl") {
			t.Fatalf("incomplete: %s", r.Body)
		}
		if o := s.view(oid); o["status"] != "DRAFT" {
			t.Fatalf("a refused checkout left the order %v", o["status"])
		}
	})
}

// TestPhonePOS: VNPAY_PHONE_POS is off until a merchant configures a bridge; then a card tender
// is sent to the bridge (signed) and waits, and only the bridge's signed APPROVED result pays it.
func TestPhonePOS(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		s := newPayEnv(t, e, 9330, map[string]int64{"BM-OPLA": 5})
		oid, total := s.order("BM-OPLA", 1)
		tender := map[string]any{"tenders": []map[string]any{{"provider": payment.ProviderVNPAYPhonePOS, "method": payment.MethodCard, "amount": total}}}
		s.Must(422, apptest.Request{Method: "POST", Path: "/sale-orders/" + oid + "/checkout", Token: s.owner, Body: tender})
		bridge := phonepostest.New("bridge-secret-1")
		t.Cleanup(bridge.Close)
		bridge.NotifyURL = e.URL + "/payment-ipn/vnpay-phone-pos/" + s.mid
		s.configure(payment.ProviderVNPAYPhonePOS, map[string]any{"enabled": true, "endpoint": bridge.URL, "terminalId": "POS1", "secret": bridge.Secret})
		_, att := s.checkout(oid, payment.ProviderVNPAYPhonePOS, payment.MethodCard, total)
		ref := att["reference"].(string)
		if inst := att["instruction"].(map[string]any); inst["type"] != payment.DisplayTerminal || inst["terminalId"] != "POS1" || att["status"] != "PENDING" {
			t.Fatalf("attempt: %v", att)
		}
		if sr, ok := bridge.Sale(ref); !ok || sr.Amount != total {
			t.Fatalf("the bridge got %+v", sr)
		}
		s.unchanged(oid, "BM-OPLA", 5, 1)
		// A result signed with another secret: 403, nothing changes.
		forged := phonepostest.New("not-the-secret")
		t.Cleanup(forged.Close)
		forged.NotifyURL = bridge.NotifyURL
		if _, err := phonepos.Start(context.Background(), nil, forged.URL, "not-the-secret", phonepos.SaleRequest{Reference: ref, Amount: total}, e.App.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		if code, err := forged.Report(context.Background(), ref, phonepos.Approved); err != nil || code != 403 {
			t.Fatalf("forged result: %d %v", code, err)
		}
		s.unchanged(oid, "BM-OPLA", 5, 1)
		if code, err := bridge.Report(context.Background(), ref, phonepos.Approved); err != nil || code != 200 {
			t.Fatalf("result: %d %v", code, err)
		}
		s.paid(oid, total, "BM-OPLA", 4)
	})
}

// flakySale is sale as payment needs it, failing its first Apply as a database that went away
// would: the notification must be kept and applied by the confirmation queue.
type flakySale struct {
	s     *sale.Module
	fails atomic.Int32
}

func (f *flakySale) Payment(ctx context.Context, provider, reference string) (payment.SalePayment, error) {
	p, err := f.s.PaymentByReference(ctx, provider, reference)
	if err != nil {
		return payment.SalePayment{}, errs.Wrap(errs.NotFound, "none", payment.ErrNoAttempt)
	}
	return payment.SalePayment{ID: p.ID, OrganizerID: p.OrganizerID, MerchantID: p.MerchantID, OrderID: p.OrderID, Provider: p.Provider,
		Status: p.Status, Amount: p.Amount, Reference: p.Reference}, nil
}

func (f *flakySale) Apply(ctx context.Context, r payment.Report) (string, error) {
	if f.fails.Add(-1) >= 0 {
		return "", errors.New("connection reset by peer")
	}
	res, err := f.s.ApplyCallback(ctx, sale.Callback{Provider: r.Provider, Reference: r.Reference, Succeeded: r.Succeeded, Amount: r.Amount, Payload: json.RawMessage(r.Payload)})
	return res.Outcome, err
}

type credentials struct{ c *configuration.Module }

func (c credentials) Secret(ctx context.Context, org, mid id.ID, code string) (string, error) {
	v, err := c.c.Secret(ctx, org, mid, code)
	if errors.Is(err, configuration.ErrSecretNotFound) {
		return "", errs.Wrap(errs.Rule, "none", payment.ErrNotConfigured)
	}
	return v, err
}

type merchants struct{ e *apptest.Env }

func (m merchants) Organizer(ctx context.Context, mid id.ID) (id.ID, error) {
	mi, err := m.e.App.Commerce.Merchant(ctx, mid)
	return mi.OrganizerID, err
}

// TestConfirmationQueue: a verified notification that cannot be applied when it comes (sale's
// database failed under it) is answered "not recorded" (VNPAY sends it again), kept as QUEUED
// with a job in one transaction, and the confirmation queue applies it: the order is paid, once.
func TestConfirmationQueue(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		s, api := qrEnv(t, e, 9340)
		oid, total := s.order("BM-OPLA", 2)
		_, att := s.checkout(oid, payment.ProviderVNPAYQRMMS, payment.MethodQR, total)
		ref := att["reference"].(string)
		// A second payment module on the same database and queues, whose sale fails once: the
		// application's own workers run the confirmation job it leaves.
		flaky := &flakySale{s: e.App.Sale}
		flaky.fails.Store(1)
		b := payment.New(payment.Deps{Platform: e.App.Platform(), Sale: flaky, Credentials: credentials{e.App.Configuration}, Merchants: merchants{e}})
		note, _ := api.Notification(ref, 0)
		body, _ := json.Marshal(note)
		rep := b.QRNotification(context.Background(), s.mid, body)
		if rep.Code != vnpayqr.ReplyOrderError || !strings.Contains(rep.Message, "try again") {
			t.Fatalf("reply: %+v", rep)
		}
		apptest.Eventually(t, "the queued notification applied", func() bool {
			n := s.notifications(ref)
			return len(n) == 1 && n[0]["outcome"] == payment.OutcomeApplied
		})
		s.paid(oid, total, "BM-OPLA", 8)
		// VNPAY's own repeat finds it paid.
		if rep := b.QRNotification(context.Background(), s.mid, body); rep.Code != vnpayqr.ReplyAlreadyPaid {
			t.Fatalf("repeat: %+v", rep)
		}
		s.paid(oid, total, "BM-OPLA", 8)
	})
}
