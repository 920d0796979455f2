package configuration_test

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/configuration"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
)

func q(s string) string { return url.QueryEscape(s) }

// fresh empties a slice before a decode, so rows of an earlier response cannot leak into it.
func fresh(l *[]map[string]any) *[]map[string]any { *l = nil; return l }

func TestConfigurationCRUD(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.AdminToken()
		ownerA := e.OwnerToken(100)
		ownerB := e.OwnerToken(200)
		m11 := e.Merchant(100)
		clerk := e.EmployeeToken(100, []id.ID{m11}, "configuration.read")

		// Create as owner A: the organizer comes from the token, whatever the body says.
		r := e.Must(201, apptest.Request{Method: "POST", Path: "/configurations", Token: ownerA,
			Body: map[string]any{"code": "SHOP.OPEN_HOUR", "dataType": "NUMBER", "value": 7, "organizerId": "999"}})
		row := r.Map(t)
		if row["organizerId"] != "100" || row["value"].(float64) != 7 {
			t.Fatalf("created row: %v", row)
		}
		cid := row["id"].(string)
		for i, code := range []string{"SHOP.NAME", "SHOP.VAT", "SHOP.TAKEAWAY"} {
			body := map[string]any{"code": code, "dataType": "TEXT", "value": fmt.Sprintf("v%d", i), "merchantId": m11.String()}
			e.Must(201, apptest.Request{Method: "POST", Path: "/configurations", Token: ownerA, Body: body})
		}
		e.Must(201, apptest.Request{Method: "POST", Path: "/configurations", Token: ownerB,
			Body: map[string]any{"code": "SHOP.NAME", "dataType": "TEXT", "value": "B"}})

		// Duplicate code in the same scope: 409.
		e.Must(409, apptest.Request{Method: "POST", Path: "/configurations", Token: ownerA,
			Body: map[string]any{"code": "SHOP.OPEN_HOUR", "dataType": "NUMBER", "value": 8}})
		// Wrong value type: 400 naming the field.
		bad := e.Must(400, apptest.Request{Method: "POST", Path: "/configurations", Token: ownerA,
			Body: map[string]any{"code": "X", "dataType": "BOOLEAN", "value": "yes"}})
		if !strings.Contains(string(bad.Body), "body.value") {
			t.Fatalf("error does not name body.value: %s", bad.Body)
		}

		// Tenant isolation: B sees only its own; A's row is 404 for B.
		var list []map[string]any
		e.Must(200, apptest.Request{Method: "GET", Path: "/configurations?filter=" + q(`{"limit":100}`), Token: ownerB}).JSON(t, fresh(&list))
		if len(list) != 1 || list[0]["value"] != "B" {
			t.Fatalf("B sees %v", list)
		}
		e.Must(404, apptest.Request{Method: "GET", Path: "/configurations/" + cid, Token: ownerB})
		e.Must(404, apptest.Request{Method: "PATCH", Path: "/configurations/" + cid, Token: ownerB, Body: map[string]any{"value": 9}})
		e.Must(404, apptest.Request{Method: "DELETE", Path: "/configurations/" + cid, Token: ownerB})
		// The employee of merchant m11 sees its rows and organizer-wide rows of 100.
		e.Must(200, apptest.Request{Method: "GET", Path: "/configurations/count", Token: clerk}).JSON(t, &map[string]any{})
		var cnt struct{ Count int }
		e.Must(200, apptest.Request{Method: "GET", Path: "/configurations/count", Token: clerk}).JSON(t, &cnt)
		if cnt.Count != 4 {
			t.Fatalf("clerk count = %d, want 4", cnt.Count)
		}
		// ... and may not write.
		e.Must(403, apptest.Request{Method: "POST", Path: "/configurations", Token: clerk,
			Body: map[string]any{"code": "Y", "dataType": "TEXT", "value": "y"}})
		// The admin sees all five (of these two organizers: modules seed templates of their own,
		// such as payment's provider settings, under organizer 0).
		e.Must(200, apptest.Request{Method: "GET", Path: "/configurations/count?where=" + q(`{"organizerId":{"inq":["100","200"]}}`), Token: admin}).JSON(t, &cnt)
		if cnt.Count != 5 {
			t.Fatalf("admin count = %d, want 5", cnt.Count)
		}

		// Filters, order, fields, limit/skip.
		f := `{"where":{"code":{"startsWith":"SHOP."},"dataType":"TEXT"},"order":["code ASC"],"fields":["code","value"],"limit":2,"skip":1}`
		e.Must(200, apptest.Request{Method: "GET", Path: "/configurations?filter=" + q(f), Token: ownerA}).JSON(t, fresh(&list))
		if len(list) != 2 || list[0]["code"] != "SHOP.TAKEAWAY" || list[1]["code"] != "SHOP.VAT" || len(list[0]) != 2 {
			t.Fatalf("filtered list: %v", list)
		}
		f = `{"where":{"or":[{"code":"SHOP.NAME"},{"dataType":{"inq":["NUMBER"]}}]},"order":"code DESC"}`
		e.Must(200, apptest.Request{Method: "GET", Path: "/configurations?filter=" + q(f), Token: ownerA}).JSON(t, fresh(&list))
		if len(list) != 2 || list[0]["code"] != "SHOP.OPEN_HOUR" {
			t.Fatalf("or list: %v", list)
		}
		one := e.Must(200, apptest.Request{Method: "GET", Path: "/configurations/find-one?filter=" + q(`{"where":{"code":{"endsWith":"VAT"}}}`), Token: ownerA}).Map(t)
		if one["code"] != "SHOP.VAT" {
			t.Fatalf("find-one: %v", one)
		}
		e.Must(404, apptest.Request{Method: "GET", Path: "/configurations/find-one?filter=" + q(`{"where":{"code":"NOPE"}}`), Token: ownerA})

		// Bad filters: 400 naming the problem, never a 500.
		for _, bf := range []string{`{"where":{"nope":1}}`, `{"where":{"code":{"gtx":1}}}`, `{"where":{"createdAt":{"gt":"yesterday"}}}`,
			`{"limit":5000}`, `{"order":["code SIDEWAYS"]}`, `{not json`, `{"fields":["secret"]}`, `{"include":["owner"]}`} {
			r := e.Must(400, apptest.Request{Method: "GET", Path: "/configurations?filter=" + q(bf), Token: ownerA})
			if !strings.Contains(string(r.Body), "query.filter") {
				t.Fatalf("%s: error does not name the filter: %s", bf, r.Body)
			}
		}

		// PATCH changes only what it names; read-only fields stay.
		p := e.Must(200, apptest.Request{Method: "PATCH", Path: "/configurations/" + cid, Token: ownerA,
			Body: map[string]any{"value": 8, "description": "opening hour", "organizerId": "200"}}).Map(t)
		if p["value"].(float64) != 8 || p["description"] != "opening hour" || p["organizerId"] != "100" || p["code"] != "SHOP.OPEN_HOUR" {
			t.Fatalf("patched: %v", p)
		}
		e.Must(400, apptest.Request{Method: "PATCH", Path: "/configurations/" + cid, Token: ownerA, Body: map[string]any{"unknownField": 1}})
		// PUT replaces.
		e.Must(200, apptest.Request{Method: "PUT", Path: "/configurations/" + cid, Token: ownerA,
			Body: map[string]any{"code": "SHOP.OPEN_HOUR", "dataType": "NUMBER", "value": 6}})

		// updateBy and deleteBy refuse an empty where.
		e.Must(400, apptest.Request{Method: "PATCH", Path: "/configurations", Token: ownerA, Body: map[string]any{"group": "X"}})
		e.Must(400, apptest.Request{Method: "DELETE", Path: "/configurations", Token: ownerA})
		e.Must(200, apptest.Request{Method: "PATCH", Path: "/configurations?where=" + q(`{"dataType":"TEXT"}`), Token: ownerA,
			Body: map[string]any{"group": "SHOP"}}).JSON(t, &cnt)
		if cnt.Count != 3 {
			t.Fatalf("updateBy count = %d", cnt.Count)
		}

		// Soft delete, restore, hard delete.
		e.Must(200, apptest.Request{Method: "DELETE", Path: "/configurations/" + cid, Token: ownerA})
		e.Must(404, apptest.Request{Method: "GET", Path: "/configurations/" + cid, Token: ownerA})
		e.Must(403, apptest.Request{Method: "GET", Path: "/configurations?deleted=only", Token: ownerA})
		e.Must(200, apptest.Request{Method: "GET", Path: "/configurations?deleted=only", Token: admin}).JSON(t, fresh(&list))
		if len(list) != 1 || list[0]["id"] != cid {
			t.Fatalf("deleted rows: %v", list)
		}
		e.Must(200, apptest.Request{Method: "POST", Path: "/configurations/" + cid + "/restore", Token: ownerA})
		e.Must(200, apptest.Request{Method: "GET", Path: "/configurations/" + cid, Token: ownerA})
		e.Must(403, apptest.Request{Method: "DELETE", Path: "/configurations/" + cid + "?hard=true", Token: ownerA})
		e.Must(200, apptest.Request{Method: "DELETE", Path: "/configurations/" + cid + "?hard=true", Token: admin})
		e.Must(404, apptest.Request{Method: "POST", Path: "/configurations/" + cid + "/restore", Token: admin})
		e.Must(200, apptest.Request{Method: "DELETE", Path: "/configurations?where=" + q(`{"group":"SHOP"}`), Token: ownerA}).JSON(t, &cnt)
		if cnt.Count != 3 {
			t.Fatalf("deleteBy count = %d", cnt.Count)
		}

		// Bad ids and credentials.
		e.Must(400, apptest.Request{Method: "GET", Path: "/configurations/abc", Token: ownerA})
		e.Must(401, apptest.Request{Method: "GET", Path: "/configurations"})
		e.Must(401, apptest.Request{Method: "GET", Path: "/configurations", Token: "not-a-token"})
		e.Must(400, apptest.Request{Method: "POST", Path: "/configurations", Token: ownerA, Body: "{bad json"})
	})
}

