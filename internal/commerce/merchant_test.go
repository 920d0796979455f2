package commerce_test

import (
	"context"
	"strings"
	"testing"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/commerce"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/events"
	"github.com/banapos/bana/internal/platform/id"
)

func TestOnboardMerchant(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		owner := e.OwnerToken(100)
		admin := e.AdminToken()

		// FNB: categories from the FNB templates, all routed to the default station, and the
		// FNB sale channels; CommerceInitialized in the same transaction.
		m := post(e, 201, owner, "/merchants", map[string]any{"name": "Cà Phê Góc Phố", "organizerId": "999"})
		if m["organizerId"] != "100" || m["type"] != "FNB" || m["currency"] != "VND" || m["timezone"] != "Asia/Ho_Chi_Minh" ||
			m["priceIncludesTax"] != true || m["status"] != "OPEN" || m["name"] != "Cà Phê Góc Phố" {
			t.Fatalf("merchant: %v", m)
		}
		mid := mustID(t, m["id"])
		cats := m["categories"].([]any)
		stations := m["stations"].([]any)
		if len(cats) != 6 || len(stations) != 1 || stations[0].(map[string]any)["code"] != commerce.DefaultStationCode {
			t.Fatalf("categories %v stations %v", cats, stations)
		}
		names := []string{}
		for _, c := range cats {
			c := c.(map[string]any)
			names = append(names, c["name"].(string))
			if c["stationCode"] != "MAIN" || c["stationId"] != stations[0].(map[string]any)["id"] || c["templateId"] == nil {
				t.Fatalf("category %v is not routed to the default station", c)
			}
		}
		if strings.Join(names, "|") != "Cà phê|Trà & Trà sữa|Nước ép & Sinh tố|Đồ ăn|Bánh ngọt|Khác" {
			t.Fatalf("category names %v", names)
		}
		var codes []string
		for _, c := range m["saleChannels"].([]any) {
			codes = append(codes, c.(map[string]any)["code"].(string))
		}
		if strings.Join(codes, ",") != "DINE_IN,TAKE_AWAY,DELIVERY" {
			t.Fatalf("channels %v", codes)
		}
		if n := eventCount(t, e, "CommerceInitialized", map[string]string{"merchantId": mid.String()}); n != 1 {
			t.Fatalf("CommerceInitialized events: %d", n)
		}

		// DEFAULT: its own templates and channels, no station.
		d := post(e, 201, owner, "/merchants", map[string]any{"name": "Tạp hóa Minh Anh", "type": "DEFAULT", "vatRate": "VAT8", "priceIncludesTax": false})
		if len(d["stations"].([]any)) != 0 || len(d["categories"].([]any)) != 5 || len(d["saleChannels"].([]any)) != 2 ||
			d["vatRate"] != "VAT8" || d["priceIncludesTax"] != false {
			t.Fatalf("DEFAULT merchant: %v", d)
		}
		for _, c := range d["categories"].([]any) {
			if c.(map[string]any)["stationId"] != nil {
				t.Fatalf("DEFAULT category with a station: %v", c)
			}
		}
		// The merchant types and templates are readable by anyone signed in.
		if types := list(e, owner, "/merchant-types"); len(types) != 4 || types[2]["code"] != "FNB" {
			t.Fatalf("merchant types: %v", types)
		}
		if tpl := list(e, owner, "/category-templates?filter="+q(`{"where":{"merchantType":"THEATER"}}`)); len(tpl) != 4 {
			t.Fatalf("THEATER templates: %v", tpl)
		}
		e.Must(403, apptest.Request{Method: "POST", Path: "/category-templates", Token: owner,
			Body: map[string]any{"merchantType": "FNB", "code": "X", "name": "X"}})

		// Idempotency-Key: a retry returns the first merchant; the key for another merchant is a 409.
		key := map[string]string{"Idempotency-Key": "onboard-1"}
		first := e.Must(201, apptest.Request{Method: "POST", Path: "/merchants", Token: owner, Headers: key, Body: map[string]any{"name": "Bún chả Hương Liên"}}).Map(t)
		again := e.Must(200, apptest.Request{Method: "POST", Path: "/merchants", Token: owner, Headers: key, Body: map[string]any{"name": "Bún chả Hương Liên"}}).Map(t)
		if first["id"] != again["id"] || len(again["categories"].([]any)) != 6 {
			t.Fatalf("retried onboarding: %v vs %v", first["id"], again["id"])
		}
		e.Must(409, apptest.Request{Method: "POST", Path: "/merchants", Token: owner, Headers: key, Body: map[string]any{"name": "Phở Thìn"}})
		// The same key of another organizer is another merchant.
		other := e.Must(201, apptest.Request{Method: "POST", Path: "/merchants", Token: e.OwnerToken(200), Headers: key, Body: map[string]any{"name": "Bún chả Hương Liên"}}).Map(t)
		if other["id"] == first["id"] || other["organizerId"] != "200" {
			t.Fatalf("another organizer's merchant: %v", other)
		}

		// Bad input names the field; employees cannot onboard; admins name the organizer.
		for body, loc := range map[string]string{
			`{"name":"  "}`:                          "body.name",
			`{"name":"X","currency":"vnd"}`:          "body.currency",
			`{"name":"X","timezone":"Mars/Olympus"}`: "body.timezone",
			`{"name":"X","barcodeConfig":{"weighted":[{"prefixes":["30"],"value":"PRICE"}]}}`: "body.barcodeConfig.weighted[0].prefixes[0]",
		} {
			r := e.Must(400, apptest.Request{Method: "POST", Path: "/merchants", Token: owner, Body: body})
			if !strings.Contains(string(r.Body), loc) {
				t.Fatalf("%s: error does not name %s: %s", body, loc, r.Body)
			}
		}
		e.Must(400, apptest.Request{Method: "POST", Path: "/merchants", Token: owner, Body: `{"name":"X","type":"CIRCUS"}`})
		e.Must(403, apptest.Request{Method: "POST", Path: "/merchants", Token: e.EmployeeToken(100, []id.ID{mid}, "*"), Body: map[string]any{"name": "X"}})
		e.Must(400, apptest.Request{Method: "POST", Path: "/merchants", Token: admin, Body: map[string]any{"name": "X"}})
		a := post(e, 201, admin, "/merchants", map[string]any{"name": "Rạp Tháng Tám", "type": "THEATER", "organizerId": "300"})
		if a["organizerId"] != "300" || len(a["saleChannels"].([]any)) != 3 {
			t.Fatalf("admin onboarding: %v", a)
		}

		// PATCH changes settings; type and organizer stay.
		p := e.Must(200, apptest.Request{Method: "PATCH", Path: "/merchants/" + mid.String(), Token: owner,
			Body: map[string]any{"status": "CLOSED", "vatRate": "VAT8", "type": "TICKET", "organizerId": "1"}}).Map(t)
		if p["status"] != "CLOSED" || p["vatRate"] != "VAT8" || p["type"] != "FNB" || p["organizerId"] != "100" {
			t.Fatalf("patched merchant: %v", p)
		}
		e.Must(400, apptest.Request{Method: "PATCH", Path: "/merchants/" + mid.String(), Token: owner, Body: map[string]any{"vatRate": "VAT12"}})
		info, err := e.App.Commerce.Merchant(auth.System(context.Background()), mid)
		if err != nil || info.Open || info.VATRateBP != 800 || info.Location.String() != "Asia/Ho_Chi_Minh" || !info.PriceIncludesTax {
			t.Fatalf("MerchantInfo: %+v %v", info, err)
		}
	})
}

