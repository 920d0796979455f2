package app

import (
	"context"

	"github.com/banapos/bana/internal/commerce"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/module"
)

// commerceWiring holds the commerce module.
type commerceWiring struct {
	Commerce *commerce.Module
}

// buildCommerce builds the commerce module: merchants, catalog, devices. Pricing and sale reach
// it through narrow interfaces of their own (VariantsForQuote, Merchant); it subscribes to
// SellerRegistered and publishes CommerceInitialized and ProductChanged.
func (a *App) buildCommerce() (module.Module, error) {
	a.Commerce = commerce.New(commerce.Deps{Platform: a.Platform()})
	// Employees may only be placed at merchants of their own organizer.
	a.Identity.UseMerchants(a.Commerce)
	a.Server.Auth.Revoked = revocations{identity: a.Identity, commerce: a.Commerce}
	// auth.ActFor looks up the merchants an owner names (another organizer's are refused).
	a.Server.Auth.Merchants = a.Commerce
	return a.Commerce, nil
}

// revocations asks the module that issued a token whether it is revoked: commerce for device
// tokens (a revoked, deleted or removed device), identity for the rest (signed out, user blocked
// or deleted, employee inactive). One indexed lookup per bearer request.
type revocations struct {
	identity interface {
		IsRevoked(ctx context.Context, tokenID string) (bool, error)
	}
	commerce auth.Revocations
}

// IsRevoked implements auth.Revocations.
func (r revocations) IsRevoked(ctx context.Context, p *auth.Principal) (bool, error) {
	if p.Kind == auth.KindDevice {
		return r.commerce.IsRevoked(ctx, p)
	}
	return r.identity.IsRevoked(ctx, p.TokenID)
}
