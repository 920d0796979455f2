package webhook_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/clock"
	"github.com/banapos/bana/internal/platform/events"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/webhook"
)

func count(t *testing.T, e *apptest.Env, token, path, where string) int {
	t.Helper()
	var c struct{ Count int }
	e.Must(200, apptest.Request{Method: "GET", Path: path + "/count?where=" + q(where), Token: token}).JSON(t, &c)
	return c.Count
}

func config(t *testing.T, e *apptest.Env, token, cid string) map[string]any {
	t.Helper()
	return e.Must(200, apptest.Request{Method: "GET", Path: "/webhook-configs/" + cid, Token: token}).Map(t)
}

// The breaker opens after five failures in a row; while it is open nothing is sent and no
// delivery spends an attempt; when its cooldown ends one probe goes: a failed probe opens it
// again for twice as long, a successful one closes it and the rest follow.
func TestCircuitBreaker(t *testing.T) {
	eachWithClock(t, func(t *testing.T, e *apptest.Env, clk *clock.Fake) {
		const org = 4201
		mer := e.Merchant(org)
		owner := e.OwnerToken(org)
		var healthy atomic.Bool
		r := newReceiver(t, clk, func(time.Time) int {
			if healthy.Load() {
				return 200
			}
			return 500
		})
		cid := endpoint(t, e, owner, r, nil)["id"].(string)
		// Ten orders, one event each: ten lanes that do not wait for each other.
		for range 10 {
			publish(t, e, orderStep(org, mer, e.App.IDs.Next(), "order.created"))
		}
		// The first attempts (a delivery waits a second while an event published before it is
		// still coming in from the bus).
		var c map[string]any
		for range 5 {
			settle(t, e)
			if c = config(t, e, owner, cid); c["breakerState"] == "OPEN" {
				break
			}
			clk.Advance(1100 * time.Millisecond)
			e.RunScheduledJobs(webhook.QueueDispatch, "")
		}
		sent := r.callCount()
		if c["breakerState"] != "OPEN" || num(c["consecutiveFailures"]) < webhook.BreakerThreshold || sent < webhook.BreakerThreshold || sent > 10 {
			t.Fatalf("after the first attempts: %d calls, endpoint %v", sent, c)
		}
		until, _ := time.Parse(time.RFC3339Nano, c["breakerUntil"].(string))
		// The retries come due (5 s) while it is open: none is sent, none spends an attempt.
		clk.Advance(6 * time.Second)
		e.RunScheduledJobs(webhook.QueueDispatch, "")
		settle(t, e)
		if r.callCount() != sent {
			t.Fatalf("%d calls while the breaker was open", r.callCount()-sent)
		}
		for _, d := range deliveries(t, e, owner, `{"state":"PENDING"}`) {
			if num(d["attempts"]) > 1 {
				t.Fatalf("a delivery spent an attempt while the breaker was open: %v", d)
			}
		}
		// The cooldown ends: exactly one probe; it fails and the breaker opens again, for 2 min.
		clk.Set(until.Add(7 * time.Second))
		e.RunScheduledJobs(webhook.QueueDispatch, "")
		settle(t, e)
		c = config(t, e, owner, cid)
		if r.callCount() != sent+1 || c["breakerState"] != "OPEN" || num(c["breakerTrips"]) != 2 {
			t.Fatalf("after the probe: %d calls (want %d), endpoint %v", r.callCount(), sent+1, c)
		}
		until2, _ := time.Parse(time.RFC3339Nano, c["breakerUntil"].(string))
		if d := until2.Sub(clk.Now()); d != 2*time.Minute {
			t.Fatalf("second cooldown %v, want 2m", d)
		}
		// The endpoint recovers: the next probe closes the breaker and every delivery follows.
		healthy.Store(true)
		drive(t, e, clk, owner, 100)
		c = config(t, e, owner, cid)
		if c["breakerState"] != "CLOSED" || num(c["consecutiveFailures"]) != 0 || num(c["breakerTrips"]) != 0 || c["failingSince"] != nil {
			t.Fatalf("after recovery: %v", c)
		}
		if n := len(deliveries(t, e, owner, `{"state":"SUCCEEDED"}`)); n != 10 || len(r.messages()) != 10 {
			t.Fatalf("%d SUCCEEDED, %d messages; want 10", n, len(r.messages()))
		}
	})
}