// An employee sees only its merchants; an owner sees its organizer's; nobody sees another
// organizer's.
func TestMerchantScope(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ownerA, ownerB := e.OwnerToken(100), e.OwnerToken(200)
		m1 := onboard(e, ownerA, "Chi nhánh 1", "")
		m2 := onboard(e, ownerA, "Chi nhánh 2", "")
		mb := onboard(e, ownerB, "Cửa hàng B", "DEFAULT")
		clerk := e.EmployeeToken(100, []id.ID{m1}, "merchant.read", "merchant.write")

		if l := list(e, ownerA, "/merchants"); len(l) != 2 {
			t.Fatalf("owner A sees %d merchants", len(l))
		}
		l := list(e, clerk, "/merchants")
		if len(l) != 1 || l[0]["id"] != m1.String() {
			t.Fatalf("clerk of m1 sees %v", l)
		}
		get(e, 200, clerk, "/merchants/"+m1.String())
		get(e, 404, clerk, "/merchants/"+m2.String())
		e.Must(404, apptest.Request{Method: "PATCH", Path: "/merchants/" + m2.String(), Token: clerk, Body: map[string]any{"name": "x"}})
		// Even through include, an employee sees only its merchant's rows.
		var cnt struct{ Count int }
		get(e, 200, clerk, "/merchants/count").JSON(t, &cnt)
		if cnt.Count != 1 {
			t.Fatalf("clerk count %d", cnt.Count)
		}
		get(e, 404, ownerB, "/merchants/"+m1.String())
		e.Must(404, apptest.Request{Method: "DELETE", Path: "/merchants/" + m1.String(), Token: ownerB})
		if l := list(e, ownerB, "/merchants"); len(l) != 1 || l[0]["id"] != mb.String() {
			t.Fatalf("owner B sees %v", l)
		}
		// Categories of another merchant are invisible to the clerk.
		cats := list(e, e.EmployeeToken(100, []id.ID{m1}, "catalog.read"), "/categories?filter="+q(`{"limit":100}`))
		for _, c := range cats {
			if c["merchantId"] != m1.String() {
				t.Fatalf("clerk of m1 sees a category of %v", c["merchantId"])
			}
		}
		if len(cats) != 6 {
			t.Fatalf("clerk sees %d categories", len(cats))
		}
		if _, err := e.App.Commerce.Merchant(auth.System(context.Background()), m2); err != nil {
			t.Fatalf("system context sees every merchant: %v", err)
		}
	})
}

