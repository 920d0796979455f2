package finance

import "github.com/banapos/bana/internal/platform/errs"

// The rules of finance that other code and clients branch on (errors.Is). Each error the module
// returns for one of them tells the case in its message (and field), and matches the value here.
var (
	// ErrAppendOnly: a posting is never changed or deleted; post a reversal (409).
	ErrAppendOnly = errs.New(errs.Conflict, "postings are append-only: correct one with POST /finance-transactions/{id}/reverse")
	// ErrAlreadyReversed: the posting was reversed already, or is itself a reversal (409).
	ErrAlreadyReversed = errs.New(errs.Conflict, "the posting is already reversed")
	// ErrInsufficientFunds: a posting a person makes would take a CASH, BANK or EWALLET wallet
	// below zero (422).
	ErrInsufficientFunds = errs.New(errs.Rule, "the wallet does not hold that much")
	// ErrBalanceOutOfRange: the balance after the posting would not fit in 64 bits (422).
	ErrBalanceOutOfRange = errs.New(errs.Rule, "the wallet's balance would leave the range it can hold")
	// ErrWalletNotEmpty: a wallet that holds money cannot be deleted; transfer it first (409).
	ErrWalletNotEmpty = errs.New(errs.Conflict, "the wallet holds money")
	// ErrWalletHasPostings: a wallet with postings is only soft-deleted (409).
	ErrWalletHasPostings = errs.New(errs.Conflict, "the wallet has postings")
	// ErrMethodTaken: a tender method is already routed to another wallet of the merchant (409).
	ErrMethodTaken = errs.New(errs.Conflict, "the method already goes to another wallet")
	// ErrShiftOpen: a shift is checked against its Z-report, which exists once it is closed (409).
	ErrShiftOpen = errs.New(errs.Conflict, "the shift is open: it has no Z-report yet")
	// ErrSumOutOfRange: a total of a reconciliation does not fit in 64 bits (422).
	ErrSumOutOfRange = errs.New(errs.Rule, "a total does not fit in 64 bits")
)

// refuse returns rule as this case tells it: the client reads msg (and the field at loc, when
// there is one), and errors.Is(err, rule) holds for the code that branches on the rule.
func refuse(rule *errs.E, loc, msg string, value any) error {
	e := &errs.E{Kind: rule.Kind, Message: msg, Err: rule}
	if loc != "" {
		e.Fields = []errs.FieldError{{Location: loc, Message: msg, Value: value}}
	}
	return e
}
