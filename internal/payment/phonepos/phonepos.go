// Package phonepos is BANA's side of the document's VNPAY_PHONE_POS provider: card payments taken
// on a VNPAY phone POS (a phone that reads cards). VNPAY publishes no API for it, so BANA does not
// pretend to speak one: it speaks a small signed protocol of its own to a bridge the merchant runs
// next to its terminal (an endpoint configured per merchant, disabled until the merchant sets it),
// and the bridge reports each result back to BANA's notification route. A sale is never reported
// paid unless a signed result says so. docs/payment.md describes the protocol.
//
// Both directions are JSON bodies signed like Standard Webhooks: a header
// "X-Bana-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the merchant's
// bridge secret>", refused when older or newer than five minutes.
package phonepos

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Header carries the signature.
const Header = "X-Bana-Signature"

// Tolerance is how far a signature's time may be from now.
const Tolerance = 5 * time.Minute

// Errors.
var (
	ErrSignature = errors.New("phone POS signature does not match or is stale")
	ErrMalformed = errors.New("malformed phone POS message")
)

// Sign returns the header value for body at t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + mac(secret, ts, body)
}

func mac(secret, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "."))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Verify checks a header value for body at now.
func Verify(secret, header string, body []byte, now time.Time) error {
	var ts, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sig == "" {
		return ErrSignature
	}
	if d := now.Sub(time.Unix(secs, 0)); d > Tolerance || d < -Tolerance {
		return ErrSignature
	}
	got, err := hex.DecodeString(sig)
	want, _ := hex.DecodeString(mac(secret, ts, body))
	if err != nil || !hmac.Equal(got, want) {
		return ErrSignature
	}
	return nil
}

// SaleRequest asks the bridge to take a card payment on the terminal.
type SaleRequest struct {
	Reference   string    `json:"reference"`
	TerminalID  string    `json:"terminalId"`
	Amount      int64     `json:"amount"`
	Currency    string    `json:"currency"`
	OrderNumber int       `json:"orderNumber"`
	ExpiresAt   time.Time `json:"expiresAt"`
}

// SaleAck is the bridge's answer: the terminal took the request (not: the customer paid).
type SaleAck struct {
	Accepted      bool   `json:"accepted"`
	TransactionID string `json:"transactionId,omitempty"`
	Message       string `json:"message,omitempty"`
}

// Result statuses.
const (
	Approved  = "APPROVED"
	Declined  = "DECLINED"
	Cancelled = "CANCELLED"
)

// Result is what the bridge reports when the terminal is done.
type Result struct {
	Reference     string `json:"reference"`
	TerminalID    string `json:"terminalId"`
	TransactionID string `json:"transactionId"`
	ApprovalCode  string `json:"approvalCode,omitempty"`
	Status        string `json:"status"`
	Amount        int64  `json:"amount"`
	CardBrand     string `json:"cardBrand,omitempty"`
	MaskedPAN     string `json:"maskedPan,omitempty"`
}

// ParseResult reads a result body.
func ParseResult(body []byte) (Result, error) {
	var r Result
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return r, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if dec.More() {
		return r, fmt.Errorf("%w: more than one JSON value", ErrMalformed)
	}
	if r.Reference == "" || len(r.Reference) > 100 || r.Amount <= 0 || (r.Status != Approved && r.Status != Declined && r.Status != Cancelled) {
		return r, fmt.Errorf("%w: reference, a positive amount and a status APPROVED, DECLINED or CANCELLED are required", ErrMalformed)
	}
	return r, nil
}

// Start sends a sale to the bridge and returns its acknowledgement. An answer that is not a
// signed acceptance is an error: the attempt is not started.
func Start(ctx context.Context, hc *http.Client, endpoint, secret string, r SaleRequest, now time.Time) (SaleAck, error) {
	var ack SaleAck
	body, _ := json.Marshal(r)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return ack, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(Header, Sign(secret, now, body))
	if hc == nil {
		hc = &http.Client{Timeout: 15 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return ack, fmt.Errorf("phone POS bridge: %w", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return ack, fmt.Errorf("phone POS bridge: HTTP %d", resp.StatusCode)
	}
	if err := Verify(secret, resp.Header.Get(Header), raw, now); err != nil {
		return ack, fmt.Errorf("phone POS bridge answer: %w", err)
	}
	if err := json.Unmarshal(raw, &ack); err != nil {
		return ack, fmt.Errorf("phone POS bridge answer: %w: %v", ErrMalformed, err)
	}
	if !ack.Accepted {
		return ack, fmt.Errorf("phone POS bridge refused the sale: %s", ack.Message)
	}
	return ack, nil
}
