package finance

import (
	"fmt"
	"github.com/banapos/bana/internal/platform/db"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/uptrace/bun"
)

// Wallet types (the document's).
const (
	WalletCash       = "CASH"
	WalletBank       = "BANK"
	WalletEWallet    = "EWALLET"
	WalletCreditCard = "CREDIT_CARD"
)

// WalletTypes lists every wallet type.
var WalletTypes = []string{WalletCash, WalletBank, WalletEWallet, WalletCreditCard}

// Transaction types (the document's).
const (
	Income   = "INCOME"
	Expense  = "EXPENSE"
	Transfer = "TRANSFER"
)

// Sources: what a posting records. Each posting's source key is the source and the id of what
// it records, unique per merchant.
const (
	SourceManual   = "MANUAL"           // a posting a person made (POST /finance-transactions)
	SourcePayment  = "PAYMENT"          // PaymentSuccess: an INCOME
	SourceRefund   = "REFUND"           // OrderRefunded: the reversal of (part of) an INCOME
	SourcePurchase = "PURCHASE_RECEIPT" // PurchaseOrderReceived: an EXPENSE
	SourceReversal = "REVERSAL"         // POST /finance-transactions/{id}/reverse
	SourceTransfer = "TRANSFER"         // one leg of a transfer between two wallets
)

// Routing keys besides the tender methods: PURCHASE routes the expense of goods received on a
// purchase order. The tender methods are sale's (CASH, QR, CARD_EXTERNAL, TRANSFER_EXTERNAL, and
// any a payment provider adds).
const (
	MethodCash     = "CASH"
	MethodPurchase = "PURCHASE"
)

// The codes of the categories the worker posts under, made for each merchant when it needs them.
const (
	CategorySales     = "SALES"
	CategoryPurchases = "PURCHASES"
)

// Currency is the one currency of BANA's money (whole đồng).
const Currency = "VND"

// MaxAmount is the largest amount of one posting, in đồng (one trillion).
//
// TODO(platform amount bound): use the platform's 10^12 đồng bound once its helper lands it;
// this local copy is the same number.
const MaxAmount int64 = 1_000_000_000_000

// FinanceWallet is the document's wallet: where a merchant's money is.
type FinanceWallet struct {
	bun.BaseModel `bun:"table:finance_wallets" json:"-"`

	ID            id.ID      `bun:"id,pk" json:"id" readOnly:"true"`
	OrganizerID   id.ID      `bun:"organizer_id" json:"organizerId" required:"false" doc:"Owner organizer; set from the caller unless an admin"`
	MerchantID    id.ID      `bun:"merchant_id" json:"merchantId"`
	Name          string     `bun:"name" json:"name" minLength:"1" maxLength:"100"`
	Type          string     `bun:"type" json:"type" enum:"CASH,BANK,EWALLET,CREDIT_CARD" doc:"Fixed at creation"`
	Currency      string     `bun:"currency" json:"currency,omitempty" enum:"VND" doc:"VND (the default); fixed at creation"`
	Balance       int64      `bun:"balance" json:"balance" readOnly:"true" doc:"The sum of the wallet's postings, whole VND; set by the server only"`
	Methods       []string   `bun:"methods,type:jsonb" json:"methods" required:"false" maxItems:"20" doc:"Tender methods whose money this wallet receives (CASH, QR, TRANSFER_EXTERNAL, CARD_EXTERNAL, ...; PURCHASE for the cost of goods received), each at most one wallet of the merchant. CASH only to a CASH wallet, which takes nothing but CASH and PURCHASE. A method no wallet names goes to the merchant's default wallet: CASH and PURCHASE to the default CASH wallet, any other to the default BANK wallet"`
	IsDefault     bool       `bun:"is_default" json:"isDefault" readOnly:"true" doc:"The merchant's default wallet of its type, made by the server (the Cash wallet of a new merchant)"`
	AccountNumber db.OptText `bun:"account_number" json:"accountNumber,omitempty" maxLength:"50" doc:"Bank or e-wallet account, for people"`
	Description   db.OptText `bun:"description" json:"description,omitempty" maxLength:"500"`
	CreatedAt     time.Time  `bun:"created_at" json:"createdAt" readOnly:"true"`
	UpdatedAt     time.Time  `bun:"updated_at" json:"updatedAt" readOnly:"true"`
	DeletedAt     *time.Time `bun:"deleted_at" json:"deletedAt,omitempty" readOnly:"true"`
}