func TestSecretsAreSealed(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		owner := e.OwnerToken(100)
		r := e.Must(201, apptest.Request{Method: "POST", Path: "/configurations", Token: owner,
			Body: map[string]any{"code": "PAYMENT.VNPAY_QR_MMS", "group": "PAYMENT", "dataType": "SECRET", "value": "hash-secret-123"}}).Map(t)
		if r["value"] != nil || r["sealed"] != true {
			t.Fatalf("secret returned: %v", r)
		}
		// At rest the value is sealed, not the plaintext.
		var stored string
		if err := e.App.DB.R.QueryRowContext(t.Context(), "SELECT value FROM configurations WHERE code = 'PAYMENT.VNPAY_QR_MMS' AND organizer_id = 100").Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stored, "hash-secret-123") || !strings.Contains(stored, "sealed:v1:") {
			t.Fatalf("stored value is not sealed: %s", stored)
		}
		rev := e.Must(200, apptest.Request{Method: "POST", Path: "/configurations/" + r["id"].(string) + "/reveal", Token: owner}).Map(t)
		if rev["value"] != "hash-secret-123" {
			t.Fatalf("reveal: %v", rev)
		}
		// A PATCH that does not touch the value keeps it openable.
		e.Must(200, apptest.Request{Method: "PATCH", Path: "/configurations/" + r["id"].(string), Token: owner, Body: map[string]any{"description": "VNPAY"}})
		// Code without a caller reads secrets only when it says it acts for the system.
		if _, err := e.App.Configuration.Secret(t.Context(), 100, 11, "PAYMENT.VNPAY_QR_MMS"); !errors.Is(err, auth.ErrNoPrincipal) {
			t.Fatalf("Secret() without a caller: %v, want ErrNoPrincipal", err)
		}
		got, err := e.App.Configuration.Secret(auth.System(t.Context()), 100, 11, "PAYMENT.VNPAY_QR_MMS")
		if err != nil || got != "hash-secret-123" {
			t.Fatalf("Secret() = %q, %v", got, err)
		}
		m11 := e.Merchant(100)
		clerk := e.EmployeeToken(100, []id.ID{m11}, "configuration.read")
		e.Must(403, apptest.Request{Method: "POST", Path: "/configurations/" + r["id"].(string) + "/reveal", Token: clerk})

		// Only a SECRET reveals; a bad id names the path.
		num := e.Must(201, apptest.Request{Method: "POST", Path: "/configurations", Token: owner,
			Body: map[string]any{"code": "SHOP.OPEN_HOUR", "dataType": "NUMBER", "value": 7}}).Map(t)
		e.Must(409, apptest.Request{Method: "POST", Path: "/configurations/" + num["id"].(string) + "/reveal", Token: owner})
		if bad := e.Must(400, apptest.Request{Method: "POST", Path: "/configurations/abc/reveal", Token: owner}); !strings.Contains(string(bad.Body), "path.id") {
			t.Fatalf("a bad id does not name path.id: %s", bad.Body)
		}
	})
}

