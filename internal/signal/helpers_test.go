package signal_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/clock"
	"github.com/banapos/bana/internal/platform/db/dbtest"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/signal"
	"github.com/coder/websocket"
)

// each runs f on every database with a fake clock at the wall time and extra settings.
func each(t *testing.T, vars apptest.Vars, f func(t *testing.T, e *apptest.Env, clk *clock.Fake)) {
	t.Helper()
	for _, tg := range dbtest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			clk := clock.NewFake(time.Now())
			f(t, apptest.StartWithClock(t, tg, vars, clk), clk)
		})
	}
}

func streamURL(e *apptest.Env) string { return "ws" + strings.TrimPrefix(e.URL, "http") + "/stream" }

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func dial(t *testing.T, e *apptest.Env, token string) *signal.Conn {
	t.Helper()
	c, err := signal.Dial(testCtx(t), streamURL(e), token, http.DefaultClient)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.WS.CloseNow() })
	return c
}

func join(t *testing.T, c *signal.Conn, room string, since *int64) []signal.Outbound {
	t.Helper()
	got, err := c.Join(testCtx(t), room, since)
	if err != nil {
		t.Fatalf("join %s: %v", room, err)
	}
	return got
}

func next(t *testing.T, c *signal.Conn) signal.Outbound {
	t.Helper()
	o, err := c.Next(testCtx(t))
	if err != nil {
		t.Fatalf("next: %v", err)
	}
	return o
}

// closedWith reads until the connection closes and checks its close code.
func closedWith(t *testing.T, c *signal.Conn, want websocket.StatusCode) {
	t.Helper()
	ctx := testCtx(t)
	for {
		_, err := c.Next(ctx)
		if err == nil {
			continue
		}
		var ce websocket.CloseError
		if !errors.As(err, &ce) {
			t.Fatalf("want close %d, got %v", want, err)
		}
		if ce.Code != want {
			t.Fatalf("want close %d, got %d %q", want, ce.Code, ce.Reason)
		}
		return
	}
}

func sendRoom(t *testing.T, e *apptest.Env, token, room string, data any) int64 {
	t.Helper()
	raw, _ := json.Marshal(data)
	res := e.Must(http.StatusAccepted, apptest.Request{Method: http.MethodPost, Path: "/socket/websocket/clients/rooms/" + room + "/send",
		Token: token, Body: map[string]any{"topic": "test", "data": json.RawMessage(raw)}})
	var s signal.Sent
	res.JSON(t, &s)
	return s.Seq
}

func employee(e *apptest.Env, org id.ID, merchants ...id.ID) string {
	return e.Token(&auth.Principal{UserID: e.App.IDs.Next(), Roles: []auth.Role{auth.Employee}, OrganizerID: org,
		MerchantIDs: merchants, Permissions: []string{"*"}, Kind: auth.KindPIN})
}

func splitHostPort(addr string) (string, string, error) { return net.SplitHostPort(addr) }