// FinanceCategory is the document's category: what an income or an expense was for.
type FinanceCategory struct {
	bun.BaseModel `bun:"table:finance_categories" json:"-"`

	ID          id.ID      `bun:"id,pk" json:"id" readOnly:"true"`
	OrganizerID id.ID      `bun:"organizer_id" json:"organizerId" required:"false" doc:"Owner organizer; set from the caller unless an admin"`
	MerchantID  id.ID      `bun:"merchant_id" json:"merchantId"`
	Code        string     `bun:"code" json:"code" minLength:"1" maxLength:"40" pattern:"^[A-Z0-9_]+$" doc:"Unique per merchant; SALES and PURCHASES are the worker's"`
	Name        string     `bun:"name" json:"name" minLength:"1" maxLength:"100"`
	Type        string     `bun:"type" json:"type" enum:"INCOME,EXPENSE" doc:"Fixed at creation"`
	Description db.OptText `bun:"description" json:"description,omitempty" maxLength:"500"`
	CreatedAt   time.Time  `bun:"created_at" json:"createdAt" readOnly:"true"`
	UpdatedAt   time.Time  `bun:"updated_at" json:"updatedAt" readOnly:"true"`
	DeletedAt   *time.Time `bun:"deleted_at" json:"deletedAt,omitempty" readOnly:"true"`
}

// FinanceTransaction is the document's transaction: one posting of one wallet. Postings are
// append-only: a correction is a reversing posting, never an edit.
type FinanceTransaction struct {
	bun.BaseModel `bun:"table:finance_transactions" json:"-"`

	ID              id.ID      `bun:"id,pk" json:"id"`
	OrganizerID     id.ID      `bun:"organizer_id" json:"organizerId"`
	MerchantID      id.ID      `bun:"merchant_id" json:"merchantId"`
	WalletID        id.ID      `bun:"wallet_id" json:"walletId"`
	CategoryID      *id.ID     `bun:"category_id" json:"categoryId,omitempty"`
	Type            string     `bun:"type" json:"type" enum:"INCOME,EXPENSE,TRANSFER"`
	Amount          int64      `bun:"amount" json:"amount" doc:"Signed, whole VND: what the posting adds to the wallet's balance (an EXPENSE, an outgoing TRANSFER leg and the reversal of an INCOME are negative)"`
	Currency        string     `bun:"currency" json:"currency"`
	Source          string     `bun:"source" json:"source" enum:"MANUAL,PAYMENT,REFUND,PURCHASE_RECEIPT,REVERSAL,TRANSFER"`
	SourceKey       string     `bun:"source_key" json:"sourceKey" doc:"What the posting records (PAYMENT:<paymentId>, REFUND:<refundId>, ...): unique per merchant"`
	ReferenceID     *id.ID     `bun:"reference_id" json:"referenceId,omitempty" doc:"The sale order or purchase order the posting is about"`
	ReversesID      *id.ID     `bun:"reverses_id" json:"reversesId,omitempty" doc:"The posting this one reverses (in whole, or in part for a refund)"`
	TransferID      *id.ID     `bun:"transfer_id" json:"transferId,omitempty" doc:"The transfer both legs share"`
	CounterWalletID *id.ID     `bun:"counter_wallet_id" json:"counterWalletId,omitempty" doc:"A transfer leg's other wallet"`
	Description     db.OptText `bun:"description" json:"description,omitempty"`
	OccurredAt      time.Time  `bun:"occurred_at" json:"occurredAt"`
	CreatedBy       id.ID      `bun:"created_by" json:"createdBy"`
	CreatedAt       time.Time  `bun:"created_at" json:"createdAt"`
}

