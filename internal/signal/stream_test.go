package signal_test

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/clock"
	"github.com/banapos/bana/internal/signal"
	"github.com/coder/websocket"
)

// TestStream drives /stream end to end: handshake, auth, rooms by tenant, sealed and numbered
// messages, resume, and every bad input closing only its own connection with its code.
func TestStream(t *testing.T) {
	each(t, apptest.Vars{"APP_ENV_WEBSOCKET_HISTORY_SIZE": "3", "APP_ENV_WEBSOCKET_SEND_BUFFER": "4"}, func(t *testing.T, e *apptest.Env, _ *clock.Fake) {
		orgA, orgB := e.App.IDs.Next(), e.App.IDs.Next()
		merA, merB := e.Merchant(orgA), e.Merchant(orgB)
		owner := e.OwnerToken(orgA)
		room := "merchant." + merA.String()

		// A healthy till stays connected through every bad client below.
		till := dial(t, e, owner)
		if till.Welcome.ClientID == "" || till.Welcome.Heartbeat != 25 {
			t.Fatalf("welcome = %+v", till.Welcome)
		}
		join(t, till, room, nil)

		t.Run("room message is sealed, numbered and delivered", func(t *testing.T) {
			seq := sendRoom(t, e, owner, room, map[string]any{"hello": "xin chào"})
			o := next(t, till)
			if o.Type != signal.TypeMessage || o.Room != room || o.Seq != seq || o.Topic != "test" || string(o.Data) != `{"hello":"xin chào"}` {
				t.Fatalf("got %+v (seq %d)", o, seq)
			}
		})

		t.Run("resume sends what was missed, or reload", func(t *testing.T) {
			first := sendRoom(t, e, owner, room, 1)
			next(t, till)
			for i := 2; i <= 3; i++ {
				sendRoom(t, e, owner, room, i)
				next(t, till)
			}
			c := dial(t, e, owner)
			got := join(t, c, room, &first)
			if len(got) != 3 || got[0].Seq != first+1 || got[1].Seq != first+2 || got[2].Type != signal.TypeJoined || got[2].Seq != first+2 {
				t.Fatalf("resume from %d: %+v", first, got)
			}
			c2 := dial(t, e, owner)
			old := first - 2 // history keeps 3
			got = join(t, c2, room, &old)
			if len(got) != 2 || got[0].Type != signal.TypeReload || got[1].Type != signal.TypeJoined {
				t.Fatalf("resume from %d: %+v", old, got)
			}
			future := first + 100
			got = join(t, dial(t, e, owner), room, &future)
			if got[0].Type != signal.TypeReload {
				t.Fatalf("resume from the future: %+v", got)
			}
		})

		t.Run("rooms by tenant scope", func(t *testing.T) {
			emp := dial(t, e, employee(e, orgA, merA))
			join(t, emp, room+".station.BAR", nil)
			join(t, emp, "user."+emp.Welcome.UserID.String(), nil)
			admin := dial(t, e, e.AdminToken())
			join(t, admin, "merchant."+merB.String(), nil)
		})

		bad := []struct {
			name string
			run  func(ctx context.Context, ws *websocket.Conn) error // after the connection opens
			code websocket.StatusCode
		}{
			{"text message", func(ctx context.Context, ws *websocket.Conn) error {
				return ws.Write(ctx, websocket.MessageText, []byte("hello"))
			}, signal.CloseMalformed},
			{"short hello", func(ctx context.Context, ws *websocket.Conn) error {
				return ws.Write(ctx, websocket.MessageBinary, []byte{1, 1, 4})
			}, signal.CloseMalformed},
			{"key off the curve", func(ctx context.Context, ws *websocket.Conn) error {
				h := make([]byte, signal.HelloSize)
				h[0], h[1], h[2] = signal.Version, signal.KindHello, 4
				return ws.Write(ctx, websocket.MessageBinary, h)
			}, signal.CloseBadKey},
		}
		for _, tc := range bad {
			t.Run(tc.name, func(t *testing.T) {
				ctx := testCtx(t)
				ws, _, err := websocket.Dial(ctx, streamURL(e), nil)
				if err != nil {
					t.Fatal(err)
				}
				defer ws.CloseNow()
				if err := tc.run(ctx, ws); err != nil {
					t.Fatal(err)
				}
				_, _, err = ws.Read(ctx)
				if got := websocket.CloseStatus(err); got != tc.code {
					t.Fatalf("close %d (%v), want %d", got, err, tc.code)
				}
			})
		}

		// After the handshake: a client that sends these is closed with the code.
		sealed := []struct {
			name  string
			token string // "" : authenticate with the owner's, then send
			send  func(ctx context.Context, c *signal.Conn) error
			code  websocket.StatusCode
		}{
			{"garbage JSON", "", func(ctx context.Context, c *signal.Conn) error { return c.SendPlain(ctx, []byte("{nope")) }, signal.CloseMalformed},
			{"unknown type", "", func(ctx context.Context, c *signal.Conn) error {
				return c.SendPlain(ctx, []byte(`{"type":"shout"}`))
			}, signal.CloseMalformed},
			{"forged frame", "", func(ctx context.Context, c *signal.Conn) error {
				f := c.Seal([]byte(`{"type":"ping"}`))
				f[len(f)-1] ^= 1
				return c.SendRaw(ctx, f)
			}, signal.CloseDecrypt},
			{"replayed frame", "", func(ctx context.Context, c *signal.Conn) error {
				f := c.Seal([]byte(`{"type":"ping"}`))
				if err := c.SendRaw(ctx, f); err != nil {
					return err
				}
				if _, err := c.Next(ctx); err != nil { // pong
					return err
				}
				return c.SendRaw(ctx, f)
			}, signal.CloseSequence},
			{"reordered frame", "", func(ctx context.Context, c *signal.Conn) error {
				c.Seal([]byte(`{"type":"ping"}`)) // skipped
				return c.SendRaw(ctx, c.Seal([]byte(`{"type":"ping"}`)))
			}, signal.CloseSequence},
			{"another tenant's merchant", "", func(ctx context.Context, c *signal.Conn) error {
				return c.Send(ctx, signal.Inbound{Type: signal.TypeJoin, Room: "merchant." + merB.String()})
			}, signal.CloseForbidden},
			{"another user's room", "", func(ctx context.Context, c *signal.Conn) error {
				return c.Send(ctx, signal.Inbound{Type: signal.TypeJoin, Room: "user.12345"})
			}, signal.CloseForbidden},
			{"unknown room", "", func(ctx context.Context, c *signal.Conn) error {
				return c.Send(ctx, signal.Inbound{Type: signal.TypeJoin, Room: "everyone"})
			}, signal.CloseForbidden},
			{"renewal as another user", "", func(ctx context.Context, c *signal.Conn) error {
				return c.Send(ctx, signal.Inbound{Type: signal.TypeAuth, Token: e.AdminToken()})
			}, signal.CloseUnauthorized},
		}
		for _, tc := range sealed {
			t.Run(tc.name, func(t *testing.T) {
				ctx := testCtx(t)
				c := dial(t, e, owner)
				if err := tc.send(ctx, c); err != nil {
					t.Fatal(err)
				}
				closedWith(t, c, tc.code)
			})
		}

		auths := []struct {
			name, token string
		}{{"no token", ""}, {"bad token", "not.a.jwt"}, {"other secret", signedElsewhere(t)}}
		for _, tc := range auths {
			t.Run(tc.name, func(t *testing.T) {
				_, err := signal.Dial(testCtx(t), streamURL(e), tc.token, http.DefaultClient)
				if got := websocket.CloseStatus(err); got != signal.CloseUnauthorized {
					t.Fatalf("close %d (%v), want 4401", got, err)
				}
			})
		}

		t.Run("first message not auth", func(t *testing.T) {
			ctx := testCtx(t)
			ws, _, err := websocket.Dial(ctx, streamURL(e), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer ws.CloseNow()
			priv, _ := ecdh.P256().GenerateKey(rand.Reader)
			_ = ws.Write(ctx, websocket.MessageBinary, signal.Hello(priv.PublicKey()))
			_, hello, err := ws.Read(ctx)
			if err != nil {
				t.Fatal(err)
			}
			peer, err := signal.ParseHello(hello)
			if err != nil {
				t.Fatal(err)
			}
			s, _ := signal.NewSession(priv, peer, false)
			_ = ws.Write(ctx, websocket.MessageBinary, s.Seal([]byte(`{"type":"ping"}`)))
			_, _, err = ws.Read(ctx)
			if got := websocket.CloseStatus(err); got != signal.CloseUnauthorized {
				t.Fatalf("close %d (%v), want 4401", got, err)
			}
		})

		t.Run("a slow client is dropped, the others get everything", func(t *testing.T) {
			fast, slow := till, dial(t, e, owner)
			join(t, slow, room, nil)
			const n = 40
			big := strings.Repeat("x", 256<<10) // the slow client's socket buffers fill, then its queue
			done := make(chan []int64, 1)
			go func() {
				var seqs []int64
				for len(seqs) < n {
					o, err := fast.Next(testCtx(t))
					if err != nil {
						break
					}
					seqs = append(seqs, o.Seq)
				}
				done <- seqs
			}()
			for range n {
				sendRoom(t, e, owner, room, big)
			}
			seqs := <-done
			if len(seqs) != n {
				t.Fatalf("the fast client got %d of %d", len(seqs), n)
			}
			for i := 1; i < len(seqs); i++ {
				if seqs[i] != seqs[i-1]+1 {
					t.Fatalf("the fast client's sequence jumps: %v", seqs)
				}
			}
			apptest.Eventually(t, "the slow client to be dropped", func() bool { return !connected(t, e, owner, slow.Welcome.ClientID) })
		})

		t.Run("the till saw none of it", func(t *testing.T) {
			seq := sendRoom(t, e, owner, room, "still here")
			if o := next(t, till); o.Seq != seq || string(o.Data) != `"still here"` {
				t.Fatalf("till got %+v", o)
			}
		})
	})
}

func signedElsewhere(t *testing.T) string {
	other, err := auth.NewTokens("another-secret-0123456789abcdef", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := other.Issue(&auth.Principal{UserID: 1, Roles: []auth.Role{auth.SuperAdmin}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