// An organizer with many merchant-level secrets under one code gets each merchant its own, and
// the organizer's own value for a merchant without one (the lookup once stopped at ten rows).
func TestSecretOfEachMerchant(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		const organizer, merchants = 300, 20
		owner := e.OwnerToken(organizer)
		create := func(merchant id.ID, value string) {
			body := map[string]any{"code": "PAYMENT.VNPAY_HASH_SECRET", "group": "PAYMENT", "dataType": "SECRET", "value": value}
			if merchant != 0 {
				body["merchantId"] = merchant.String()
			}
			e.Must(201, apptest.Request{Method: "POST", Path: "/configurations", Token: owner, Body: body})
		}
		create(0, "organizer-secret")
		mids := make([]id.ID, merchants)
		for i := range mids {
			mids[i] = e.Merchant(organizer)
			create(mids[i], fmt.Sprintf("secret-of-%d", i))
		}
		sys := auth.System(t.Context())
		for i, mid := range mids {
			got, err := e.App.Configuration.Secret(sys, organizer, mid, "PAYMENT.VNPAY_HASH_SECRET")
			if want := fmt.Sprintf("secret-of-%d", i); err != nil || got != want {
				t.Errorf("merchant %d: Secret() = %q, %v; want %q", mid, got, err, want)
			}
		}
		if got, err := e.App.Configuration.Secret(sys, organizer, e.Merchant(organizer), "PAYMENT.VNPAY_HASH_SECRET"); err != nil || got != "organizer-secret" {
			t.Errorf("merchant without its own: Secret() = %q, %v; want the organizer's", got, err)
		}
		if _, err := e.App.Configuration.Secret(sys, organizer+1, mids[0], "PAYMENT.VNPAY_HASH_SECRET"); errs.KindOf(err) != errs.NotFound || !errors.Is(err, configuration.ErrSecretNotFound) {
			t.Errorf("another organizer: %v, want not found", err)
		}
	})
}
