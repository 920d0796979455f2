package webhook

import "github.com/banapos/bana/internal/platform/errs"

// The rules of webhooks that clients branch on (errors.Is).
var (
	// ErrDeliveryOpen: a delivery still on its way (PENDING or WAITING) is not redelivered (409).
	ErrDeliveryOpen = errs.New(errs.Conflict, "delivery is still on its way")
	// ErrEndpointDisabled: nothing is redelivered to a disabled or deleted endpoint (409).
	ErrEndpointDisabled = errs.New(errs.Conflict, "endpoint is disabled")
	// ErrSecretShownOnce: a secret is set on create only; a new one comes from rotate-secret (400).
	ErrSecretShownOnce = errs.New(errs.Invalid, "the secret is set on create only; use rotate-secret")
)
