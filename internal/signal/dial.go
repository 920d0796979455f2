package signal

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/coder/websocket"
)

// Conn is a client of /stream: the Go implementation of the wire format, for tests, the
// benchmark and Go programs (a kitchen display, a till). Its methods are not safe for
// concurrent use, except Close.
type Conn struct {
	WS      *websocket.Conn
	session *Session
	// Welcome is the server's answer to the first auth.
	Welcome Outbound
}

// Dial connects to url (ws://host/api/stream), does the handshake and authenticates with
// token. A refusal is returned as a websocket.CloseError with the server's code and reason.
func Dial(ctx context.Context, url, token string, client *http.Client) (*Conn, error) {
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: client})
	if err != nil {
		return nil, err
	}
	ws.SetReadLimit(1 << 20)
	c, err := handshakeClient(ctx, ws)
	if err != nil {
		ws.CloseNow()
		return nil, err
	}
	if err := c.Send(ctx, Inbound{Type: TypeAuth, Token: token}); err != nil {
		ws.CloseNow()
		return nil, err
	}
	if c.Welcome, err = c.Next(ctx); err != nil {
		ws.CloseNow()
		return nil, err
	}
	if c.Welcome.Type != TypeWelcome {
		ws.CloseNow()
		return nil, fmt.Errorf("signal: want welcome, got %q", c.Welcome.Type)
	}
	return c, nil
}

func handshakeClient(ctx context.Context, ws *websocket.Conn) (*Conn, error) {
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	if err := ws.Write(ctx, websocket.MessageBinary, Hello(priv.PublicKey())); err != nil {
		return nil, err
	}
	_, msg, err := ws.Read(ctx)
	if err != nil {
		return nil, err
	}
	peer, err := ParseHello(msg)
	if err != nil {
		return nil, err
	}
	s, err := NewSession(priv, peer, false)
	if err != nil {
		return nil, err
	}
	return &Conn{WS: ws, session: s}, nil
}

// Send seals and writes one message.
func (c *Conn) Send(ctx context.Context, in Inbound) error {
	raw, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return c.SendPlain(ctx, raw)
}

// SendPlain seals and writes a plaintext as it is (tests send malformed ones).
func (c *Conn) SendPlain(ctx context.Context, plaintext []byte) error {
	return c.WS.Write(ctx, websocket.MessageBinary, c.session.Seal(plaintext))
}

// SendRaw writes a frame as it is, unsealed (tests send replayed and forged ones); Seal
// returns frames to replay.
func (c *Conn) SendRaw(ctx context.Context, frame []byte) error {
	return c.WS.Write(ctx, websocket.MessageBinary, frame)
}

// Seal seals a plaintext with the next sequence without sending it.
func (c *Conn) Seal(plaintext []byte) []byte { return c.session.Seal(plaintext) }

// Next reads and opens the next message of the server.
func (c *Conn) Next(ctx context.Context) (Outbound, error) {
	_, msg, err := c.WS.Read(ctx)
	if err != nil {
		return Outbound{}, err
	}
	pt, err := c.session.Open(msg)
	if err != nil {
		return Outbound{}, err
	}
	var o Outbound
	if err := json.Unmarshal(pt, &o); err != nil {
		return Outbound{}, fmt.Errorf("signal: %w: %v", ErrMalformed, err)
	}
	return o, nil
}

// Join joins a room (since: the last sequence seen, nil for live only) and returns the
// messages the server sent before joined (what was missed, or a reload) and joined itself.
func (c *Conn) Join(ctx context.Context, room string, since *int64) ([]Outbound, error) {
	if err := c.Send(ctx, Inbound{Type: TypeJoin, Room: room, Since: since}); err != nil {
		return nil, err
	}
	var got []Outbound
	for {
		o, err := c.Next(ctx)
		if err != nil {
			return got, err
		}
		got = append(got, o)
		if o.Type == TypeJoined && o.Room == room {
			return got, nil
		}
	}
}

// Close closes the connection normally.
func (c *Conn) Close() error { return c.WS.Close(websocket.StatusNormalClosure, "") }
