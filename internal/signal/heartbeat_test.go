package signal_test

import (
	"testing"
	"time"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/clock"
	"github.com/banapos/bana/internal/signal"
	"github.com/coder/websocket"
)

// TestHeartbeat: with a short heartbeat, a client whose token expires (by the module's clock)
// is closed 4401 and one that never answers pings 4002.
func TestHeartbeat(t *testing.T) {
	vars := apptest.Vars{"APP_ENV_WEBSOCKET_HEARTBEAT": "100ms"}
	each(t, vars, func(t *testing.T, e *apptest.Env, clk *clock.Fake) {
		org := e.App.IDs.Next()
		owner := e.OwnerToken(org)

		t.Run("token expiry", func(t *testing.T) {
			tok, _, err := e.App.Tokens.Issue(&auth.Principal{UserID: org + 1, Roles: []auth.Role{auth.OrganizerOwner}, OrganizerID: org,
				Permissions: []string{"*"}}, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			c := dial(t, e, tok)
			clk.Advance(2 * time.Minute)
			defer clk.Advance(-2 * time.Minute)
			closedWith(t, c, signal.CloseUnauthorized)
		})

		t.Run("no pong", func(t *testing.T) {
			c := dial(t, e, owner)
			id := c.Welcome.ClientID
			apptest.Eventually(t, "the silent client to be dropped", func() bool { return !connected(t, e, owner, id) })
			// It did not read, so it may miss the close frame; a close it reads says 4002.
			_, err := c.Next(testCtx(t))
			if code := websocket.CloseStatus(err); err == nil || (code != -1 && code != signal.CloseHeartbeat) {
				t.Fatalf("after the heartbeat: %v", err)
			}
		})

	})
}

// connected reports whether the client is in the list of connected clients.
func connected(t *testing.T, e *apptest.Env, token, id string) bool {
	var list []signal.Info
	e.Must(200, apptest.Request{Method: "GET", Path: "/socket/websocket/clients", Token: token}).JSON(t, &list)
	for _, c := range list {
		if c.ID == id {
			return true
		}
	}
	return false
}
