package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/banapos/bana/internal/commerce"
	"github.com/banapos/bana/internal/demo"
	"github.com/banapos/bana/internal/identity"
	"github.com/banapos/bana/internal/inventory"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/sale"
)

// DemoOptions tune `bana seed demo`.
type DemoOptions struct {
	// Password of the owner's account; empty: a random one, returned in the result. Only used when
	// the owner is created.
	Password string
	// OpeningFloat of the shift the seed opens, in dong (default 1,000,000).
	OpeningFloat int64
}

// DemoStaff is an employee the seed made or found.
type DemoStaff struct {
	EmployeeID id.ID  `json:"employeeId"`
	Code       string `json:"code"`
	Name       string `json:"name"`
	Job        string `json:"job"`
	PIN        string `json:"pin"`
}

// DemoSeed is what `bana seed demo` made or found.
type DemoSeed struct {
	OrganizerID   id.ID                 `json:"organizerId"`
	MerchantID    id.ID                 `json:"merchantId"`
	OwnerEmail    string                `json:"ownerEmail"`
	OwnerPassword string                `json:"ownerPassword,omitempty"` // only when the seed created the owner
	Staff         []DemoStaff           `json:"staff"`
	LocationID    id.ID                 `json:"locationId"`
	ShiftID       id.ID                 `json:"shiftId"`      // the open shift: opened by this run or found
	OpeningFloat  int64                 `json:"openingFloat"` // of that shift
	PriceRules    int                   `json:"priceRulesCreated"`
	Catalog       *commerce.DemoCatalog `json:"catalog"`
	Created       bool                  `json:"created"` // false: everything was there already
}

// SeedDemo makes the demo café of internal/demo, ready to sell: the organizer and its owner
// account, the merchant with its stations, menu, modifiers and prices, the price rules and
// promotions, a counter location with the menu's stock, the staff with their PINs, and an open
// shift. It is idempotent: a second run finds what the first made and changes nothing (stock is
// counted only when the location is new, so sales made since are kept).
func (a *App) SeedDemo(ctx context.Context, o DemoOptions) (*DemoSeed, error) {
	cafe, err := demo.Load()
	if err != nil {
		return nil, err
	}
	var owner demo.Staff
	for _, s := range cafe.Staff {
		if s.Role == auth.OrganizerOwner.String() {
			owner = s
		}
	}
	if owner.Email == "" {
		return nil, errs.New(errs.Internal, "demo: the café has no owner with an email")
	}
	password := o.Password
	if password == "" {
		password = "demo-" + rand.Text()[:12]
	}
	if o.OpeningFloat == 0 {
		o.OpeningFloat = 1_000_000
	}
	ctx = auth.System(ctx)
	org, err := a.Identity.SeedOrganizer(ctx, identity.OrganizerSeed{OrganizerName: cafe.Organizer.Name, DisplayName: owner.Name,
		Email: owner.Email, Password: password})
	if err != nil {
		return nil, fmt.Errorf("demo owner: %w", err)
	}
	out := &DemoSeed{OrganizerID: org.OrganizerID, OwnerEmail: owner.Email, Created: org.Created}
	if org.Created {
		out.OwnerPassword = password
	}
	cat, err := a.Commerce.SeedDemo(ctx, org.OrganizerID)
	if err != nil {
		return nil, fmt.Errorf("demo menu: %w", err)
	}
	out.Catalog, out.MerchantID = cat, cat.MerchantID
	out.Created = out.Created || cat.Created

	if out.PriceRules, err = a.Pricing.SeedDemo(ctx, org.OrganizerID, cat.MerchantID); err != nil {
		return nil, fmt.Errorf("demo price rules: %w", err)
	}

	loc, newLoc, err := a.Inventory.EnsureLocation(ctx, org.OrganizerID, cat.MerchantID, "QUAY", "Quầy")
	if err != nil {
		return nil, fmt.Errorf("demo stock location: %w", err)
	}
	out.LocationID = loc.ID
	if newLoc {
		count := inventory.CountRequest{OrganizerID: org.OrganizerID, MerchantID: cat.MerchantID, LocationID: loc.ID, Note: "demo: opening stock"}
		for _, c := range cafe.Categories {
			for _, it := range c.Items {
				if it.Stock != nil {
					count.Lines = append(count.Lines, inventory.StockCountInput{VariantID: cat.Variants[it.SKU], Counted: *it.Stock})
				}
			}
		}
		if _, err := a.Inventory.Service().Count(ctx, count); err != nil {
			return nil, fmt.Errorf("demo stock: %w", err)
		}
		out.Created = true
	}

	n := 0
	for _, s := range cafe.Staff {
		if s.Role != auth.Employee.String() {
			continue
		}
		n++
		code := fmt.Sprintf("NV%02d", n)
		v, created, err := a.Identity.SeedEmployee(ctx, identity.NewEmployee{OrganizerID: org.OrganizerID, DisplayName: s.Name,
			Code: code, Title: s.Job, MerchantIDs: []id.ID{cat.MerchantID}, PIN: s.PIN})
		if err != nil {
			return nil, fmt.Errorf("demo staff %s: %w", s.Name, err)
		}
		out.Created = out.Created || created
		out.Staff = append(out.Staff, DemoStaff{EmployeeID: v.ID, Code: code, Name: s.Name, Job: s.Job, PIN: s.PIN})
	}

	shift, err := a.Sale.OpenShift(ctx, sale.OpenShiftRequest{MerchantID: cat.MerchantID, OpeningFloat: o.OpeningFloat})
	switch {
	case err == nil:
		out.Created = true
	case errors.Is(err, sale.ErrShiftAlreadyOpen):
		// A repeat reports the shift the first run opened (or one opened since), so that its
		// answer can still close it.
		if shift, err = a.Sale.CurrentShift(ctx, cat.MerchantID, ""); err != nil {
			return nil, fmt.Errorf("demo shift: %w", err)
		}
	default:
		return nil, fmt.Errorf("demo shift: %w", err)
	}
	out.ShiftID, out.OpeningFloat = shift.ID, shift.OpeningFloat
	return out, nil
}
