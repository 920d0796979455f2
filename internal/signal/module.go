// Package signal is BANA's realtime service for clients (the document's @nx/signal): the
// WebSocket endpoint /stream, end-to-end encrypted, and the REST API under
// /socket/websocket/clients. It keeps no tables.
//
// A client connects to /stream, sends its ECDH P-256 public key and gets the server's; both
// derive two AES-256-GCM keys (one per direction) with HKDF-SHA256, and every later message is
// sealed with a fresh nonce and a sequence number, so that a replayed, reordered or altered frame
// closes the connection (protocol.go; docs/signal.md is the specification). The first sealed
// message authenticates with a JWT (a user's, an employee PIN's or a device's); the connection
// closes when the token expires or is revoked. Clients join rooms (model.go: a user's, a
// merchant's, an order's, a kitchen station's) that their token's tenant scope allows.
//
// Delivery goes through the platform's realtime hub (internal/platform/realtime): in-process in
// the embedded default, across processes over Redis Pub/Sub when configured. Sale publishes
// order and kitchen changes there; signal numbers them into rooms (service.go), each room's
// messages keep a sequence and a bounded history (history.go: in Redis when configured), and a
// client that reconnects names the last sequence it saw and gets what it missed, or is told to
// reload. A client that falls behind its send queue is dropped, never waited for (client.go).
package signal

import (
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/banapos/bana/internal/platform/api"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/clock"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/module"
	"github.com/banapos/bana/internal/platform/realtime"
	"github.com/coder/websocket"
	"github.com/redis/go-redis/v9"
)

// Permissions of the REST API: listing clients, sending to them, disconnecting them.
const (
	PermRead       = "signal.read"
	PermSend       = "signal.send"
	PermDisconnect = "signal.disconnect"
)

// Config tunes the connections; zero fields take the defaults.
type Config struct {
	Heartbeat        time.Duration // ping interval and pong deadline; token re-check (25s)
	HandshakeTimeout time.Duration // hello and auth must arrive within it (10s)
	WriteTimeout     time.Duration // one write to a client (10s)
	SendBuffer       int           // messages queued per client before it is dropped (64)
	MaxMessage       int           // largest plaintext a client may send (16 KiB)
	MaxRooms         int           // rooms per connection (32)
	HistorySize      int           // messages kept per room for resume (100)
	HistoryTTL       time.Duration // a room's history lives this long after its last message (24h)
	// Origins are the browser origins allowed to connect (the server's CORS origins); "*" or
	// none allows any.
	Origins []string
}

func (c Config) withDefaults() Config {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	defInt := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.Heartbeat, 25*time.Second)
	def(&c.HandshakeTimeout, 10*time.Second)
	def(&c.WriteTimeout, 10*time.Second)
	def(&c.HistoryTTL, 24*time.Hour)
	defInt(&c.SendBuffer, 64)
	defInt(&c.MaxMessage, 16<<10)
	defInt(&c.MaxRooms, 32)
	defInt(&c.HistorySize, 100)
	return c
}

// Deps are what the module is built from.
type Deps struct {
	module.Platform
	// Redis keeps the rooms' sequences and histories and the client directory, shared by every
	// process; nil keeps them in this process (the embedded default).
	Redis  redis.UniversalClient
	Config Config
}

// Module is the signal module.
type Module struct {
	module.Base
	live    *realtime.Hub
	clock   clock.Clock
	log     *slog.Logger
	tokens  *auth.Tokens
	auth    *auth.Authenticator
	cfg     Config
	accept  websocket.AcceptOptions
	reg     *registry
	history History
	dir     directory
	relay   *relayQueue
	// basePath is the API's base path, under which /stream is served ("" for the root).
	basePath string
}

// New builds the module and subscribes it to the realtime hub.
func New(d Deps) *Module {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	cfg := d.Config.withDefaults()
	m := &Module{live: d.Live, clock: clock.Or(d.Clock), log: d.Log, tokens: d.Tokens, cfg: cfg, reg: newRegistry()}
	if d.Redis != nil {
		m.history = &redisHistory{rdb: d.Redis, size: cfg.HistorySize, ttl: cfg.HistoryTTL}
		m.dir = directory{rdb: d.Redis, ttl: 3 * cfg.Heartbeat}
	} else {
		m.history = newMemHistory(cfg.HistorySize, cfg.HistoryTTL, m.clock.Now)
	}
	m.basePath = "/api"
	if d.Platform.Config != nil {
		m.basePath = strings.TrimSuffix(d.Platform.Config.Server.BasePath, "/")
	}
	m.accept = acceptOptions(cfg.Origins)
	m.relay = &relayQueue{m: m}
	m.subscribe()
	return m
}

// acceptOptions allows the browser origins of the server's CORS setting.
func acceptOptions(origins []string) websocket.AcceptOptions {
	o := websocket.AcceptOptions{}
	for _, v := range origins {
		if v == "*" {
			return websocket.AcceptOptions{InsecureSkipVerify: true}
		}
		if u, err := url.Parse(v); err == nil && u.Host != "" {
			o.OriginPatterns = append(o.OriginPatterns, strings.ToLower(u.Scheme+"://"+u.Host))
		} else {
			o.OriginPatterns = append(o.OriginPatterns, v)
		}
	}
	if len(o.OriginPatterns) == 0 {
		o.InsecureSkipVerify = true
	}
	return o
}

// Name is the module's name in APP_ENV_SERVICES.
func (m *Module) Name() string { return "signal" }

// Migrations is empty: signal keeps no tables.
func (m *Module) Migrations() db.Migrations { return db.Migrations{Module: "signal"} }

// Routes registers /stream and the REST API under /socket/websocket/clients.
func (m *Module) Routes(s *api.Server) {
	m.auth = s.Auth
	if m.auth == nil {
		m.auth = &auth.Authenticator{Tokens: m.tokens}
	}
	m.routes(s)
}
