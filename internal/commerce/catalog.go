package commerce

import (
	"context"
	"fmt"
	"github.com/banapos/bana/internal/platform/db"
	"slices"

	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/query"
)

// The creates and the write hooks of the merchant-scoped catalog tables. A create (the CRUD
// route's, or the module's own) runs in one transaction and places the row in the merchant of
// its parent. The hooks (installed in New) run inside every update, delete and restore of a row,
// whoever makes it, with the stored row at hand: they check the row, keep related rows in step
// and publish ProductChanged in the same transaction.

func status(loc string, s *string) error {
	if *s == "" {
		*s = Active
	}
	if *s != Active && *s != Inactive {
		return errs.Field(loc, "must be ACTIVE or INACTIVE", *s)
	}
	return nil
}

// --- merchants

// The tables restore a row's read-only fields from their copy of the stored row, which shares
// pointers and slices with the row a PATCH decodes into: a PATCH that names such a field writes
// through to the copy. The Update hooks of the tables whose read-only fields are pointers or
// slices (merchants' onboardingKey, categories' templateId, devices' permissions and revokedAt)
// take them from the row as stored again.

// updateMerchant is the merchants' Update hook: a merchant keeps its onboarding key and checks
// its settings.
func (m *Module) updateMerchant(ctx context.Context, before, row *Merchant) error {
	if row.OnboardingKey != nil {
		stored, err := m.merchants.Get(ctx, before.ID, query.ExcludeDeleted)
		if err != nil {
			return err
		}
		row.OnboardingKey = stored.OnboardingKey
	}
	return validateMerchant(row, "body")
}

// deleteMerchant revokes the merchant's devices with it.
func (m *Module) deleteMerchant(ctx context.Context, mer, _ *Merchant) error {
	return m.revokeMerchantDevices(ctx, mer.ID, m.clock.Now())
}

// --- category templates (global, admins write)

func (m *Module) checkTemplate(t *CategoryTemplate) error {
	var err error
	if !slices.Contains(MerchantTypes, t.MerchantType) {
		return errs.Field("body.merchantType", "must be DEFAULT, TICKET, FNB or THEATER", t.MerchantType)
	}
	if t.Name, err = cleanName("body.name", t.Name, 200); err != nil {
		return err
	}
	if t.Code, err = code("body.code", t.Code, t.Name); err != nil {
		return err
	}
	if t.ParentCode != "" {
		if t.ParentCode, err = optCode("body.parentCode", t.ParentCode); err != nil {
			return err
		}
	}
	if t.StationCode != "" {
		if t.StationCode, err = optCode("body.stationCode", t.StationCode); err != nil {
			return err
		}
	}
	return nil
}

func (m *Module) createTemplate(ctx context.Context, t *CategoryTemplate) error {
	if err := m.checkTemplate(t); err != nil {
		return err
	}
	return m.templates.Create(ctx, t)
}

func (m *Module) updateTemplate(_ context.Context, _, t *CategoryTemplate) error {
	return m.checkTemplate(t)
}

// --- stations

func (m *Module) checkStation(s *Station) error {
	var err error
	if s.Name, err = cleanName("body.name", s.Name, 100); err != nil {
		return err
	}
	s.Code, err = code("body.code", s.Code, s.Name)
	return err
}

func (m *Module) createStation(ctx context.Context, s *Station) error {
	return m.db.InTx(ctx, func(ctx context.Context) error {
		mer, err := m.merchantFor(ctx, s.MerchantID, "body.merchantId")
		if err != nil {
			return err
		}
		s.OrganizerID = mer.OrganizerID
		if err := m.checkStation(s); err != nil {
			return err
		}
		return m.stations.Create(ctx, s)
	})
}

// updateStation keeps the station code its categories carry in step.
func (m *Module) updateStation(ctx context.Context, before, s *Station) error {
	if err := m.checkStation(s); err != nil {
		return err
	}
	if s.Code != before.Code {
		return m.setCategoriesStationCode(ctx, before.ID, s.Code)
	}
	return nil
}

// deleteStation refuses a station categories still route to.
func (m *Module) deleteStation(ctx context.Context, s, _ *Station) error {
	n, err := m.stationCategories(ctx, s.ID)
	if err != nil {
		return err
	}
	if n > 0 {
		return naming(ErrStationInUse, fmt.Sprintf("station %s still serves %d categories: move them first", s.Code, n))
	}
	return nil
}

// --- categories

