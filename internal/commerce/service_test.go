package commerce_test

import (
	"context"
	"strings"
	"testing"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/commerce"
	"github.com/banapos/bana/internal/demo"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
)

// The demo café, seeded for sale and pricing, read back through the service API they call.
func TestSeedDemoAndVariantsForQuote(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := auth.System(context.Background())
		cm := e.App.Commerce
		cat, err := cm.SeedDemo(ctx, 500)
		if err != nil {
			t.Fatal(err)
		}
		cafe, _ := demo.Load()
		if !cat.Created || len(cat.Products) != 23 || len(cat.Variants) != 23 || len(cat.Groups) != 4 || len(cat.Stations) != 2 ||
			len(cat.Categories) != 4 || len(cat.Options["TOPPING"]) != 4 || len(cat.SaleChannels) != 3 {
			t.Fatalf("demo catalog %+v", cat)
		}
		again, err := cm.SeedDemo(ctx, 500)
		if err != nil || again.Created || again.MerchantID != cat.MerchantID || again.Variants["TR-DAO"] != cat.Variants["TR-DAO"] ||
			again.Options["SIZE"]["Lớn (L)"] != cat.Options["SIZE"]["Lớn (L)"] || len(again.Products) != 23 {
			t.Fatalf("second seed %+v %v", again, err)
		}
		if n := count(t, e, `SELECT count(*) FROM merchants WHERE organizer_id = 500`); n != 1 {
			t.Fatalf("%d demo merchants", n)
		}

		mi, err := cm.Merchant(ctx, cat.MerchantID)
		if err != nil || mi.Name != cafe.Merchant.Name || mi.Type != "FNB" || mi.VATRate != "VAT8" || !mi.PriceIncludesTax || !mi.Open || mi.Currency != "VND" {
			t.Fatalf("merchant info %+v %v", mi, err)
		}

		ids := []id.ID{cat.Variants["TR-DAO"], cat.Variants["BM-THIT"], cat.Variants["CF-TRUNG"], cat.Variants["NS-500"], 42}
		vs, err := cm.VariantsForQuote(ctx, cat.MerchantID, ids)
		if err != nil || len(vs) != 4 {
			t.Fatalf("VariantsForQuote: %d %v", len(vs), err)
		}
		tea := vs[cat.Variants["TR-DAO"]]
		if tea.Name != "Trà đào cam sả" || tea.SKU != "TR-DAO" || tea.Price != 45000 || tea.Currency != "VND" || tea.TaxRate != "VAT8" ||
			tea.TaxRateBP != 800 || !tea.PriceIncludesTax || tea.CategoryCode != "TRA" || tea.StationCode != "BAR" || !tea.Active ||
			tea.TrackStock || tea.ProductID != cat.Products["TR-DAO"] || tea.StationID != cat.Stations["BAR"] {
			t.Fatalf("tea %+v", tea)
		}
		var groups []string
		for _, g := range tea.ModifierGroups {
			groups = append(groups, g.Code)
		}
		if strings.Join(groups, ",") != "SIZE,SUGAR,ICE,TOPPING" || tea.ModifierGroups[0].Min != 1 || tea.ModifierGroups[3].Max != 3 ||
			len(tea.ModifierGroups[0].Options) != 3 || tea.ModifierGroups[0].Options[2].Price != 10000 || tea.ModifierGroups[0].Options[2].Name != "Lớn (L)" {
			t.Fatalf("tea groups %+v", tea.ModifierGroups)
		}
		if b := vs[cat.Variants["BM-THIT"]]; b.StationCode != "KITCHEN" || !b.TrackStock || len(b.ModifierGroups) != 0 || b.CategoryCode != "BANH" {
			t.Fatalf("bánh mì %+v", b)
		}
		// Modifiers chosen on a line: valid, and each broken rule naming its group.
		opt := func(g, name string) id.ID { return cat.Options[g][name] }
		chosen, err := commerce.SelectModifiers(tea, []id.ID{opt("TOPPING", "Kem cheese"), opt("SIZE", "Lớn (L)"), opt("SUGAR", "Ít đường")})
		if err != nil || len(chosen) != 3 || chosen[0].GroupCode != "SIZE" || chosen[2].Price != 12000 {
			t.Fatalf("chosen %+v %v", chosen, err)
		}
		err = commerce.ValidateModifiers(tea, []id.ID{opt("SUGAR", "Ít đường")})
		if errs.KindOf(err) != errs.Rule || !strings.Contains(err.Error(), "SIZE") {
			t.Fatalf("missing size: %v", err)
		}
		err = commerce.ValidateModifiers(vs[cat.Variants["CF-TRUNG"]], []id.ID{opt("SIZE", "Lớn (L)")})
		if errs.KindOf(err) != errs.Invalid {
			t.Fatalf("a size on cà phê trứng: %v", err)
		}
		// A variant's own min/max overrides the group's: toppings become required on the tea.
		link := count(t, e, `SELECT count(*) FROM variant_modifier_groups WHERE variant_id = ? AND group_id = ?`, cat.Variants["TR-DAO"], cat.Groups["TOPPING"])
		if link != 1 {
			t.Fatal("no topping link")
		}
		owner := e.OwnerToken(500)
		var links []map[string]any
		get(e, 200, owner, "/variant-modifier-groups?filter="+q(`{"where":{"variantId":"`+cat.Variants["TR-DAO"].String()+`","groupId":"`+cat.Groups["TOPPING"].String()+`"}}`)).JSON(t, &links)
		e.Must(200, apptest.Request{Method: "PATCH", Path: "/variant-modifier-groups/" + links[0]["id"].(string), Token: owner, Body: map[string]any{"min": 1, "max": 2}})
		e.Must(400, apptest.Request{Method: "PATCH", Path: "/variant-modifier-groups/" + links[0]["id"].(string), Token: owner, Body: map[string]any{"min": 3}})
		vs, _ = cm.VariantsForQuote(ctx, cat.MerchantID, []id.ID{cat.Variants["TR-DAO"]})
		tea = vs[cat.Variants["TR-DAO"]]
		err = commerce.ValidateModifiers(tea, []id.ID{opt("SIZE", "Nhỏ (S)"), opt("SUGAR", "Ít đường")})
		if errs.KindOf(err) != errs.Rule || !strings.Contains(err.Error(), "TOPPING") {
			t.Fatalf("required topping: %v", err)
		}
		// An option taken off sale is refused.
		e.Must(200, apptest.Request{Method: "PATCH", Path: "/modifier-options/" + opt("TOPPING", "Kem cheese").String(), Token: owner, Body: map[string]any{"status": "INACTIVE"}})
		vs, _ = cm.VariantsForQuote(ctx, cat.MerchantID, []id.ID{cat.Variants["TR-DAO"]})
		err = commerce.ValidateModifiers(vs[cat.Variants["TR-DAO"]], []id.ID{opt("SIZE", "Nhỏ (S)"), opt("SUGAR", "Ít đường"), opt("TOPPING", "Kem cheese")})
		if errs.KindOf(err) != errs.Rule || !strings.Contains(err.Error(), "not available") {
			t.Fatalf("inactive topping: %v", err)
		}

		// An inactive product is returned as inactive; the caller's scope applies.
		e.Must(200, apptest.Request{Method: "PATCH", Path: "/products/" + cat.Products["XX-01"].String(), Token: owner, Body: map[string]any{"status": "INACTIVE"}})
		vs, _ = cm.VariantsForQuote(ctx, cat.MerchantID, []id.ID{cat.Variants["XX-01"]})
		if v := vs[cat.Variants["XX-01"]]; v.Active || v.Price != 30000 {
			t.Fatalf("inactive xôi %+v", v)
		}
		stranger := auth.WithPrincipal(ctx, &auth.Principal{UserID: 9, Roles: []auth.Role{auth.OrganizerOwner}, OrganizerID: 501})
		if vs, err := cm.VariantsForQuote(stranger, cat.MerchantID, ids); err != nil || len(vs) != 0 {
			t.Fatalf("another organizer sees %d variants (%v)", len(vs), err)
		}
		if _, err := cm.Merchant(stranger, cat.MerchantID); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("another organizer's Merchant: %v", err)
		}
		clerk := auth.WithPrincipal(ctx, &auth.Principal{UserID: 9, Roles: []auth.Role{auth.Employee}, OrganizerID: 500, MerchantIDs: []id.ID{cat.MerchantID}})
		if vs, err := cm.VariantsForQuote(clerk, cat.MerchantID, ids); err != nil || len(vs) != 4 {
			t.Fatalf("the café's clerk sees %d variants (%v)", len(vs), err)
		}
		// The same checks by ids, and the merchant's organizer for identity.
		if err := cm.CheckModifiers(ctx, cat.MerchantID, cat.Variants["CF-DEN"], []id.ID{opt("SIZE", "Vừa (M)"), opt("SUGAR", "Không đường")}); err != nil {
			t.Fatal(err)
		}
		if err := cm.CheckModifiers(ctx, cat.MerchantID, cat.Variants["CF-DEN"], []id.ID{opt("SIZE", "Vừa (M)")}); errs.KindOf(err) != errs.Rule {
			t.Fatalf("CheckModifiers without sugar: %v", err)
		}
		if err := cm.CheckModifiers(stranger, cat.MerchantID, cat.Variants["CF-DEN"], nil); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("CheckModifiers of a stranger: %v", err)
		}
		if org, err := cm.MerchantOrganizer(stranger, cat.MerchantID); err != nil || org != 500 {
			t.Fatalf("MerchantOrganizer = %v %v", org, err)
		}
		if _, err := cm.MerchantOrganizer(ctx, 42); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("MerchantOrganizer(unknown) = %v", err)
		}
		// The demo's bottled water is found by its EAN-13 in the lookup too.
		r := get(e, 200, owner, "/products/lookup?merchantId="+cat.MerchantID.String()+"&code="+"8934588012112").Map(t)
		if r["variant"].(map[string]any)["sku"] != "NS-500" {
			t.Fatalf("water lookup %v", r)
		}
	})
}
