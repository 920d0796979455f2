package webhook_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/platform/clock"
	"github.com/banapos/bana/internal/platform/db/dbtest"
	"github.com/banapos/bana/internal/platform/events"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/webhook"
)

func q(s string) string { return url.QueryEscape(s) }

// t0 is the fake clock's start.
var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

// eachWithClock runs f on every database, the server on a fake clock and allowed to reach this
// machine's receivers (APP_ENV_WEBHOOK_ALLOW_PRIVATE, as for local development).
func eachWithClock(t *testing.T, f func(t *testing.T, e *apptest.Env, clk *clock.Fake)) {
	for _, tg := range dbtest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			clk := clock.NewFake(t0)
			f(t, apptest.StartWithClock(t, tg, apptest.Vars{"APP_ENV_WEBHOOK_ALLOW_PRIVATE": "true"}, clk), clk)
		})
	}
}

// message is one request a receiver accepted.
type message struct {
	ID, Type string
	OrderID  string
	Sigs     int
}

// receiver is a merchant's endpoint: it answers with status(now) on the fake clock and, when
// that is 2xx, checks the message with the Standard Webhooks algorithm written here from the
// specification (HMAC-SHA256 of "id.timestamp.body" under the base64 key after whsec_, any of
// the space-separated v1 signatures, the timestamp within five minutes of the clock).
type receiver struct {
	t       testing.TB
	clk     clock.Clock
	srv     *httptest.Server
	mu      sync.Mutex
	secrets []string
	status  func(now time.Time) int
	got     []message
	bad     []string
	calls   int
}

func newReceiver(t testing.TB, clk clock.Clock, status func(time.Time) int) *receiver {
	r := &receiver{t: t, clk: clk, status: status}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	st := r.status(r.clk.Now())
	if st < 200 || st > 299 {
		w.WriteHeader(st)
		fmt.Fprintf(w, "down (%d)", st)
		return
	}
	msgID, ts, sigs := req.Header.Get("webhook-id"), req.Header.Get("webhook-timestamp"), req.Header.Get("webhook-signature")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || r.clk.Now().Sub(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		r.bad = append(r.bad, "timestamp "+ts)
		w.WriteHeader(400)
		return
	}
	verified := 0
	for _, s := range r.secrets {
		if verifyStandard(s, msgID, ts, sigs, body) {
			verified++
		}
	}
	if verified == 0 {
		r.bad = append(r.bad, "signature of "+msgID)
		w.WriteHeader(401)
		return
	}
	var env struct {
		Type      string          `json:"type"`
		Timestamp time.Time       `json:"timestamp"`
		Data      json.RawMessage `json:"data"`
	}
	var data struct {
		OrderID string `json:"orderId"`
	}
	if json.Unmarshal(body, &env) != nil || json.Unmarshal(env.Data, &data) != nil || env.Type == "" || env.Timestamp.IsZero() {
		r.bad = append(r.bad, "payload "+string(body))
		w.WriteHeader(400)
		return
	}
	r.got = append(r.got, message{ID: msgID, Type: env.Type, OrderID: data.OrderID, Sigs: verified})
	w.WriteHeader(204)
}

func verifyStandard(secret, msgID, ts, header string, body []byte) bool {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil || !strings.HasPrefix(secret, "whsec_") {
		return false
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(msgID + "." + ts + "." + string(body)))
	want := mac.Sum(nil)
	for _, sig := range strings.Fields(header) {
		v, b64, ok := strings.Cut(sig, ",")
		got, err := base64.StdEncoding.DecodeString(b64)
		if ok && v == "v1" && err == nil && hmac.Equal(got, want) {
			return true
		}
	}
	return false
}

func (r *receiver) messages() []message {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.bad) > 0 {
		r.t.Fatalf("the receiver refused messages: %v", r.bad)
	}
	return append([]message(nil), r.got...)
}

func (r *receiver) callCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls
}

// endpoint registers the receiver for the owner and returns the config as created.
func endpoint(t *testing.T, e *apptest.Env, owner string, r *receiver, body map[string]any) map[string]any {
	t.Helper()
	if body == nil {
		body = map[string]any{}
	}
	body["url"] = r.srv.URL + "/hooks"
	c := e.Must(201, apptest.Request{Method: "POST", Path: "/webhook-configs", Token: owner, Body: body}).Map(t)
	s, _ := c["secret"].(string)
	if !strings.HasPrefix(s, "whsec_") {
		t.Fatalf("created without a secret: %v", c)
	}
	r.mu.Lock()
	r.secrets = append(r.secrets, s)
	r.mu.Unlock()
	return c
}

// settle waits until neither webhook queue has a job to work now.
func settle(t *testing.T, e *apptest.Env) {
	t.Helper()
	ctx := context.Background()
	apptest.Eventually(t, "the webhook queues to settle", func() bool {
		for _, queue := range []string{webhook.Queue, webhook.QueueDispatch, "events"} {
			for _, st := range []string{"available", "running", "retryable"} {
				jobs, err := e.App.Jobs.List(ctx, queue, st, "", 1)
				if err != nil {
					t.Fatal(err)
				}
				if len(jobs) > 0 && jobs[0].Kind != "webhook.sweep" {
					return false
				}
			}
		}
		return true
	})
}

// deliveries lists the owner's deliveries matching where.
func deliveries(t *testing.T, e *apptest.Env, owner, where string) []map[string]any {
	t.Helper()
	var out []map[string]any
	e.Must(200, apptest.Request{Method: "GET", Path: "/webhook-deliveries?filter=" + q(`{"where":`+where+`,"order":["nextAttemptAt ASC"],"limit":1000}`), Token: owner}).JSON(t, &out)
	return out
}

