// Package phonepostest is a phone POS bridge for tests: it acknowledges BANA's signed sale
// requests as a bridge must, and reports results to BANA's notification route, signed.
package phonepostest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/banapos/bana/internal/payment/phonepos"
)

// Bridge is a running test bridge.
type Bridge struct {
	*httptest.Server
	Secret    string
	NotifyURL string

	mu    sync.Mutex
	sales map[string]phonepos.SaleRequest
}

// New starts a bridge with the merchant's secret.
func New(secret string) *Bridge {
	b := &Bridge{Secret: secret, sales: map[string]phonepos.SaleRequest{}}
	b.Server = httptest.NewServer(http.HandlerFunc(b.sale))
	return b
}

func (b *Bridge) sale(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	ack := phonepos.SaleAck{Accepted: true}
	var req phonepos.SaleRequest
	if err := phonepos.Verify(b.Secret, r.Header.Get(phonepos.Header), raw, time.Now()); err != nil {
		ack = phonepos.SaleAck{Message: "bad signature"}
	} else if err := json.Unmarshal(raw, &req); err != nil {
		ack = phonepos.SaleAck{Message: "bad request"}
	} else {
		b.mu.Lock()
		b.sales[req.Reference] = req
		b.mu.Unlock()
		ack.TransactionID = "T" + req.Reference
	}
	out, _ := json.Marshal(ack)
	w.Header().Set(phonepos.Header, phonepos.Sign(b.Secret, time.Now(), out))
	_, _ = w.Write(out)
}

// Sale returns a sale the bridge received.
func (b *Bridge) Sale(reference string) (phonepos.SaleRequest, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	s, ok := b.sales[reference]
	return s, ok
}

// Report sends a result for a received sale to NotifyURL and returns the HTTP status.
func (b *Bridge) Report(ctx context.Context, reference, status string) (int, error) {
	s, ok := b.Sale(reference)
	if !ok {
		return 0, fmt.Errorf("no sale %s", reference)
	}
	body, _ := json.Marshal(phonepos.Result{Reference: reference, TerminalID: s.TerminalID, TransactionID: "T" + reference,
		ApprovalCode: "A1", Status: status, Amount: s.Amount, CardBrand: "VISA", MaskedPAN: "411111******1111"})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.NotifyURL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(phonepos.Header, phonepos.Sign(b.Secret, time.Now(), body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
