package signal

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/coder/websocket"
)

// serveStream is GET /stream: the WebSocket upgrade, then the connection until it closes.
func (m *Module) serveStream(w http.ResponseWriter, r *http.Request) {
	// The server's read and write timeouts would end the connection: it has its own heartbeat.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	ws, err := websocket.Accept(w, r, &m.accept)
	if err != nil {
		return // Accept answered the request
	}
	ws.SetReadLimit(int64(m.cfg.MaxMessage) + Overhead)
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	defer cancel()
	c, code, reason := m.handshake(ctx, ws, r.RemoteAddr)
	if c == nil {
		_ = ws.Close(code, reason)
		return
	}
	m.reg.add(c)
	m.dir.put(ctx, c)
	// The welcome goes once the client is registered: a client that got it is reachable.
	c.mu.Lock()
	code, reason = c.reply(ctx, m.cfg.WriteTimeout, Outbound{Type: TypeWelcome, ClientID: c.id, UserID: c.principal.UserID,
		ExpiresAt: &c.expires, Heartbeat: int(m.cfg.Heartbeat / time.Second)})
	c.mu.Unlock()
	if code != 0 {
		c.kick(code, reason)
	}
	var wg sync.WaitGroup
	wg.Go(func() { m.writeLoop(ctx, c) })
	m.readLoop(ctx, c)
	wg.Wait()
	m.reg.remove(c)
	m.dir.drop(ctx, c)
	m.log.DebugContext(ctx, "signal: client closed", "client", c.id, "code", int(c.code), "reason", c.reason)
}

// handshake reads the client's hello, answers with the server's, and reads the first sealed
// frame, which must authenticate. It returns the client, or the close code and reason.
func (m *Module) handshake(ctx context.Context, ws *websocket.Conn, remote string) (*client, websocket.StatusCode, string) {
	// Read's context would close the connection without a code: a timer closes it with one.
	timer := time.AfterFunc(m.cfg.HandshakeTimeout, func() { _ = ws.Close(CloseTimeout, "no hello and auth within the handshake time") })
	defer timer.Stop()
	typ, msg, err := ws.Read(ctx)
	if err != nil {
		return nil, CloseMalformed, "no hello"
	}
	if typ != websocket.MessageBinary {
		return nil, CloseMalformed, "messages are binary"
	}
	peer, err := ParseHello(msg)
	if err != nil {
		return nil, closeFor(err), err.Error()
	}
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return nil, websocket.StatusInternalError, "no key"
	}
	sess, err := NewSession(priv, peer, true)
	if err != nil {
		return nil, closeFor(err), err.Error()
	}
	if err := ws.Write(ctx, websocket.MessageBinary, Hello(priv.PublicKey())); err != nil {
		return nil, CloseMalformed, "write failed"
	}
	in, code, reason := m.readInbound(ctx, ws, sess)
	if code != 0 {
		return nil, code, reason
	}
	if in.Type != TypeAuth {
		return nil, CloseUnauthorized, "the first message must be auth"
	}
	p, exp, err := m.authenticate(ctx, in.Token)
	if err != nil {
		return nil, CloseUnauthorized, err.Error()
	}
	if !timer.Stop() {
		return nil, CloseTimeout, "no hello and auth within the handshake time"
	}
	c := &client{id: newClientID(), ws: ws, session: sess, connected: m.clock.Now(), remote: remote,
		queue: make(chan *Entry, m.cfg.SendBuffer), principal: p, expires: exp,
		rooms: map[string]int64{}}
	c.ctx, c.cancel = context.WithCancel(ctx)
	return c, 0, ""
}

// readInbound reads and opens one sealed frame and decodes its message.
func (m *Module) readInbound(ctx context.Context, ws *websocket.Conn, sess *Session) (Inbound, websocket.StatusCode, string) {
	typ, msg, err := ws.Read(ctx)
	if err != nil {
		var ce websocket.CloseError
		if errors.As(err, &ce) {
			return Inbound{}, ce.Code, "closed by the client"
		}
		if errors.Is(err, websocket.ErrMessageTooBig) || errors.As(err, new(*websocket.CloseError)) {
			return Inbound{}, websocket.StatusMessageTooBig, "message too big"
		}
		return Inbound{}, CloseMalformed, "read failed"
	}
	if typ != websocket.MessageBinary {
		return Inbound{}, CloseMalformed, "messages are binary"
	}
	pt, err := sess.Open(msg)
	if err != nil {
		return Inbound{}, closeFor(err), err.Error()
	}
	in, err := ParseInbound(pt)
	if err != nil {
		return Inbound{}, CloseMalformed, err.Error()
	}
	return in, 0, ""
}