// drive moves the fake clock from one due attempt to the next, running the attempts due at
// each step, until every delivery of the owner is SUCCEEDED or FAILED (or the steps run out).
func drive(t *testing.T, e *apptest.Env, clk *clock.Fake, owner string, steps int) {
	t.Helper()
	for range steps {
		settle(t, e)
		pending := deliveries(t, e, owner, `{"state":{"inq":["PENDING","WAITING"]}}`)
		if len(pending) == 0 {
			return
		}
		var next time.Time
		for _, d := range pending {
			if s, ok := d["nextAttemptAt"].(string); ok {
				at, _ := time.Parse(time.RFC3339Nano, s)
				if next.IsZero() || at.Before(next) {
					next = at
				}
			}
		}
		if next.IsZero() {
			t.Fatalf("deliveries wait with nothing due: %v", pending)
		}
		if next.After(clk.Now()) {
			clk.Set(next)
		}
		e.RunScheduledJobs(webhook.QueueDispatch, "")
	}
	t.Fatalf("deliveries still open after %d steps", steps)
}

func publish(t *testing.T, e *apptest.Env, ev events.Event) id.ID {
	t.Helper()
	eid, err := e.App.Events.Publish(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	return eid
}

func orderStep(org, mer, order id.ID, step string) events.OrderChanged {
	return events.OrderChanged{OrganizerID: org, MerchantID: mer, OrderID: order, Type: step, Status: "PROCESSING", Total: 55000, Currency: "VND", ChangedAt: t0}
}

func num(v any) int {
	f, _ := v.(float64)
	return int(f)
}

// A merchant's endpoint is down for an hour (on the fake clock) while orders go through their
// steps; afterwards it has every event, once verified with the Standard Webhooks algorithm, each
// order's events in the order they happened, though the retries of different orders interleave
// and the breaker held most attempts back.
func TestEndpointDownForAnHourGetsEverythingInOrder(t *testing.T) {
	eachWithClock(t, func(t *testing.T, e *apptest.Env, clk *clock.Fake) {
		const org = 4101
		mer := e.Merchant(org)
		owner := e.OwnerToken(org)
		back := t0.Add(time.Hour)
		r := newReceiver(t, clk, func(now time.Time) int {
			if now.Before(back) {
				return 503
			}
			return 200
		})
		endpoint(t, e, owner, r, nil)

		const orders = 4
		steps := []string{"order.created", "order.paid", "order.completed"}
		want := map[string][]string{} // order -> webhook-ids in publish order
		for i := range orders {
			oid := e.App.IDs.Next()
			for j, s := range steps {
				eid := publish(t, e, orderStep(org, mer, oid, s))
				want[oid.String()] = append(want[oid.String()], "msg_"+eid.String())
				if j == 1 {
					eid = publish(t, e, events.PaymentSuccess{OrganizerID: org, MerchantID: mer, OrderID: oid, PaymentID: e.App.IDs.Next(),
						Provider: "SYSTEM", Method: "CASH", Amount: 55000, Currency: "VND", PaidAt: t0})
					want[oid.String()] = append(want[oid.String()], "msg_"+eid.String())
				}
			}
			clk.Advance(time.Duration(i) * time.Second)
		}
		drive(t, e, clk, owner, 300)

		if clk.Now().Before(back) {
			t.Fatalf("done at %s, before the endpoint came back", clk.Now())
		}
		got := r.messages()
		byOrder := map[string][]string{}
		seen := map[string]bool{}
		for _, m := range got {
			if seen[m.ID] {
				continue // at least once: a repeat carries the same webhook-id
			}
			seen[m.ID] = true
			byOrder[m.OrderID] = append(byOrder[m.OrderID], m.ID)
		}
		if len(byOrder) != orders {
			t.Fatalf("messages of %d orders, want %d: %v", len(byOrder), orders, byOrder)
		}
		for oid, ids := range want {
			if strings.Join(byOrder[oid], " ") != strings.Join(ids, " ") {
				t.Errorf("order %s: got %v, want %v", oid, byOrder[oid], ids)
			}
		}
		if n := len(deliveries(t, e, owner, `{"state":"SUCCEEDED"}`)); n != orders*(len(steps)+1) {
			t.Errorf("%d deliveries SUCCEEDED, want %d", n, orders*(len(steps)+1))
		}
		// The breaker held attempts back: far fewer calls than a full schedule per delivery.
		var cfgs []map[string]any
		e.Must(200, apptest.Request{Method: "GET", Path: "/webhook-configs", Token: owner}).JSON(t, &cfgs)
		if len(cfgs) != 1 || cfgs[0]["breakerState"] != "CLOSED" || num(cfgs[0]["consecutiveFailures"]) != 0 || cfgs[0]["enabled"] != true {
			t.Errorf("endpoint after the outage: %v", cfgs)
		}
		var attempts struct{ Count int }
		e.Must(200, apptest.Request{Method: "GET", Path: "/webhook-attempts/count?where=" + q(`{"outcome":"FAILED"}`), Token: owner}).JSON(t, &attempts)
		t.Logf("finished at +%s; %d receiver calls, %d failed attempts, %d messages", clk.Now().Sub(t0), r.callCount(), attempts.Count, len(got))
		if attempts.Count > 30 {
			t.Errorf("%d failed attempts in an hour's outage: the breaker did not hold them back", attempts.Count)
		}
	})
}
