package phonepos_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/banapos/bana/internal/payment/phonepos"
	"github.com/banapos/bana/internal/payment/phonepos/phonepostest"
)

func TestSignature(t *testing.T) {
	now := time.Unix(1_767_000_000, 0)
	body := []byte(`{"reference":"1","amount":5}`)
	h := phonepos.Sign("s", now, body)
	if err := phonepos.Verify("s", h, body, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"another secret":  phonepos.Verify("x", h, body, now),
		"another body":    phonepos.Verify("s", h, []byte(`{"reference":"1","amount":6}`), now),
		"stale":           phonepos.Verify("s", h, body, now.Add(6*time.Minute)),
		"from the future": phonepos.Verify("s", h, body, now.Add(-6*time.Minute)),
		"no header":       phonepos.Verify("s", "", body, now),
		"garbage":         phonepos.Verify("s", "t=abc,v1=zz", body, now),
	} {
		if !errors.Is(err, phonepos.ErrSignature) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestBridge(t *testing.T) {
	b := phonepostest.New("bridge-secret")
	defer b.Close()
	ctx := context.Background()
	req := phonepos.SaleRequest{Reference: "731", TerminalID: "POS1", Amount: 45000, Currency: "VND", ExpiresAt: time.Now().Add(time.Minute)}
	ack, err := phonepos.Start(ctx, nil, b.URL, "bridge-secret", req, time.Now())
	if err != nil || !ack.Accepted || ack.TransactionID != "T731" {
		t.Fatalf("start: %+v %v", ack, err)
	}
	if _, err := phonepos.Start(ctx, nil, b.URL, "wrong", req, time.Now()); err == nil {
		t.Fatal("a sale signed with another secret was accepted")
	}
	if _, err := phonepos.Start(ctx, nil, "http://127.0.0.1:1/none", "bridge-secret", req, time.Now()); err == nil {
		t.Fatal("an unreachable bridge started a sale")
	}
}

func FuzzParseResult(f *testing.F) {
	f.Add([]byte(`{"reference":"731","terminalId":"POS1","transactionId":"T1","status":"APPROVED","amount":45000}`))
	f.Add([]byte(`{"reference":"","status":"X","amount":-1}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := phonepos.ParseResult(body)
		if err != nil {
			return
		}
		if r.Reference == "" || r.Amount <= 0 || (r.Status != phonepos.Approved && r.Status != phonepos.Declined && r.Status != phonepos.Cancelled) {
			t.Fatalf("accepted %q as %+v", body, r)
		}
	})
}
