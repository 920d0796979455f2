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
	a.Server.Auth.Revoked = revocations{identity: a.Identity, commerce: a.Commerce}
	return nil
}

// revocations asks the module that issued a token whether it is revoked: commerce for device
// tokens (a revoked or deleted device), identity for the rest (signed out, user blocked or
// deleted, employee inactive). One indexed lookup per bearer request.
type revocations struct {
	identity interface {
		IsRevoked(ctx context.Context, tokenID string) (bool, error)
	}
	commerce interface {
		IsRevoked(ctx context.Context, tokenID string) (bool, error)
	}
}

// IsRevoked implements auth.Revocations.
func (r revocations) IsRevoked(ctx context.Context, p *auth.Principal) (bool, error) {
	if p.Kind == "device" {
		return r.commerce.IsRevoked(ctx, p.TokenID)
	}
	return r.identity.IsRevoked(ctx, p.TokenID)
}
