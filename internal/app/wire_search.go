package app

import (
	"context"

	"github.com/banapos/bana/internal/commerce"
	"github.com/banapos/bana/internal/identity"
	"github.com/banapos/bana/internal/platform/events"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/module"
	"github.com/banapos/bana/internal/search"
)

// searchWiring holds the search module.
type searchWiring struct {
	Search *search.Module
}

// buildSearch builds the search module over the embedded index under the data directory, or
// Typesense when APP_ENV_SEARCH_BACKEND says so (or is auto and APP_ENV_TYPESENSE_NODES is set).
// It learns of changed rows from commerce's and identity's events.
func (a *App) buildSearch() (module.Module, error) {
	d := search.Deps{Platform: a.Platform(), Sources: []search.ChangeSource{productChanges, commerceRowChanges,
		merchantOnboarded, organizerChanges, sellerRegistered}}
	if ts := a.Cfg.Typesense; ts.Backend == "typesense" || (ts.Backend == "auto" && len(ts.Nodes) > 0) {
		b, err := search.NewTypesense(search.TypesenseConfig{APIKey: ts.APIKey, Nodes: ts.Nodes, Clock: a.Clock, Log: a.Log})
		if err != nil {
			return nil, err
		}
		d.Backend = b
	}
	m, err := search.New(d)
	if err != nil {
		return nil, err
	}
	a.Search = m
	return m, nil
}

// closeSearch releases the search backend (the embedded index's files).
func (a *App) closeSearch() {
	if a.Search != nil {
		_ = a.Search.Close()
	}
}

// productChanges indexes a product on every ProductChanged.
func productChanges(b *events.Bus, changed func(ctx context.Context, ch search.Change) error) {
	events.Subscribe(b, "search.product-changed", func(ctx context.Context, ev commerce.ProductChanged, _ events.Meta) error {
		return changed(ctx, search.Change{Collection: search.Products, IDs: []id.ID{ev.ProductID}})
	})
}

// commerceRowChanges indexes a merchant, category, sale channel or device on every RowChanged.
func commerceRowChanges(b *events.Bus, changed func(ctx context.Context, ch search.Change) error) {
	events.Subscribe(b, "search.commerce-row-changed", func(ctx context.Context, ev commerce.RowChanged, _ events.Meta) error {
		return changed(ctx, search.Change{Collection: ev.Collection, IDs: []id.ID{ev.ID}})
	})
}

// merchantOnboarded indexes a new merchant with the categories and channels it was seeded with.
func merchantOnboarded(b *events.Bus, changed func(ctx context.Context, ch search.Change) error) {
	events.Subscribe(b, "search.merchant-onboarded", func(ctx context.Context, ev events.CommerceInitialized, _ events.Meta) error {
		return changed(ctx, search.Change{Merchant: ev.MerchantID})
	})
}

// organizerChanges indexes an organizer on every OrganizerChanged.
func organizerChanges(b *events.Bus, changed func(ctx context.Context, ch search.Change) error) {
	events.Subscribe(b, "search.organizer-changed", func(ctx context.Context, ev identity.OrganizerChanged, _ events.Meta) error {
		return changed(ctx, search.Change{Collection: search.Organizers, IDs: []id.ID{ev.OrganizerID}})
	})
}

// sellerRegistered indexes the organizer a sign-up made.
func sellerRegistered(b *events.Bus, changed func(ctx context.Context, ch search.Change) error) {
	events.Subscribe(b, "search.seller-registered", func(ctx context.Context, ev events.SellerRegistered, _ events.Meta) error {
		return changed(ctx, search.Change{Collection: search.Organizers, IDs: []id.ID{ev.OrganizerID}})
	})
}