// ParseInbound decodes a client's message: one JSON object of a known type, no unknown fields.
func ParseInbound(pt []byte) (Inbound, error) {
	var in Inbound
	dec := json.NewDecoder(bytes.NewReader(pt))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return Inbound{}, fmt.Errorf("%w: not a message: %v", ErrMalformed, err)
	}
	if dec.More() {
		return Inbound{}, fmt.Errorf("%w: one JSON object per frame", ErrMalformed)
	}
	switch in.Type {
	case TypeAuth, TypeJoin, TypeLeave, TypePing:
	default:
		return Inbound{}, fmt.Errorf("%w: unknown message type %q", ErrMalformed, in.Type)
	}
	if in.Since != nil && *in.Since < 0 {
		return Inbound{}, fmt.Errorf("%w: since must be >= 0", ErrMalformed)
	}
	return in, nil
}

// authenticate verifies a token as every route does (signature, expiry, revocation) and
// returns its principal and expiry.
func (m *Module) authenticate(ctx context.Context, token string) (*auth.Principal, time.Time, error) {
	if token == "" {
		return nil, time.Time{}, errors.New("a token is required")
	}
	_, exp, err := m.tokens.Verify(token)
	if err != nil {
		return nil, time.Time{}, errors.New("invalid or expired token")
	}
	if !m.clock.Now().Before(exp) {
		return nil, time.Time{}, errors.New("the token has expired")
	}
	p, err := m.auth.Authenticate(ctx, "Bearer "+token)
	if err != nil || p == nil {
		if err != nil && errs.KindOf(err) != errs.Unauthorized {
			return nil, time.Time{}, errors.New("cannot check the token now")
		}
		return nil, time.Time{}, errors.New("invalid, expired or revoked token")
	}
	return p, exp, nil
}

// readLoop reads the client's messages until it closes or is kicked.
func (m *Module) readLoop(ctx context.Context, c *client) {
	for {
		in, code, reason := m.readInbound(ctx, c.ws, c.session)
		if code != 0 {
			c.kick(code, reason)
			return
		}
		if code, reason := m.handle(ctx, c, in); code != 0 {
			c.kick(code, reason)
			return
		}
	}
}

