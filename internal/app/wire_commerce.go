package app

import (
	"context"

	"github.com/banapos/bana/internal/commerce"
	"github.com/banapos/bana/internal/platform/auth"
)

// commerceWiring holds the commerce module.
type commerceWiring struct {
	Commerce *commerce.Module
}

// wireCommerce builds the commerce module: merchants, catalog, devices. Pricing and sale reach
// it through narrow interfaces of their own (VariantsForQuote, Merchant); it subscribes to
// SellerRegistered and publishes CommerceInitialized and ProductChanged.
func (a *App) wireCommerce(context.Context) error {
	a.Commerce = commerce.New(commerce.Deps{DB: a.DB, IDs: a.IDs, Events: a.Events, Tokens: a.Tokens, Log: a.Log})
	a.migrations = append(a.migrations, a.Commerce.Migrations())
	a.Commerce.Routes(a.Server)
	a.Commerce.Subscribe()
	// Employees may only be placed at merchants of their own organizer.
	a.Identity.UseMerchants(a.Commerce)
	// Revoked device tokens fail authentication. Whatever list was wired before (identity's
	// signed-out tokens) keeps working: a token is refused when either says so.
	a.Server.Auth.Revoked = anyRevoked{a.Server.Auth.Revoked, a.Commerce}
	return nil
}

// anyRevoked refuses a token that any of its lists revoked.
type anyRevoked []auth.Revocations

// IsRevoked implements auth.Revocations.
func (l anyRevoked) IsRevoked(ctx context.Context, tokenID string) (bool, error) {
	for _, r := range l {
		if r == nil {
			continue
		}
		if revoked, err := r.IsRevoked(ctx, tokenID); err != nil || revoked {
			return revoked, err
		}
	}
	return false, nil
}