// checkCategory validates a category: its parent and station are the merchant's, and the tree
// has no cycle.
func (m *Module) checkCategory(ctx context.Context, self id.ID, c *Category) error {
	var err error
	if c.Name, err = cleanName("body.name", c.Name, 200); err != nil {
		return err
	}
	if c.Code, err = code("body.code", c.Code, c.Name); err != nil {
		return err
	}
	if c.Description, err = cleanText("body.description", c.Description, 2000); err != nil {
		return err
	}
	if err := status("body.status", &c.Status); err != nil {
		return err
	}
	if c.ParentID != nil {
		next := *c.ParentID
		for depth := 0; next != 0; depth++ {
			if next == self {
				return errs.Field("body.parentId", "would make the category its own ancestor", c.ParentID.String())
			}
			if depth >= 16 {
				return errs.Field("body.parentId", "categories nest at most 16 deep", c.ParentID.String())
			}
			p, err := m.categories.Get(ctx, next, query.ExcludeDeleted)
			if err != nil || p.MerchantID != c.MerchantID {
				return errs.Field("body.parentId", "is not a category of the merchant", c.ParentID.String())
			}
			next = 0
			if p.ParentID != nil {
				next = *p.ParentID
			}
		}
	}
	c.StationCode = ""
	if c.StationID != nil {
		s, err := m.stations.Get(ctx, *c.StationID, query.ExcludeDeleted)
		if err != nil || s.MerchantID != c.MerchantID {
			return errs.Field("body.stationId", "is not a station of the merchant", c.StationID.String())
		}
		c.StationCode = db.OptText(s.Code)
	}
	return nil
}

func (m *Module) createCategory(ctx context.Context, c *Category) error {
	return m.db.InTx(ctx, func(ctx context.Context) error {
		mer, err := m.merchantFor(ctx, c.MerchantID, "body.merchantId")
		if err != nil {
			return err
		}
		c.OrganizerID = mer.OrganizerID
		if err := m.checkCategory(ctx, 0, c); err != nil {
			return err
		}
		return m.categories.Create(ctx, c)
	})
}

// updateCategory is the categories' Update hook: a category keeps its template and is checked
// like a new one (its station code follows its station).
func (m *Module) updateCategory(ctx context.Context, before, c *Category) error {
	if c.TemplateID != nil {
		stored, err := m.categories.Get(ctx, before.ID, query.ExcludeDeleted)
		if err != nil {
			return err
		}
		c.TemplateID = stored.TemplateID
	}
	return m.checkCategory(ctx, before.ID, c)
}

// --- sale channels and terminals

func (m *Module) checkChannel(c *SaleChannel) error {
	var err error
	if c.Name, err = cleanName("body.name", c.Name, 100); err != nil {
		return err
	}
	if c.Code, err = code("body.code", c.Code, c.Name); err != nil {
		return err
	}
	return status("body.status", &c.Status)
}

func (m *Module) createChannel(ctx context.Context, c *SaleChannel) error {
	return m.db.InTx(ctx, func(ctx context.Context) error {
		mer, err := m.merchantFor(ctx, c.MerchantID, "body.merchantId")
		if err != nil {
			return err
		}
		c.OrganizerID = mer.OrganizerID
		if err := m.checkChannel(c); err != nil {
			return err
		}
		return m.channels.Create(ctx, c)
	})
}

func (m *Module) updateChannel(_ context.Context, _, c *SaleChannel) error { return m.checkChannel(c) }

func (m *Module) checkTerminalRow(t *Terminal) error {
	var err error
	if t.Name, err = cleanName("body.name", t.Name, 100); err != nil {
		return err
	}
	if t.Code, err = code("body.code", t.Code, t.Name); err != nil {
		return err
	}
	if t.SaleChannelCode != "" {
		if t.SaleChannelCode, err = optCode("body.saleChannelCode", t.SaleChannelCode); err != nil {
			return err
		}
	}
	return status("body.status", &t.Status)
}

func (m *Module) createTerminal(ctx context.Context, t *Terminal) error {
	return m.db.InTx(ctx, func(ctx context.Context) error {
		mer, err := m.merchantFor(ctx, t.MerchantID, "body.merchantId")
		if err != nil {
			return err
		}
		t.OrganizerID = mer.OrganizerID
		if err := m.checkTerminalRow(t); err != nil {
			return err
		}
		return m.terminals.Create(ctx, t)
	})
}

func (m *Module) updateTerminal(_ context.Context, _, t *Terminal) error {
	return m.checkTerminalRow(t)
}

// --- modifier groups and options

func checkGroup(g *ModifierGroup) error {
	var err error
	if g.Name, err = cleanName("body.name", g.Name, 100); err != nil {
		return err
	}
	if g.Code, err = code("body.code", g.Code, g.Name); err != nil {
		return err
	}
	if g.Max == 0 {
		g.Max = max(1, g.Min)
	}
	if g.Min < 0 || g.Max < 1 || g.Min > g.Max || g.Max > 50 {
		return errs.Field("body.max", "needs 0 <= min <= max, 1 <= max <= 50", fmt.Sprintf("min %d, max %d", g.Min, g.Max))
	}
	return nil
}

func checkOption(o *ModifierOption, loc string) error {
	var err error
	if o.Name, err = cleanName(loc+".name", o.Name, 100); err != nil {
		return err
	}
	if o.Code, err = code(loc+".code", o.Code, o.Name); err != nil {
		return err
	}
	if o.Price < 0 || o.Price > MaxPrice {
		return errs.Field(loc+".price", fmt.Sprintf("must be 0 to %d VND", int64(MaxPrice)), o.Price)
	}
	return status(loc+".status", &o.Status)
}