// An endpoint that fails through a whole retry schedule (more than DisableAfter, a day) is
// disabled and its merchant told; it gets nothing more until enabled again, and then a manual
// redelivery sends the failed message (same webhook-id) from the start of the schedule.
func TestDisableAfterSustainedFailureAndRedeliver(t *testing.T) {
	eachWithClock(t, func(t *testing.T, e *apptest.Env, clk *clock.Fake) {
		const org = 4301
		mer := e.Merchant(org)
		owner := e.OwnerToken(org)
		var healthy atomic.Bool
		r := newReceiver(t, clk, func(time.Time) int {
			if healthy.Load() {
				return 200
			}
			return 502
		})
		cid := endpoint(t, e, owner, r, map[string]any{"merchantId": mer.String(), "eventTypes": []string{"payment.succeeded", "order.paid"}})["id"].(string)
		oid := e.App.IDs.Next()
		publish(t, e, orderStep(org, mer, oid, "order.created")) // not a type it takes
		eid := publish(t, e, events.PaymentSuccess{OrganizerID: org, MerchantID: mer, OrderID: oid, PaymentID: e.App.IDs.Next(),
			Provider: "SYSTEM", Method: "CASH", Amount: 30000, Currency: "VND", PaidAt: t0})
		drive(t, e, clk, owner, 200)

		ds := deliveries(t, e, owner, `{}`)
		if len(ds) != 1 || ds[0]["state"] != "FAILED" || num(ds[0]["attempts"]) != len(webhook.Schedule) || ds[0]["eventType"] != "payment.succeeded" {
			t.Fatalf("deliveries: %v", ds)
		}
		if r.callCount() != len(webhook.Schedule) {
			t.Fatalf("%d calls, want the whole schedule of %d", r.callCount(), len(webhook.Schedule))
		}
		if d := clk.Now().Sub(t0); d < 27*time.Hour || d > 31*time.Hour {
			t.Fatalf("the schedule ended after %s, want about 27.6h", d)
		}
		// The log keeps every attempt with its response.
		var log []map[string]any
		e.Must(200, apptest.Request{Method: "GET", Path: "/webhook-attempts?filter=" + q(`{"where":{"deliveryId":"`+ds[0]["id"].(string)+`"},"order":["attempt ASC"]}`), Token: owner}).JSON(t, &log)
		if len(log) != len(webhook.Schedule) || num(log[0]["statusCode"]) != 502 || log[0]["outcome"] != "FAILED" || !strings.Contains(log[0]["responseBody"].(string), "down (502)") {
			t.Fatalf("attempt log: %v", log)
		}
		c := config(t, e, owner, cid)
		if c["enabled"] != false || !strings.Contains(c["disabledReason"].(string), "failed") || c["disabledAt"] == nil {
			t.Fatalf("endpoint after a day of failures: %v", c)
		}
		var notes []map[string]any
		e.Must(200, apptest.Request{Method: "GET", Path: "/webhook-notifications", Token: owner}).JSON(t, &notes)
		if len(notes) != 1 || notes[0]["kind"] != webhook.NotificationDisabled || notes[0]["configId"] != cid {
			t.Fatalf("notifications: %v", notes)
		}
		// Disabled: a new event makes no delivery; a redelivery is refused.
		publish(t, e, events.PaymentSuccess{OrganizerID: org, MerchantID: mer, OrderID: e.App.IDs.Next(), PaymentID: e.App.IDs.Next(),
			Provider: "SYSTEM", Method: "CASH", Amount: 1000, Currency: "VND", PaidAt: t0})
		settle(t, e)
		if n := count(t, e, owner, "/webhook-deliveries", `{}`); n != 1 {
			t.Fatalf("%d deliveries to a disabled endpoint", n-1)
		}
		did := ds[0]["id"].(string)
		e.Must(409, apptest.Request{Method: "POST", Path: "/webhook-deliveries/" + did + "/redeliver", Token: owner})

		// Enabled again, with a clean breaker; the merchant redelivers the failed message.
		c = e.Must(200, apptest.Request{Method: "PATCH", Path: "/webhook-configs/" + cid, Token: owner, Body: map[string]any{"enabled": true}}).Map(t)
		if c["enabled"] != true || c["disabledReason"] != nil || c["breakerState"] != "CLOSED" || num(c["consecutiveFailures"]) != 0 {
			t.Fatalf("enabled again: %v", c)
		}
		healthy.Store(true)
		key := map[string]string{"Idempotency-Key": "redeliver-1"}
		d := e.Must(202, apptest.Request{Method: "POST", Path: "/webhook-deliveries/" + did + "/redeliver", Token: owner, Headers: key}).Map(t)
		if d["state"] != "PENDING" || num(d["roundAttempts"]) != 0 {
			t.Fatalf("redelivered: %v", d)
		}
		again := e.Do(apptest.Request{Method: "POST", Path: "/webhook-deliveries/" + did + "/redeliver", Token: owner, Headers: key})
		if again.Status != 202 || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("a repeat of the key: %d %v", again.Status, again.Header)
		}
		drive(t, e, clk, owner, 20)
		got := r.messages()
		if len(got) != 1 || got[0].ID != "msg_"+eid.String() || got[0].Type != "payment.succeeded" {
			t.Fatalf("after redelivery the receiver has %v", got)
		}
		if n := count(t, e, owner, "/webhook-attempts", `{"deliveryId":"`+did+`"}`); n != len(webhook.Schedule)+1 {
			t.Fatalf("%d attempts logged, want %d", n, len(webhook.Schedule)+1)
		}
		// A delivered message may be sent again too: the receiver sees the same webhook-id.
		e.Must(202, apptest.Request{Method: "POST", Path: "/webhook-deliveries/" + did + "/redeliver", Token: owner})
		drive(t, e, clk, owner, 20)
		if got := r.messages(); len(got) != 2 || got[1].ID != got[0].ID {
			t.Fatalf("second redelivery: %v", got)
		}
		e.Must(404, apptest.Request{Method: "POST", Path: "/webhook-deliveries/" + e.App.IDs.Next().String() + "/redeliver", Token: owner})
		e.Must(400, apptest.Request{Method: "POST", Path: "/webhook-deliveries/abc/redeliver", Token: owner})
	})
}

