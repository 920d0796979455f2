package commerce_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/commerce"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/clock"
	"github.com/banapos/bana/internal/platform/id"
)

func TestDeviceEnrollmentAndRevocation(t *testing.T) {
	// The module's clock is a fake one: a code's expiry is read from it, and moved past.
	apptest.EachWithClock(t, time.Now(), func(t *testing.T, e *apptest.Env, clk *clock.Fake) {
		owner := e.OwnerToken(100)
		mid := onboard(e, owner, "Cà phê Giảng", "")
		other := onboard(e, owner, "Cà phê Giảng 2", "")
		product(e, owner, mid, teaBody(""))
		product(e, owner, other, map[string]any{"name": "Cà phê trứng", "variants": []any{map[string]any{"price": 49000, "sku": "CF-TRUNG"}}})
		term := post(e, 201, owner, "/terminals", map[string]any{"merchantId": mid.String(), "name": "Quầy 1"})

		// Only owners and admins issue codes, for merchants they may act for.
		e.Must(403, apptest.Request{Method: "POST", Path: "/devices/enrollment-codes", Token: e.EmployeeToken(100, []id.ID{mid}, "*"),
			Body: map[string]any{"merchantId": mid.String()}})
		e.Must(400, apptest.Request{Method: "POST", Path: "/devices/enrollment-codes", Token: e.OwnerToken(200), Body: map[string]any{"merchantId": mid.String()}})
		code := post(e, 201, owner, "/devices/enrollment-codes", map[string]any{"merchantId": mid.String(), "name": "POS quầy 1", "terminalId": term["id"]})
		c := code["code"].(string)
		exp, _ := time.Parse(time.RFC3339, code["expiresAt"].(string))
		if len(c) != 8 || strings.ContainsAny(c, "0O1I") || !exp.Equal(clk.Now().Add(commerce.EnrollmentCodeTTL)) || commerce.EnrollmentCodeTTL != 15*time.Minute {
			t.Fatalf("code %v", code)
		}
		if n := count(t, e, `SELECT count(*) FROM device_enrollments WHERE code_hash = ?`, c); n != 0 {
			t.Fatal("the code is stored in clear")
		}

		// The device enrols without credentials, typing the code loosely.
		typed := strings.ToLower(c[:4]) + "-" + c[4:]
		enr := post(e, 201, "", "/devices/enroll", map[string]any{"code": typed, "platform": "android 14", "serial": "SN-001"})
		dev := enr["device"].(map[string]any)
		token := enr["token"].(string)
		if dev["name"] != "POS quầy 1" || dev["merchantId"] != mid.String() || dev["terminalId"] != term["id"] || dev["status"] != "ACTIVE" || dev["kind"] != "POS" || token == "" {
			t.Fatalf("enrolment %v", enr)
		}
		if _, ok := dev["tokenId"]; ok {
			t.Fatal("the token id is shown")
		}
		// A code works once.
		e.Must(401, apptest.Request{Method: "POST", Path: "/devices/enroll", Body: map[string]any{"code": c}})
		e.Must(401, apptest.Request{Method: "POST", Path: "/devices/enroll", Body: map[string]any{"code": "ABCDEFGH"}})

		// The device token reads its merchant's catalog, and only its merchant's.
		p, _, err := e.App.Tokens.Verify(token)
		if err != nil || p.Kind != "device" || p.UserID.String() != dev["id"] || len(p.MerchantIDs) != 1 || p.MerchantIDs[0] != mid {
			t.Fatalf("device principal %+v %v", p, err)
		}
		r := get(e, 200, token, "/products/lookup?code=TS-TC-M").Map(t)
		if r["variant"].(map[string]any)["sku"] != "TS-TC-M" {
			t.Fatalf("device lookup %v", r)
		}
		if l := list(e, token, "/products"); len(l) != 1 {
			t.Fatalf("device sees %d products", len(l))
		}
		get(e, 404, token, "/products/lookup?merchantId="+other.String()+"&code=CF-TRUNG")
		e.Must(403, apptest.Request{Method: "POST", Path: "/products", Token: token, Body: map[string]any{"merchantId": mid.String(), "name": "x", "variants": []any{map[string]any{"price": 1}}}})
		e.Must(403, apptest.Request{Method: "POST", Path: "/devices/enrollment-codes", Token: token, Body: map[string]any{"merchantId": mid.String()}})

		// The owner sees and renames the device; the system fields stay.
		devs := list(e, owner, "/devices")
		if len(devs) != 1 || devs[0]["serial"] != "SN-001" {
			t.Fatalf("devices %v", devs)
		}
		pd := e.Must(200, apptest.Request{Method: "PATCH", Path: "/devices/" + dev["id"].(string), Token: owner,
			Body: map[string]any{"name": "POS quầy chính", "status": "ACTIVE", "permissions": []any{"*"}}}).Map(t)
		if pd["name"] != "POS quầy chính" || len(pd["permissions"].([]any)) != 2 {
			t.Fatalf("patched device %v", pd)
		}
		if got := get(e, 200, owner, "/devices/"+dev["id"].(string)).Map(t); fmt.Sprint(got["permissions"]) != "[catalog.read merchant.read]" || got["status"] != "ACTIVE" {
			t.Fatalf("a PATCH changed the device's permissions or status: %v", got)
		}
		get(e, 200, token, "/products/lookup?code=TS-TC-M") // still enrolled after the rename

		// Revocation makes the token fail at once.
		rv := post(e, 200, owner, "/devices/"+dev["id"].(string)+"/revoke", nil)
		if rv["status"] != "REVOKED" || rv["revokedAt"] == nil {
			t.Fatalf("revoked %v", rv)
		}
		get(e, 401, token, "/products/lookup?code=TS-TC-M")
		if revoked, err := e.App.Commerce.IsRevoked(context.Background(), p); err != nil || !revoked {
			t.Fatalf("IsRevoked = %v %v", revoked, err)
		}
		user := &auth.Principal{UserID: p.UserID, Kind: auth.KindUser, TokenID: "not-a-device-token"}
		if revoked, err := e.App.Commerce.IsRevoked(context.Background(), user); err != nil || revoked {
			t.Fatalf("IsRevoked(other) = %v %v", revoked, err)
		}
		// Owner tokens are unaffected.
		get(e, 200, owner, "/devices/"+dev["id"].(string))

		// A second device, deleted instead of revoked: its token fails too, and it cannot be
		// removed for good while its token lives.
		c2 := post(e, 201, owner, "/devices/enrollment-codes", map[string]any{"merchantId": mid.String(), "kind": "KDS",
			"permissions": []any{"catalog.read", "order.read"}})["code"].(string)
		enr2 := post(e, 201, "", "/devices/enroll", map[string]any{"code": c2, "name": "Màn hình bếp"})
		tok2 := enr2["token"].(string)
		d2 := enr2["device"].(map[string]any)
		if d2["kind"] != "KDS" || len(d2["permissions"].([]any)) != 2 {
			t.Fatalf("second device %v", d2)
		}
		get(e, 200, tok2, "/products")
		e.Must(200, apptest.Request{Method: "DELETE", Path: "/devices/" + d2["id"].(string), Token: owner})
		get(e, 401, tok2, "/products")
		e.Must(409, apptest.Request{Method: "DELETE", Path: "/devices/" + d2["id"].(string) + "?hard=true", Token: e.AdminToken()})

		// An expired code is refused, and stays unused.
		c3 := post(e, 201, owner, "/devices/enrollment-codes", map[string]any{"merchantId": mid.String()})
		clk.Advance(commerce.EnrollmentCodeTTL)
		e.Must(401, apptest.Request{Method: "POST", Path: "/devices/enroll", Body: map[string]any{"code": c3["code"]}})
		if n := count(t, e, `SELECT count(*) FROM device_enrollments WHERE id = ? AND used_at IS NULL`, mustID(t, c3["id"])); n != 1 {
			t.Fatal("an expired code was consumed")
		}
		// A permission the issuer does not hold cannot be granted.
		e.Must(400, apptest.Request{Method: "POST", Path: "/devices/enrollment-codes",
			Token: e.OwnerToken(100, "device.write", "catalog.read"),
			Body:  map[string]any{"merchantId": mid.String(), "permissions": []any{"catalog.write"}}})

		// Deleting the merchant revokes its devices.
		c4 := post(e, 201, owner, "/devices/enrollment-codes", map[string]any{"merchantId": other.String()})["code"].(string)
		tok4 := post(e, 201, "", "/devices/enroll", map[string]any{"code": c4})["token"].(string)
		get(e, 200, tok4, "/products")
		e.Must(200, apptest.Request{Method: "DELETE", Path: "/merchants/" + other.String(), Token: owner})
		get(e, 401, tok4, "/products")
	})
}
