package commerce

import "github.com/banapos/bana/internal/platform/errs"

// The rules of the catalog that clients and other modules branch on. Each is an errs value:
// match it with errors.Is. Where the answer names the row (a code, a station, an expiry), the
// error returned carries that message and wraps the value here.
var (
	// ErrCheckDigit is an EAN-13, UPC-A or EAN-8 whose check digit is wrong: a mistyped or
	// misread barcode (400).
	ErrCheckDigit = errs.New(errs.Invalid, "bad check digit")

	// ErrIdentifierType is an identifier type outside SKU, EAN13, UPCA, EAN8, PLU and CUSTOM (400).
	ErrIdentifierType = errs.New(errs.Invalid, "type must be SKU, EAN13, UPCA, EAN8, PLU or CUSTOM")

	// ErrCodeTaken is a code (SKU, barcode, PLU, custom) that another product of the merchant
	// already has: codes are unique per merchant among live identifiers (409).
	ErrCodeTaken = errs.New(errs.Conflict, "a code already identifies a product of the merchant")

	// ErrSKUIdentifier refuses a change of a SKU identifier through /product-identifiers: it
	// follows its variant's sku, which is where it changes (409).
	ErrSKUIdentifier = errs.New(errs.Conflict, "a SKU identifier follows its variant's sku")

	// ErrLastVariant refuses to delete the last live variant of a product: a product is sold
	// through its variants, so it is the product that goes (409).
	ErrLastVariant = errs.New(errs.Conflict, "the last variant of a product cannot be deleted: delete the product")

	// ErrLinkExists is a modifier group offered twice with one variant (409).
	ErrLinkExists = errs.New(errs.Conflict, "the group is already offered with the variant")

	// ErrStationInUse refuses to delete a station that categories still send tickets to (409).
	ErrStationInUse = errs.New(errs.Conflict, "the station still serves categories")

	// ErrOnlyOwnersOnboard refuses an onboarding by a caller limited to some merchants (an
	// employee, a device): merchants are made by organizer owners and admins (403).
	ErrOnlyOwnersOnboard = errs.New(errs.Forbidden, "only organizer owners and admins onboard merchants")

	// ErrOnboardingKeyReused is an onboarding Idempotency-Key sent again for another merchant
	// (another name or type) (409).
	ErrOnboardingKeyReused = errs.New(errs.Conflict, "Idempotency-Key was used for another merchant")

	// ErrBadEnrollmentCode is the one answer for an enrolment code that is unknown, used or
	// expired: a device learns nothing about which (401).
	ErrBadEnrollmentCode = errs.New(errs.Unauthorized, "unknown, used or expired enrolment code")

	// ErrNoFreeEnrollmentCode is returned when every drawn code was live already (503: retry).
	ErrNoFreeEnrollmentCode = errs.New(errs.Unavailable, "could not draw a free enrolment code")

	// ErrDeviceTokenLive refuses to remove a device for good while its token has not expired:
	// the row is what makes the token fail (409).
	ErrDeviceTokenLive = errs.New(errs.Conflict, "a device is removed for good only once its token has expired")
)

// The rules of a line's modifiers (ValidateModifiers). The *ModifierError that names the group
// wraps one of them.
var (
	// ErrModifierNotOffered is an option that the variant does not offer (400).
	ErrModifierNotOffered = errs.New(errs.Invalid, "option not offered with the variant")
	// ErrModifierChosenTwice is an option chosen twice on one line (400).
	ErrModifierChosenTwice = errs.New(errs.Invalid, "option chosen twice")
	// ErrModifierUnavailable is an option taken off sale (422).
	ErrModifierUnavailable = errs.New(errs.Rule, "option not available")
	// ErrModifierCount is a group chosen fewer times than its min or more than its max (422).
	ErrModifierCount = errs.New(errs.Rule, "modifier group min/max not met")
)

// naming returns rule with a message that names the row at hand (a code, a station, a time):
// the client reads msg, and errors.Is finds rule.
func naming(rule *errs.E, msg string) *errs.E {
	return &errs.E{Kind: rule.Kind, Message: msg, Err: rule}
}

// because returns rule, caused by err (a constraint the database enforced): the client reads
// rule's message, errors.Is finds rule, and the log keeps the cause.
func because(rule *errs.E, err error) *errs.E {
	return &errs.E{Kind: rule.Kind, Message: rule.Message, Err: err}
}