// An endpoint that answers 410 Gone is disabled at once (Standard Webhooks).
func TestGoneDisables(t *testing.T) {
	eachWithClock(t, func(t *testing.T, e *apptest.Env, clk *clock.Fake) {
		const org = 4351
		mer := e.Merchant(org)
		owner := e.OwnerToken(org)
		r := newReceiver(t, clk, func(time.Time) int { return 410 })
		cid := endpoint(t, e, owner, r, nil)["id"].(string)
		publish(t, e, orderStep(org, mer, e.App.IDs.Next(), "order.created"))
		settle(t, e)
		c := config(t, e, owner, cid)
		if c["enabled"] != false || !strings.Contains(c["disabledReason"].(string), "410") || r.callCount() != 1 {
			t.Fatalf("after a 410: %d calls, %v", r.callCount(), c)
		}
		if ds := deliveries(t, e, owner, `{}`); len(ds) != 1 || ds[0]["state"] != "FAILED" {
			t.Fatalf("deliveries: %v", ds)
		}
	})
}

// Endpoints, deliveries, attempts and notifications are confined to their organizer and, for an
// employee, to its merchants; the secret is returned only at creation and rotation, and sealed
// at rest.
func TestConfigsSecretsAndTenants(t *testing.T) {
	eachWithClock(t, func(t *testing.T, e *apptest.Env, clk *clock.Fake) {
		const orgA, orgB = 4401, 4402
		m1, m2 := e.Merchant(orgA), e.Merchant(orgA)
		mb := e.Merchant(orgB)
		ownerA, ownerB := e.OwnerToken(orgA), e.OwnerToken(orgB)
		clerk := e.EmployeeToken(orgA, []id.ID{m1}, "webhook.read")
		r := newReceiver(t, clk, func(time.Time) int { return 200 })
		rb := newReceiver(t, clk, func(time.Time) int { return 200 })
		all := endpoint(t, e, ownerA, r, map[string]any{"name": "ERP"})
		cid := all["id"].(string)
		if all["organizerId"] != "4401" || all["enabled"] != true || all["breakerState"] != "CLOSED" {
			t.Fatalf("created: %v", all)
		}
		endpoint(t, e, ownerB, rb, nil)

		// The secret: returned once, sealed at rest, never read back.
		secret := all["secret"].(string)
		got := config(t, e, ownerA, cid)
		if _, has := got["secret"]; has {
			t.Fatalf("GET returns the secret: %v", got)
		}
		var stored string
		if err := e.App.DB.R.QueryRowContext(t.Context(), "SELECT secret_sealed FROM webhook_configs WHERE id = "+cid).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stored, strings.TrimPrefix(secret, "whsec_")) || !strings.HasPrefix(stored, "sealed:v1:") {
			t.Fatalf("stored secret is not sealed: %s", stored)
		}
		for _, body := range []map[string]any{{"secret": webhook.NewSecret()}, {"organizerId": "4402", "secret": "x"}} {
			if bad := e.Must(400, apptest.Request{Method: "PATCH", Path: "/webhook-configs/" + cid, Token: ownerA, Body: body}); !strings.Contains(string(bad.Body), "secret") {
				t.Fatalf("PATCH secret: %s", bad.Body)
			}
		}
		// A client may bring its own secret (24 to 64 bytes, whsec_).
		own := webhook.NewSecret()
		r2 := newReceiver(t, clk, func(time.Time) int { return 200 })
		r2.secrets = []string{own}
		mine := e.Must(201, apptest.Request{Method: "POST", Path: "/webhook-configs", Token: ownerA,
			Body: map[string]any{"url": r2.srv.URL + "/own", "secret": own, "merchantId": m2.String(), "eventTypes": []string{"order.paid"}}}).Map(t)
		if mine["secret"] != own {
			t.Fatalf("own secret: %v", mine)
		}
		for _, body := range []map[string]any{
			{"url": r.srv.URL, "secret": "whsec_short"},
			{"url": r.srv.URL, "eventTypes": []string{"order.exploded"}},
			{"url": "ftp://example.vn/x"},
			{"url": r.srv.URL, "merchantId": mb.String()},
		} {
			e.Must(400, apptest.Request{Method: "POST", Path: "/webhook-configs", Token: ownerA, Body: body})
		}

		// Rotation: a new secret once; both sign during the grace period.
		rot := e.Must(200, apptest.Request{Method: "POST", Path: "/webhook-configs/" + cid + "/rotate-secret", Token: ownerA}).Map(t)
		newSecret, _ := rot["secret"].(string)
		if !strings.HasPrefix(newSecret, "whsec_") || newSecret == secret || rot["previousSecretUntil"] == nil {
			t.Fatalf("rotated: %v", rot)
		}
		r.mu.Lock()
		r.secrets = []string{newSecret, secret}
		r.mu.Unlock()

		o1, o2, ob := e.App.IDs.Next(), e.App.IDs.Next(), e.App.IDs.Next()
		publish(t, e, orderStep(orgA, m1, o1, "order.created"))
		publish(t, e, orderStep(orgA, m2, o2, "order.paid"))
		publish(t, e, orderStep(orgB, mb, ob, "order.created"))
		drive(t, e, clk, ownerA, 20)
		drive(t, e, clk, ownerB, 20)
		msgs := r.messages()
		if len(msgs) != 2 { // m1's created and m2's paid, to the organizer-wide endpoint
			t.Fatalf("A's receiver: %v", msgs)
		}
		if got := r2.messages(); len(got) != 1 || got[0].Type != "order.paid" { // m2's paid, to m2's own
			t.Fatalf("m2's receiver: %v", got)
		}
		for _, m := range msgs {
			if m.Sigs != 2 {
				t.Fatalf("during the grace period a message verifies with %d of the two secrets: %v", m.Sigs, m)
			}
		}
		if len(rb.messages()) != 1 {
			t.Fatalf("B's receiver: %v", rb.messages())
		}
		// After the grace period only the new secret signs.
		clk.Advance(25 * time.Hour)
		publish(t, e, orderStep(orgA, m1, o1, "order.paid"))
		drive(t, e, clk, ownerA, 20)
		if msgs = r.messages(); len(msgs) != 3 || msgs[2].Sigs != 1 {
			t.Fatalf("after the grace period: %v", msgs)
		}

		// Tenants: B sees none of A's rows; the clerk of m1 sees m1's deliveries and the
		// organizer-wide endpoint, not m2's.
		for _, path := range []string{"/webhook-configs", "/webhook-deliveries", "/webhook-attempts"} {
			if n := count(t, e, ownerB, path, `{}`); n != 1 {
				t.Errorf("B counts %d on %s, want 1", n, path)
			}
		}
		e.Must(404, apptest.Request{Method: "GET", Path: "/webhook-configs/" + cid, Token: ownerB})
		e.Must(404, apptest.Request{Method: "PATCH", Path: "/webhook-configs/" + cid, Token: ownerB, Body: map[string]any{"name": "mine"}})
		e.Must(404, apptest.Request{Method: "DELETE", Path: "/webhook-configs/" + cid, Token: ownerB})
		e.Must(404, apptest.Request{Method: "POST", Path: "/webhook-configs/" + cid + "/rotate-secret", Token: ownerB})
		dA := deliveries(t, e, ownerA, `{"merchantId":"`+m1.String()+`"}`)
		e.Must(404, apptest.Request{Method: "POST", Path: "/webhook-deliveries/" + dA[0]["id"].(string) + "/redeliver", Token: ownerB})
		e.Must(404, apptest.Request{Method: "GET", Path: "/webhook-deliveries/" + dA[0]["id"].(string), Token: ownerB})
		if n := count(t, e, clerk, "/webhook-deliveries", `{}`); n != 2 {
			t.Errorf("the clerk of m1 counts %d deliveries, want m1's 2", n)
		}
		if n := count(t, e, clerk, "/webhook-configs", `{}`); n != 1 {
			t.Errorf("the clerk of m1 counts %d endpoints, want the organizer-wide one", n)
		}
		e.Must(403, apptest.Request{Method: "POST", Path: "/webhook-deliveries/" + dA[0]["id"].(string) + "/redeliver", Token: clerk})
		e.Must(403, apptest.Request{Method: "POST", Path: "/webhook-configs", Token: clerk, Body: map[string]any{"url": r.srv.URL}})
		e.Must(401, apptest.Request{Method: "GET", Path: "/webhook-configs"})
		types := e.Must(200, apptest.Request{Method: "GET", Path: "/webhook-event-types", Token: clerk}).Map(t)
		if len(types["eventTypes"].([]any)) != len(webhook.EventTypes) {
			t.Fatalf("event types: %v", types)
		}
		// Code without a caller reaches no endpoint.
		if _, err := e.App.Webhook.RotateSecret(context.Background(), id.ID(0)); err == nil {
			t.Fatal("RotateSecret without a caller")
		}
		if _, err := e.App.Webhook.Redeliver(context.Background(), id.ID(1)); !errors.Is(err, auth.ErrNoPrincipal) {
			t.Fatalf("Redeliver without a caller: %v", err)
		}
	})
}

// Without APP_ENV_WEBHOOK_ALLOW_PRIVATE an endpoint may not name a loopback or private address.
func TestPrivateEndpointsRefused(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		owner := e.OwnerToken(4501)
		for _, u := range []string{"http://127.0.0.1:8080/x", "http://[::1]/x", "http://10.0.0.7/x", "http://169.254.169.254/latest", "http://localhost/x", "http://192.168.1.10/x"} {
			bad := e.Must(400, apptest.Request{Method: "POST", Path: "/webhook-configs", Token: owner, Body: map[string]any{"url": u}})
			if !strings.Contains(string(bad.Body), "body.url") {
				t.Fatalf("%s: %s", u, bad.Body)
			}
		}
		e.Must(201, apptest.Request{Method: "POST", Path: "/webhook-configs", Token: owner, Body: map[string]any{"url": "https://hooks.example.vn/bana"}})
	})
}