// SellerRegistered onboards the seller's merchant once, however often it arrives: the events
// platform skips a redelivered event, and two different events for one organizer meet the
// onboarding key.
func TestSellerRegisteredOnboardsOnce(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := auth.System(context.Background())
		bus := e.App.Events
		if subs := bus.Subscribers("SellerRegistered"); len(subs) == 0 || !contains(subs, "commerce.init-seller") {
			t.Fatalf("subscribers: %v", subs)
		}
		var ids []id.ID
		for _, ev := range []events.SellerRegistered{
			{UserID: 1, OrganizerID: 700, OrganizerName: "Công ty TNHH Bánh Mì Phượng", MerchantName: "Bánh Mì Phượng", MerchantType: "FNB"},
			{UserID: 1, OrganizerID: 700, OrganizerName: "Công ty TNHH Bánh Mì Phượng", MerchantName: "Bánh Mì Phượng", MerchantType: "FNB"},
			{UserID: 2, OrganizerID: 701, OrganizerName: "Nhà sách Cá Chép"},
		} {
			eid, err := bus.Publish(ctx, ev)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, eid)
		}
		if ids[0] == ids[1] {
			t.Fatal("two publications share an event id")
		}
		apptest.Eventually(t, "the three events to be handled", func() bool {
			for _, eid := range ids {
				if ok, err := bus.Handled(ctx, "commerce.init-seller", eid); err != nil || !ok {
					return false
				}
			}
			return true
		})
		admin := e.AdminToken()
		l := list(e, admin, "/merchants?filter="+q(`{"where":{"organizerId":"700"},"include":[{"relation":"categories"}]}`))
		if len(l) != 1 || l[0]["name"] != "Bánh Mì Phượng" || l[0]["type"] != "FNB" || l[0]["onboardingKey"] != commerce.SellerRegisteredKey ||
			len(l[0]["categories"].([]any)) != 6 {
			t.Fatalf("organizer 700: %v", l)
		}
		l0id := l[0]["id"].(string)
		if n := eventCount(t, e, "CommerceInitialized", map[string]string{"merchantId": l0id}); n != 1 {
			t.Fatalf("CommerceInitialized for the seller: %d", n)
		}
		// No merchant name: the organizer's name, and FNB by default.
		l = list(e, admin, "/merchants?filter="+q(`{"where":{"organizerId":"701"}}`))
		if len(l) != 1 || l[0]["name"] != "Nhà sách Cá Chép" || l[0]["type"] != "FNB" {
			t.Fatalf("organizer 701: %v", l)
		}
		// The onboarding key is the server's: a PATCH that sends one leaves it.
		e.Must(200, apptest.Request{Method: "PATCH", Path: "/merchants/" + l0id, Token: admin, Body: map[string]any{"onboardingKey": "X", "name": "Bánh Mì Phượng"}})
		if m := get(e, 200, admin, "/merchants/"+l0id).Map(t); m["onboardingKey"] != commerce.SellerRegisteredKey {
			t.Fatalf("onboarding key after a PATCH: %v", m["onboardingKey"])
		}
		// A third event for organizer 700, handled directly (as a redelivery would be), changes nothing.
		res, err := e.App.Commerce.Onboard(ctx, commerce.OnboardInput{OrganizerID: 700, Name: "Khác", Key: commerce.SellerRegisteredKey})
		if err != nil || res.Created || res.Merchant.Name != "Bánh Mì Phượng" || len(res.Categories) != 6 || len(res.SaleChannels) != 3 {
			t.Fatalf("repeat onboarding: %+v %v", res, err)
		}
		if n := count(t, e, `SELECT count(*) FROM merchants WHERE organizer_id = 700`); n != 1 {
			t.Fatalf("%d merchants for organizer 700", n)
		}
	})
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
