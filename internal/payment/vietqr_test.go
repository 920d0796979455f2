package payment_test

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/payment"
	"github.com/banapos/bana/internal/payment/vietqr"
)

// TestVietQRTransfer: a checkout with a VietQR tender answers a dynamic payload for the total
// with the attempt's reference as its purpose, and the order waits; VietQR.vn's transaction sync
// (a token for the sync credentials, then transfers) pays it when a transfer's content names the
// reference and its amount matches. A wrong amount, a debit, a transfer naming nothing, a
// repeat and a second transfer are recorded and pay nothing more; a bad token is refused.
func TestVietQRTransfer(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		s := newPayEnv(t, e, 9310, map[string]int64{"BM-OPLA": 10})
		s.configure(payment.ProviderVietQR, map[string]any{"enabled": true, "bankBin": "970436", "accountNo": "1017595600",
			"merchantName": "QUAN BANA", "merchantCity": "HA NOI", "syncUsername": "vietqr-sync", "syncPassword": "sync-password-1"})
		oid, total := s.order("BM-OPLA", 2)
		o, att := s.checkout(oid, payment.ProviderVietQR, payment.MethodQR, total)
		ref, inst := att["reference"].(string), att["instruction"].(map[string]any)
		p, err := vietqr.Parse(inst["qr"].(string))
		if err != nil || !p.Dynamic || p.Amount != total || p.Purpose != "BANA"+ref || p.BankBIN != "970436" || p.Account != "1017595600" || o["status"] != "PROCESSING" {
			t.Fatalf("checkout: %v %+v %v", o["status"], p, err)
		}
		s.unchanged(oid, "BM-OPLA", 10, 2)
		// The counter's static code: no amount, no purpose.
		st := s.Must(200, apptest.Request{Method: "GET", Path: "/payment-providers/vietqr/static?merchantId=" + s.mid, Token: s.owner}).Map(t)
		if sp, err := vietqr.Parse(st["qr"].(string)); err != nil || sp.Dynamic || sp.Amount != 0 || sp.Purpose != "" {
			t.Fatalf("static: %+v %v", sp, err)
		}

		base := "/payment-ipn/vietqr/" + s.mid
		basic := func(u, p string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(u+":"+p)) }
		for _, h := range []string{"", basic("vietqr-sync", "wrong"), basic("other", "sync-password-1"), "Bearer x"} {
			s.Must(401, apptest.Request{Method: "POST", Path: base + "/api/token_generate", Headers: map[string]string{"Authorization": h}})
		}
		tok := s.Must(200, apptest.Request{Method: "POST", Path: base + "/api/token_generate", Headers: map[string]string{"Authorization": basic("vietqr-sync", "sync-password-1")}}).Map(t)
		if tok["token_type"] != "Bearer" || num(tok["expires_in"]) != 300 {
			t.Fatalf("token: %v", tok)
		}
		bearer := map[string]string{"Authorization": "Bearer " + tok["access_token"].(string)}
		sync := func(status int, headers map[string]string, body map[string]any) map[string]any {
			t.Helper()
			return s.Must(status, apptest.Request{Method: "POST", Path: base + "/bank/api/transaction-sync", Headers: headers, Body: body}).Map(t)
		}
		transfer := func(txn string, amount int64, content string) map[string]any {
			return map[string]any{"bankaccount": "1017595600", "amount": amount, "transType": "C", "content": content,
				"transactionid": txn, "transactiontime": 1767000000000, "referencenumber": "FT" + txn}
		}
		// No token, another merchant's token, a malformed body.
		if a := sync(401, nil, transfer("T0", total, "BANA"+ref)); a["error"] != true {
			t.Fatalf("no token: %v", a)
		}
		other := newPayEnv(t, e, 9311, nil)
		s.Must(401, apptest.Request{Method: "POST", Path: "/payment-ipn/vietqr/" + other.mid + "/bank/api/transaction-sync", Headers: bearer, Body: transfer("T0", total, "BANA"+ref)})
		sync(400, bearer, map[string]any{"amount": "x"})
		s.unchanged(oid, "BM-OPLA", 10, 2)

		// Recorded, paying nothing: a wrong amount, a debit, a transfer naming no payment.
		sync(200, bearer, transfer("T1", total-1000, "MBVCB.123.BANA"+ref+".CT tu 0011"))
		debit := transfer("T2", total, "BANA"+ref)
		debit["transType"] = "D"
		sync(200, bearer, debit)
		sync(200, bearer, transfer("T3", total, "chuyen tien an sang"))
		s.unchanged(oid, "BM-OPLA", 10, 2)

		// The transfer that pays: the bank wrote the purpose in lower case inside its own words.
		a := sync(200, bearer, transfer("T4", total, "MBVCB.3278.bana"+ref+".CT tu 0011001 toi 1017595600"))
		if a["error"] != false || a["object"].(map[string]any)["reftransactionid"] == "" {
			t.Fatalf("answer: %v", a)
		}
		s.paid(oid, total, "BM-OPLA", 8)
		// The same transfer again, and a second transfer for the paid order: recorded, no more.
		sync(200, bearer, transfer("T4", total, "MBVCB.3278.bana"+ref+".CT tu 0011001 toi 1017595600"))
		sync(200, bearer, transfer("T5", total, "BANA"+ref))
		s.paid(oid, total, "BM-OPLA", 8)

		notes := s.notifications(ref)
		outcomes := []string{}
		for _, n := range notes {
			outcomes = append(outcomes, n["outcome"].(string))
		}
		if strings.Join(outcomes, ",") != "AMOUNT_MISMATCH,IGNORED,APPLIED,DUPLICATE,DUPLICATE" {
			t.Fatalf("notifications of %s: %v", ref, outcomes)
		}
		if !strings.Contains(notes[4]["detail"].(string), "second transfer (T5)") {
			t.Fatalf("the second transfer is not flagged: %v", notes[4]["detail"])
		}
		unnamed := s.list(s.owner, "/payment-notifications", fmt.Sprintf(`{"where":{"merchantId":%q,"reference":""}}`, s.mid))
		if len(unnamed) != 1 || unnamed[0]["outcome"] != payment.OutcomeUnknownReference {
			t.Fatalf("the transfer naming nothing: %v", unnamed)
		}
		// The other tenant sees none of them.
		if n := other.list(other.owner, "/payment-notifications", `{}`); len(n) != 0 {
			t.Fatalf("another tenant sees %d notifications", len(n))
		}
	})
}
