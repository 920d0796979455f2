package payment

import "github.com/banapos/bana/internal/platform/errs"

// The rules of payment that other code and clients branch on (errors.Is).
var (
	// ErrNotConfigured: the merchant (and its organizer) has no settings for the provider (422).
	ErrNotConfigured = errs.New(errs.Rule, "the payment provider is not configured for this merchant")
	// ErrProviderDisabled: the merchant's settings for the provider say enabled: false (422).
	ErrProviderDisabled = errs.New(errs.Rule, "the payment provider is disabled for this merchant")
	// ErrSettings: the merchant's settings cannot be used (a missing field, not JSON) (422).
	ErrSettings = errs.New(errs.Rule, "the payment provider's settings are incomplete")
	// ErrProviderRefused: the provider answered but refused the request (422).
	ErrProviderRefused = errs.New(errs.Rule, "the payment provider refused the request")
	// ErrProviderUnavailable: the provider could not be reached or answered unverifiably (503).
	ErrProviderUnavailable = errs.New(errs.Unavailable, "the payment provider could not be reached")
	// ErrNoAttempt: no attempt of the provider has the reference (404).
	ErrNoAttempt = errs.New(errs.NotFound, "no payment attempt with this reference")
	// ErrUnknownMerchant: no merchant has the id (404).
	ErrUnknownMerchant = errs.New(errs.NotFound, "no such merchant")
	// ErrNotRefundable: the money is refunded through sale (a succeeded payment), or there is
	// none to refund (409).
	ErrNotRefundable = errs.New(errs.Conflict, "this payment is not refunded here")
	// ErrNoRefundAPI: the provider has no refund API; refund by hand (422).
	ErrNoRefundAPI = errs.New(errs.Rule, "the provider has no refund API")
	// ErrNoQueryAPI: the provider cannot be asked about an attempt (422).
	ErrNoQueryAPI = errs.New(errs.Rule, "the provider has no status query")
)
