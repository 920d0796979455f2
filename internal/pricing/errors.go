package pricing

import "github.com/banapos/bana/internal/platform/errs"

// The rules of pricing that other code and clients branch on, as typed errors (errors.Is). An
// error the module returns keeps its own message and the fields it names ("lines[2].variantId";
// the HTTP routes prefix "body."), and wraps one of these, so a caller tells the rule from the
// error and a client still reads which field broke it.
//
// A promotion that does not apply (an unknown or duplicate code, not started, expired, not
// eligible, its limit reached, not stackable) is not an error: the quote still prices the order
// and lists the promotion in Quote.Refused with its Refusal (UnknownCode, Expired, NotEligible,
// LimitReached, CustomerLimitReached, NotStackable, ...).
var (
	// ErrUnknownMerchant: the merchant does not exist or the caller may not act for it. A quote
	// answers it with a 404; a pricing row naming such a merchant is a 400 naming merchantId.
	ErrUnknownMerchant = errs.New(errs.NotFound, "not a merchant you may act for")
	// ErrUnknownVariant: a quote line's variant is not one of the merchant's (422).
	ErrUnknownVariant = errs.New(errs.Rule, "not a variant of the merchant")
	// ErrInactiveVariant: a quote line's variant is switched off in the catalog and cannot be
	// sold (422).
	ErrInactiveVariant = errs.New(errs.Rule, "not an active variant")
	// ErrModifierChoice: a quote line's options break the catalog's modifier rule, the one order
	// creation holds a line to (an option not offered with the variant or chosen twice, a 400;
	// an option off sale, or a modifier group chosen fewer times than its min or more than its
	// max, a 422). The error is the catalog's, as the order gives it: its message names the
	// group, its fields are under lines[i].modifierIds ("lines[0].modifierIds (modifiers)").
	ErrModifierChoice = errs.New(errs.Rule, "options break the variant's modifier rules")
	// ErrNoFare: no fare of a line's variant is in force at the quote's time in its currency (422).
	ErrNoFare = errs.New(errs.Rule, "no fare in force")
	// ErrUnitPriceTooHigh: a line's unit price, fare and modifiers or after a markup, would
	// exceed MaxUnitPrice (422).
	ErrUnitPriceTooHigh = errs.New(errs.Rule, "unit price above the limit")
	// ErrUnknownPromotion: a redemption names a promotion that is not the merchant's (422).
	ErrUnknownPromotion = errs.New(errs.Rule, "not a promotion of the merchant")

	// The invalid rows and inputs (400): every bad field is named.
	ErrInvalidFareSet   = errs.New(errs.Invalid, "invalid fare set")
	ErrInvalidFare      = errs.New(errs.Invalid, "invalid fare")
	ErrInvalidRule      = errs.New(errs.Invalid, "invalid fare rule")
	ErrInvalidCost      = errs.New(errs.Invalid, "invalid cost")
	ErrInvalidTax       = errs.New(errs.Invalid, "invalid tax")
	ErrInvalidTaxSet    = errs.New(errs.Invalid, "invalid tax set")
	ErrInvalidPromotion = errs.New(errs.Invalid, "invalid promotion")
	// ErrInvalidPricing: NewEngine refused a merchant's rules and promotions as a whole.
	ErrInvalidPricing = errs.New(errs.Invalid, "invalid pricing configuration")
	// ErrInvalidContext: a quote's context holds a key or a value conditions cannot read.
	ErrInvalidContext = errs.New(errs.Invalid, "invalid context")
)

// because makes e an instance of the typed error: errors.Is(e, typed) holds, while a client
// reads e's own kind, message and fields.
func because(e *errs.E, typed *errs.E) *errs.E {
	e.Err = typed
	return e
}