// createGroup creates a modifier group with the options sent with it.
func (m *Module) createGroup(ctx context.Context, g *ModifierGroup) error {
	return m.db.InTx(ctx, func(ctx context.Context) error {
		mer, err := m.merchantFor(ctx, g.MerchantID, "body.merchantId")
		if err != nil {
			return err
		}
		g.OrganizerID = mer.OrganizerID
		if err := checkGroup(g); err != nil {
			return err
		}
		if len(g.Options) > 100 {
			return errs.Field("body.options", "at most 100 options", len(g.Options))
		}
		opts := g.Options
		g.Options = nil
		if err := m.groups.Create(ctx, g); err != nil {
			return err
		}
		seen := map[string]bool{}
		for i := range opts {
			o := &opts[i]
			loc := fmt.Sprintf("body.options[%d]", i)
			o.ID, o.GroupID, o.MerchantID, o.OrganizerID = 0, g.ID, g.MerchantID, g.OrganizerID
			if o.Position == 0 {
				o.Position = i + 1
			}
			if err := checkOption(o, loc); err != nil {
				return err
			}
			if seen[o.Code] {
				return errs.Field(loc+".code", "appears twice in the group", o.Code)
			}
			seen[o.Code] = true
			if err := m.options.Create(ctx, o); err != nil {
				return err
			}
		}
		g.Options = opts
		return nil
	})
}

func (m *Module) updateGroup(_ context.Context, _, g *ModifierGroup) error {
	if len(g.Options) > 0 {
		return errs.Field("body.options", "change options through /modifier-options", nil)
	}
	return checkGroup(g)
}

func (m *Module) createOption(ctx context.Context, o *ModifierOption) error {
	return m.db.InTx(ctx, func(ctx context.Context) error {
		if o.GroupID == 0 {
			return errs.Field("body.groupId", "is required", nil)
		}
		g, err := m.groups.Get(ctx, o.GroupID, query.ExcludeDeleted)
		if err != nil {
			return errs.Field("body.groupId", "is not a modifier group you may act for", o.GroupID.String())
		}
		o.OrganizerID, o.MerchantID = g.OrganizerID, g.MerchantID
		if err := checkOption(o, "body"); err != nil {
			return err
		}
		return m.options.Create(ctx, o)
	})
}

func (m *Module) updateOption(_ context.Context, _, o *ModifierOption) error {
	return checkOption(o, "body")
}

// --- variant modifier groups

func checkLink(l *VariantModifierGroup, g *ModifierGroup) error {
	lo, hi := g.Min, g.Max
	if l.Min != nil {
		lo = *l.Min
	}
	if l.Max != nil {
		hi = *l.Max
	}
	if lo < 0 || hi < 1 || lo > hi || hi > 50 {
		return errs.Field("body.max", "needs 0 <= min <= max, 1 <= max <= 50 (with the group's own for those not set)", fmt.Sprintf("min %d, max %d", lo, hi))
	}
	return nil
}

func (m *Module) createLink(ctx context.Context, l *VariantModifierGroup) error {
	return m.db.InTx(ctx, func(ctx context.Context) error {
		v, err := m.variants.Get(ctx, l.VariantID, query.ExcludeDeleted)
		if err != nil {
			return errs.Field("body.variantId", "is not a variant you may act for", l.VariantID.String())
		}
		g, err := m.groups.Get(ctx, l.GroupID, query.ExcludeDeleted)
		if err != nil || g.MerchantID != v.MerchantID {
			return errs.Field("body.groupId", "is not a modifier group of the variant's merchant", l.GroupID.String())
		}
		l.OrganizerID, l.MerchantID = v.OrganizerID, v.MerchantID
		if err := checkLink(l, g); err != nil {
			return err
		}
		if err := m.links.Create(ctx, l); err != nil {
			if errs.KindOf(err) == errs.Conflict {
				return because(ErrLinkExists, err)
			}
			return err
		}
		return m.productChanged(ctx, v.OrganizerID, v.MerchantID, v.ProductID, v.ID, ActionUpdated)
	})
}

func (m *Module) updateLink(ctx context.Context, before, l *VariantModifierGroup) error {
	g, err := m.groups.Get(ctx, before.GroupID, query.IncludeDeleted)
	if err != nil {
		return err
	}
	if err := checkLink(l, g); err != nil {
		return err
	}
	return m.linkChanged(ctx, before)
}

func (m *Module) deleteLink(ctx context.Context, l, _ *VariantModifierGroup) error {
	return m.linkChanged(ctx, l)
}

func (m *Module) linkChanged(ctx context.Context, l *VariantModifierGroup) error {
	v, err := m.variants.Get(ctx, l.VariantID, query.IncludeDeleted)
	if err != nil {
		return err
	}
	return m.productChanged(ctx, v.OrganizerID, v.MerchantID, v.ProductID, v.ID, ActionUpdated)
}