// handle runs one message of the client.
func (m *Module) handle(ctx context.Context, c *client, in Inbound) (websocket.StatusCode, string) {
	switch in.Type {
	case TypeAuth:
		p, exp, err := m.authenticate(ctx, in.Token)
		if err != nil {
			return CloseUnauthorized, err.Error()
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		if p.UserID != c.principal.UserID || p.Kind != c.principal.Kind {
			return CloseUnauthorized, "a renewed token must be of the same user"
		}
		c.principal, c.expires = p, exp
		return c.reply(ctx, m.cfg.WriteTimeout, Outbound{Type: TypeWelcome, ClientID: c.id, UserID: p.UserID, ExpiresAt: &exp,
			Heartbeat: int(m.cfg.Heartbeat / time.Second)})
	case TypePing:
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.reply(ctx, m.cfg.WriteTimeout, Outbound{Type: TypePong})
	case TypeLeave:
		c.mu.Lock()
		defer c.mu.Unlock()
		delete(c.rooms, in.Room)
		m.reg.leave(c, in.Room)
		return c.reply(ctx, m.cfg.WriteTimeout, Outbound{Type: TypeLeft, Room: in.Room})
	case TypeJoin:
		return m.join(ctx, c, in)
	}
	return CloseMalformed, "unknown message type"
}

func (c *client) reply(ctx context.Context, timeout time.Duration, o Outbound) (websocket.StatusCode, string) {
	if err := c.send(ctx, timeout, o); err != nil {
		return websocket.StatusGoingAway, "write failed"
	}
	return 0, ""
}

// join admits the client to a room its token's tenant scope allows, sends what it missed
// since the sequence it names (or reload when that is no longer kept), then joined.
func (m *Module) join(ctx context.Context, c *client, in Inbound) (websocket.StatusCode, string) {
	room, err := ParseRoom(in.Room)
	if err != nil {
		return CloseForbidden, err.Error()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := m.mayJoin(ctx, c.principal, room); err != nil {
		return CloseForbidden, "may not join " + room.Name
	}
	if _, ok := c.rooms[room.Name]; ok {
		return c.reply(ctx, m.cfg.WriteTimeout, Outbound{Type: TypeJoined, Room: room.Name, Seq: c.rooms[room.Name]})
	}
	if len(c.rooms) >= m.cfg.MaxRooms {
		return CloseForbidden, fmt.Sprintf("at most %d rooms per connection", m.cfg.MaxRooms)
	}
	// Registered first: what is published from now on is queued; the writer skips what the
	// replay below already sent (it waits for c.mu, held until the replay is done).
	m.reg.join(c, room.Name)
	after := int64(0)
	if in.Since != nil {
		after = *in.Since
	}
	entries, current, complete, err := m.history.Since(ctx, room.Name, after)
	if err != nil {
		m.reg.leave(c, room.Name)
		return websocket.StatusTryAgainLater, "the room's history cannot be read now"
	}
	c.rooms[room.Name] = current
	if in.Since != nil {
		if !complete {
			if code, reason := c.reply(ctx, m.cfg.WriteTimeout, Outbound{Type: TypeReload, Room: room.Name, Seq: current}); code != 0 {
				return code, reason
			}
		} else {
			for i := range entries {
				if code, reason := c.reply(ctx, m.cfg.WriteTimeout, entries[i].outbound()); code != 0 {
					return code, reason
				}
			}
		}
	}
	return c.reply(ctx, m.cfg.WriteTimeout, Outbound{Type: TypeJoined, Room: room.Name, Seq: current})
}

func (e *Entry) outbound() Outbound {
	o := Outbound{Type: TypeMessage, Room: e.Room, Seq: e.Seq, Topic: e.Topic, Data: e.Data}
	if !e.At.IsZero() {
		at := e.At
		o.At = &at
	}
	return o
}

// mayJoin is the tenant rule of rooms: a user's room is its own; a merchant's rooms are for
// callers who may act for the merchant (auth.ActFor); admins join any.
func (m *Module) mayJoin(ctx context.Context, p *auth.Principal, r Room) error {
	if p.IsAdmin() {
		return nil
	}
	if r.User != 0 {
		if r.User == p.UserID {
			return nil
		}
		return errs.ErrNotFound
	}
	if p.OrganizerID == 0 {
		return errs.ErrNotFound
	}
	return auth.ActFor(auth.WithPrincipal(ctx, p), p.OrganizerID, r.Merchant)
}

// writeLoop sends what fan-out queued for the client, beats the heart and re-checks the token,
// until the client is kicked; then it closes the connection with the kick's code.
func (m *Module) writeLoop(ctx context.Context, c *client) {
	tick := time.NewTicker(m.cfg.Heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-c.ctx.Done():
			_ = c.ws.Close(c.code, c.reason)
			return
		case e := <-c.queue:
			if err := m.deliver(ctx, c, e); err != nil {
				c.kick(websocket.StatusGoingAway, "write failed")
			}
		case <-tick.C:
			m.beat(ctx, c)
		}
	}
}

// deliver writes one queued message, unless the client left its room or got it already.
func (m *Module) deliver(ctx context.Context, c *client, e *Entry) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e.Room != "" {
		last, ok := c.rooms[e.Room]
		if !ok || (e.Seq != 0 && e.Seq <= last) { // 0: not numbered (the history was unreachable)
			return nil
		}
		c.rooms[e.Room] = max(last, e.Seq)
	} else if !e.forClient(c.principal) {
		return nil
	}
	return c.sendRaw(c.ctx, m.cfg.WriteTimeout, e.plaintext())
}

// beat pings the client (its pong must come within the heartbeat) and closes the connection
// when the token has expired or was revoked.
func (m *Module) beat(ctx context.Context, c *client) {
	c.mu.Lock()
	p, exp := c.principal, c.expires
	c.mu.Unlock()
	if !m.clock.Now().Before(exp) {
		c.kick(CloseUnauthorized, "the token has expired")
		return
	}
	if m.auth.Revoked != nil {
		if revoked, err := m.auth.Revoked.IsRevoked(ctx, p); err == nil && revoked {
			c.kick(CloseUnauthorized, "the token was revoked")
			return
		}
	}
	m.dir.put(ctx, c)
	go func() {
		pctx, cancel := context.WithTimeout(ctx, m.cfg.Heartbeat)
		defer cancel()
		if err := c.ws.Ping(pctx); err != nil {
			c.kick(CloseHeartbeat, "no pong within the heartbeat")
		}
	}()
}
