package signal_test

import (
	"encoding/json"
	"net/http"
	"os"
	"testing"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/platform/clock"
	"github.com/banapos/bana/internal/platform/db/dbtest"
	"github.com/banapos/bana/internal/signal"
	"github.com/redis/go-redis/v9"
)

// TestREST drives /socket/websocket/clients: status without auth, a tenant's list, sends and
// disconnect confined to its own clients, an admin's reach over all.
func TestREST(t *testing.T) {
	each(t, nil, func(t *testing.T, e *apptest.Env, _ *clock.Fake) {
		orgA, orgB := e.App.IDs.Next(), e.App.IDs.Next()
		ownerA, ownerB := e.OwnerToken(orgA), e.OwnerToken(orgB)
		a, b := dial(t, e, ownerA), dial(t, e, ownerB)
		base := "/socket/websocket/clients"

		var st signal.Status
		e.Must(http.StatusOK, apptest.Request{Method: "GET", Path: base + "/status"}).JSON(t, &st)
		if !st.Ready || st.Clients != 2 {
			t.Fatalf("status %+v", st)
		}
		var list []signal.Info
		e.Must(http.StatusOK, apptest.Request{Method: "GET", Path: base, Token: ownerA}).JSON(t, &list)
		if len(list) != 1 || list[0].ID != a.Welcome.ClientID || list[0].OrganizerID != orgA {
			t.Fatalf("owner A lists %+v", list)
		}
		e.Must(http.StatusOK, apptest.Request{Method: "GET", Path: base, Token: e.AdminToken()}).JSON(t, &list)
		if len(list) != 2 {
			t.Fatalf("admin lists %d", len(list))
		}
		e.Must(http.StatusUnauthorized, apptest.Request{Method: "GET", Path: base})
		e.Must(http.StatusForbidden, apptest.Request{Method: "GET", Path: base, Token: e.EmployeeToken(orgA, nil)})

		msg := map[string]any{"topic": "note", "data": map[string]any{"text": "Bàn 5 gọi thêm"}}
		// A tenant's broadcast reaches its own clients only: b gets the admin's next, not A's.
		e.Must(http.StatusAccepted, apptest.Request{Method: "POST", Path: base + "/broadcast", Token: ownerA, Body: msg})
		if o := next(t, a); o.Topic != "note" || o.Room != "" || string(o.Data) != `{"text":"Bàn 5 gọi thêm"}` {
			t.Fatalf("a got %+v", o)
		}
		e.Must(http.StatusAccepted, apptest.Request{Method: "POST", Path: base + "/broadcast", Token: e.AdminToken(),
			Body: map[string]any{"topic": "maintenance"}})
		if o := next(t, b); o.Topic != "maintenance" {
			t.Fatalf("b got %+v", o)
		}
		next(t, a)

		e.Must(http.StatusNotFound, apptest.Request{Method: "POST", Path: base + "/" + b.Welcome.ClientID + "/send", Token: ownerA, Body: msg})
		e.Must(http.StatusNotFound, apptest.Request{Method: "POST", Path: base + "/" + b.Welcome.ClientID + "/disconnect", Token: ownerA})
		e.Must(http.StatusNotFound, apptest.Request{Method: "POST", Path: base + "/00ff/send", Token: ownerA, Body: msg})
		e.Must(http.StatusNotFound, apptest.Request{Method: "POST", Path: base + "/rooms/merchant.1/send", Token: ownerA, Body: msg})
		e.Must(http.StatusBadRequest, apptest.Request{Method: "POST", Path: base + "/rooms/everyone/send", Token: ownerA, Body: msg})
		e.Must(http.StatusBadRequest, apptest.Request{Method: "POST", Path: base + "/" + a.Welcome.ClientID + "/send", Token: ownerA,
			Body: map[string]any{"topic": ""}})

		e.Must(http.StatusAccepted, apptest.Request{Method: "POST", Path: base + "/" + a.Welcome.ClientID + "/send", Token: ownerA, Body: msg})
		if o := next(t, a); o.Topic != "note" {
			t.Fatalf("a got %+v", o)
		}
		e.Must(http.StatusAccepted, apptest.Request{Method: "POST", Path: base + "/" + b.Welcome.ClientID + "/disconnect", Token: e.AdminToken()})
		closedWith(t, b, signal.CloseDisconnected)
	})
}

// TestAcrossProcesses: two servers over one Redis; a client of A receives what is sent
// through B, in a room (numbered once, resumable on either) and directly.
func TestAcrossProcesses(t *testing.T) {
	raw := os.Getenv("BANA_TEST_REDIS_URL")
	if raw == "" {
		t.Skip("BANA_TEST_REDIS_URL not set")
	}
	opt, err := redis.ParseURL(raw)
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := splitHostPort(opt.Addr)
	vars := apptest.Vars{"APP_ENV_PUBSUB_PUBLISHER_REDIS_HOST": host, "APP_ENV_PUBSUB_PUBLISHER_REDIS_PORT": port,
		"APP_ENV_PUBSUB_SUBSCRIBER_REDIS_HOST": host, "APP_ENV_PUBSUB_SUBSCRIBER_REDIS_PORT": port}
	tg := dbtest.Targets(t)
	pa := apptest.Start(t, tg[0], vars)
	pb := apptest.Start(t, dbtest.Targets(t)[0], vars)
	org := pa.App.IDs.Next() + 7 // a fresh organizer and merchant room: Redis outlives the test
	owner := pa.OwnerToken(org)
	c := dial(t, pa, owner)
	room := "user." + c.Welcome.UserID.String()
	join(t, c, room, nil)

	// The hub's subscription to Redis is asynchronous: B's first sends may precede it.
	apptest.Eventually(t, "a message sent through B to reach A's client", func() bool {
		pb.Must(http.StatusAccepted, apptest.Request{Method: "POST", Path: "/socket/websocket/clients/" + c.Welcome.ClientID + "/send",
			Token: owner, Body: map[string]any{"topic": "probe"}})
		o := next(t, c)
		return o.Topic == "probe"
	})
	seq := sendRoom(t, pb, owner, room, "from B")
	o := next(t, c)
	for o.Topic == "probe" { // late probes
		o = next(t, c)
	}
	if o.Room != room || o.Seq != seq || string(o.Data) != `"from B"` {
		t.Fatalf("got %+v, want seq %d", o, seq)
	}
	// Resume on B from before the message: the history is in Redis.
	d := dial(t, pb, owner)
	before := seq - 1
	got := join(t, d, room, &before)
	if len(got) != 2 || got[0].Seq != seq || got[1].Type != signal.TypeJoined {
		t.Fatalf("resume on B: %+v", got)
	}
	// Disconnect through B a client of A.
	pb.Must(http.StatusAccepted, apptest.Request{Method: "POST", Path: "/socket/websocket/clients/" + c.Welcome.ClientID + "/disconnect",
		Token: owner})
	closedWith(t, c, signal.CloseDisconnected)
	_ = json.Valid
}
