package vietqr

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Transfer is a bank-transfer notification as the VietQR.vn transaction-sync API posts it to the
// receiving partner (its "API Transaction Sync"): the account credited or debited, the amount,
// the transfer's content (where the purpose of a dynamic code ends up) and the bank's ids.
type Transfer struct {
	BankAccount     string `json:"bankaccount"`
	Amount          int64  `json:"-"`
	TransType       string `json:"transType"` // C credit, D debit
	Content         string `json:"content"`
	TransactionID   string `json:"transactionid"`
	TransactionTime string `json:"-"`
	ReferenceNumber string `json:"referencenumber"`
	OrderID         string `json:"orderId"`
	TerminalCode    string `json:"terminalCode"`
	ServiceCode     string `json:"serviceCode"`
	Sign            string `json:"sign"`
}

// Credit is the transType of money received.
const Credit = "C"

// ErrTransfer is wrapped by ParseTransfer's refusals.
var ErrTransfer = errors.New("malformed transaction-sync notification")

// ParseTransfer reads a transaction-sync body. Field names match without regard to case (the
// API's documents spell them both bankaccount and bankAccount); amount and transactionTime may
// be numbers or strings of digits. A body that is not one JSON object, or lacks an account, a
// positive whole amount or a C/D type, is refused.
func ParseTransfer(body []byte) (Transfer, error) {
	var t Transfer
	var raw struct {
		Transfer
		Amount          json.RawMessage `json:"amount"`
		TransactionTime json.RawMessage `json:"transactiontime"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&raw); err != nil {
		return t, fmt.Errorf("%w: %v", ErrTransfer, err)
	}
	if dec.More() {
		return t, fmt.Errorf("%w: more than one JSON value", ErrTransfer)
	}
	t = raw.Transfer
	amount, err := wholeNumber(raw.Amount)
	if err != nil || amount <= 0 {
		return t, fmt.Errorf("%w: amount must be a positive whole number of dong", ErrTransfer)
	}
	t.Amount = amount
	if len(raw.TransactionTime) > 0 && string(raw.TransactionTime) != "null" {
		if n, err := wholeNumber(raw.TransactionTime); err == nil {
			t.TransactionTime = strconv.FormatInt(n, 10)
		} else if err := json.Unmarshal(raw.TransactionTime, &t.TransactionTime); err != nil {
			return t, fmt.Errorf("%w: transactiontime", ErrTransfer)
		}
	}
	t.TransType = strings.ToUpper(strings.TrimSpace(t.TransType))
	if t.TransType != Credit && t.TransType != "D" {
		return t, fmt.Errorf("%w: transType must be C or D", ErrTransfer)
	}
	if strings.TrimSpace(t.BankAccount) == "" {
		return t, fmt.Errorf("%w: bankaccount is required", ErrTransfer)
	}
	if len(t.Content) > 1000 || len(t.TransactionID) > 100 || len(t.ReferenceNumber) > 100 || len(t.OrderID) > 100 {
		return t, fmt.Errorf("%w: a field is too long", ErrTransfer)
	}
	return t, nil
}

// wholeNumber reads a JSON number or string of digits without a fraction or sign.
func wholeNumber(raw json.RawMessage) (int64, error) {
	s := strings.TrimSpace(string(raw))
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, err
		}
	}
	if !digits(s) || len(s) > 15 {
		return 0, fmt.Errorf("not a whole number: %q", s)
	}
	return strconv.ParseInt(s, 10, 64)
}

// Purpose is the purpose field (62/08) BANA writes into a dynamic code for a payment reference:
// prefix (letters) then the reference (digits), with no separator a bank app could drop.
func Purpose(prefix, reference string) string { return strings.ToUpper(prefix) + reference }

// ReferenceIn finds the payment reference a transfer's content carries after prefix: banks copy
// the purpose into the content, often with their own words around it, in another case, or with
// spaces and dots added between words (never inside one). It returns "" when there is none.
func ReferenceIn(content, prefix string) string {
	if prefix == "" {
		return ""
	}
	re := regexp.MustCompile(`(?i)` + regexp.QuoteMeta(prefix) + `([0-9]{1,19})`)
	m := re.FindStringSubmatch(content)
	if m == nil {
		return ""
	}
	return m[1]
}

// Bearer tokens of the transaction-sync API. VietQR.vn first asks the partner's "API Get Token"
// with HTTP Basic credentials the partner gave it, then calls the transaction sync with the token
// it got back. BANA's tokens are stateless: merchant and expiry, signed with HMAC-SHA256 under a
// key derived from the merchant's sync password (changing the password revokes them).

// TokenKey derives the signing key of a merchant's tokens from its sync password.
func TokenKey(password string) []byte {
	m := hmac.New(sha256.New, []byte(password))
	m.Write([]byte("bana vietqr transaction-sync token"))
	return m.Sum(nil)
}

// IssueToken returns a token for the merchant, valid until expires.
func IssueToken(key []byte, merchant string, expires time.Time) string {
	payload := base64.RawURLEncoding.EncodeToString([]byte(merchant + "." + strconv.FormatInt(expires.Unix(), 10)))
	m := hmac.New(sha256.New, key)
	m.Write([]byte(payload))
	return payload + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// ErrToken is returned by VerifyToken for a token that is malformed, signed with another key,
// issued for another merchant or expired.
var ErrToken = errors.New("invalid or expired token")

// VerifyToken checks a token of the merchant at now.
func VerifyToken(key []byte, token, merchant string, now time.Time) error {
	payload, sig, ok := strings.Cut(token, ".")
	if !ok {
		return ErrToken
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return ErrToken
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(payload))
	if !hmac.Equal(got, m.Sum(nil)) {
		return ErrToken
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return ErrToken
	}
	who, exp, ok := strings.Cut(string(raw), ".")
	secs, err := strconv.ParseInt(exp, 10, 64)
	if !ok || err != nil || who != merchant || !now.Before(time.Unix(secs, 0)) {
		return ErrToken
	}
	return nil
}