// CheckAmount refuses an amount of one posting outside 1..MaxAmount, naming loc.
func CheckAmount(loc string, amount int64) error {
	if amount <= 0 || amount > MaxAmount {
		return errs.Field(loc, fmt.Sprintf("must be between 1 and %d đồng", MaxAmount), amount)
	}
	return nil
}

// Signed returns what a posting of type t for amount (positive) adds to its wallet: an INCOME
// adds, an EXPENSE takes away. A transfer's legs are signed by their direction instead.
func Signed(t string, amount int64) int64 {
	if t == Expense {
		return -amount
	}
	return amount
}

// BalanceBounds are the balances a wallet may have before a posting of delta so that the
// balance after it still fits in int64: the posting is applied with
// "balance BETWEEN lo AND hi", so a sum never overflows.
func BalanceBounds(delta int64) (lo, hi int64) {
	lo, hi = math.MinInt64, math.MaxInt64
	if delta > 0 {
		hi -= delta
	} else {
		lo -= delta
	}
	return lo, hi
}

// MayOverdraw reports whether a wallet of type t may go below zero by a posting a person makes:
// only a credit card, whose balance is what is owed. A posting that records money that already
// moved (a refund, goods received) is written whatever the balance: refusing it would lose it.
func MayOverdraw(t string) bool { return t == WalletCreditCard }

var methodRe = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,39}$`)

// CheckMethods normalizes and checks the routing methods of a wallet of type t: upper case,
// each once, CASH only to a CASH wallet, which takes only CASH and PURCHASE.
func CheckMethods(t string, methods []string) ([]string, error) {
	out := make([]string, 0, len(methods))
	for i, m := range methods {
		loc := fmt.Sprintf("body.methods[%d]", i)
		m = strings.ToUpper(strings.TrimSpace(m))
		switch {
		case !methodRe.MatchString(m):
			return nil, errs.Field(loc, "must be a method name of A-Z, 0-9 and _ (CASH, QR, TRANSFER_EXTERNAL, PURCHASE, ...)", methods[i])
		case slices.Contains(out, m):
			return nil, errs.Field(loc, "is listed twice", m)
		case t == WalletCash && m != MethodCash && m != MethodPurchase:
			return nil, errs.Field(loc, "a CASH wallet receives only CASH and PURCHASE", m)
		case t != WalletCash && m == MethodCash:
			return nil, errs.Field(loc, "cash goes only to a CASH wallet", m)
		}
		out = append(out, m)
	}
	return out, nil
}

// DefaultType is the type of the default wallet that receives a method no wallet names: cash
// and purchases in the till, anything else in the bank.
func DefaultType(method string) string {
	if method == MethodCash || method == MethodPurchase {
		return WalletCash
	}
	return WalletBank
}

// DefaultName is the name of a default wallet the server makes.
func DefaultName(t string) string {
	switch t {
	case WalletCash:
		return "Tiền mặt"
	case WalletBank:
		return "Ngân hàng"
	case WalletEWallet:
		return "Ví điện tử"
	}
	return "Thẻ tín dụng"
}

// systemCategory is a category the worker posts under.
type systemCategory struct{ code, name, typ string }

var systemCategories = map[string]systemCategory{
	CategorySales:     {CategorySales, "Bán hàng", Income},
	CategoryPurchases: {CategoryPurchases, "Nhập hàng", Expense},
}

// key is a posting's source key.
func key(source string, parts ...any) string {
	var b strings.Builder
	b.WriteString(source)
	for _, p := range parts {
		b.WriteByte(':')
		fmt.Fprint(&b, p)
	}
	return b.String()
}
