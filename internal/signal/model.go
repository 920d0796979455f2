package signal

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/banapos/bana/internal/platform/id"
	"github.com/coder/websocket"
)

// Close codes of /stream (4000-4999 are the application's, RFC 6455 section 7.4.2). The reason
// sent with each says what happened in words.
const (
	CloseDisconnected websocket.StatusCode = 4000 // an operator disconnected the client (REST)
	CloseTooSlow      websocket.StatusCode = 4001 // the client fell behind its send buffer
	CloseHeartbeat    websocket.StatusCode = 4002 // no pong within the heartbeat
	CloseMalformed    websocket.StatusCode = 4400 // a frame or message that does not parse
	CloseUnauthorized websocket.StatusCode = 4401 // no, a bad, an expired or a revoked token
	CloseForbidden    websocket.StatusCode = 4403 // a room the token may not join
	CloseTimeout      websocket.StatusCode = 4408 // no hello or auth within the handshake time
	CloseSequence     websocket.StatusCode = 4409 // a replayed or reordered frame
	CloseBadKey       websocket.StatusCode = 4422 // a public key that is not a P-256 point
	CloseDecrypt      websocket.StatusCode = 4423 // a frame that does not decrypt and verify
)

// closeFor maps a protocol error to its close code.
func closeFor(err error) websocket.StatusCode {
	switch {
	case errors.Is(err, ErrBadKey):
		return CloseBadKey
	case errors.Is(err, ErrDecrypt):
		return CloseDecrypt
	case errors.Is(err, ErrSequence):
		return CloseSequence
	}
	return CloseMalformed
}

// Types of the JSON messages inside sealed frames.
const (
	TypeAuth    = "auth"    // client: {"type":"auth","token":"<jwt>"}, first, and again to renew
	TypeJoin    = "join"    // client: {"type":"join","room":"...","since":42} (since optional)
	TypeLeave   = "leave"   // client: {"type":"leave","room":"..."}
	TypePing    = "ping"    // client: {"type":"ping"}; the server answers pong
	TypeWelcome = "welcome" // server: after the first auth
	TypeJoined  = "joined"  // server: {"type":"joined","room":"...","seq":N} after what was missed
	TypeLeft    = "left"    // server: {"type":"left","room":"..."}
	TypeMessage = "message" // server: a room's message (room, seq) or a direct one (neither)
	TypeReload  = "reload"  // server: the room's missed messages are no longer kept
	TypePong    = "pong"    // server: the answer to ping
)

// Inbound is a message a client sends.
type Inbound struct {
	Type  string `json:"type"`
	Token string `json:"token,omitempty"`
	Room  string `json:"room,omitempty"`
	Since *int64 `json:"since,omitempty"`
}

// Outbound is a message the server sends.
type Outbound struct {
	Type      string          `json:"type"`
	ClientID  string          `json:"clientId,omitempty"`
	UserID    id.ID           `json:"userId,omitempty"`
	ExpiresAt *time.Time      `json:"expiresAt,omitempty"`
	Heartbeat int             `json:"heartbeatSeconds,omitempty"`
	Room      string          `json:"room,omitempty"`
	Seq       int64           `json:"seq,omitempty"`
	Topic     string          `json:"topic,omitempty"`
	Data      json.RawMessage `json:"data,omitempty"`
	At        *time.Time      `json:"at,omitempty"`
}

// Room is a parsed room name. Rooms are:
//
//	user.<userId>                          what is sent to one user
//	merchant.<merchantId>                  a merchant's order changes (a till)
//	merchant.<merchantId>.order.<orderId>  one order's changes (a customer display, a QR till)
//	merchant.<merchantId>.station.<code>   one kitchen station's tickets (a kitchen display)
type Room struct {
	Name     string
	User     id.ID // user rooms
	Merchant id.ID // merchant rooms and their sub-rooms
	Order    id.ID
	Station  string
}

var stationCode = regexp.MustCompile(`^[A-Za-z0-9_-]{1,40}$`)

// ErrBadRoom is the answer for a room name that is none of the forms of Room.
var ErrBadRoom = errors.New("unknown room: want user.<id>, merchant.<id>, merchant.<id>.order.<id> or merchant.<id>.station.<code>")

// ParseRoom parses a room name.
func ParseRoom(name string) (Room, error) {
	if len(name) > 120 {
		return Room{}, ErrBadRoom
	}
	parts := strings.Split(name, ".")
	r := Room{Name: name}
	var err error
	switch {
	case len(parts) == 2 && parts[0] == "user":
		r.User, err = id.Parse(parts[1])
	case len(parts) >= 2 && parts[0] == "merchant":
		if r.Merchant, err = id.Parse(parts[1]); err != nil {
			break
		}
		switch {
		case len(parts) == 2:
		case len(parts) == 4 && parts[2] == "order":
			r.Order, err = id.Parse(parts[3])
		case len(parts) == 4 && parts[2] == "station" && stationCode.MatchString(parts[3]):
			r.Station = parts[3]
		default:
			return Room{}, ErrBadRoom
		}
	default:
		return Room{}, ErrBadRoom
	}
	if err != nil || (r.User <= 0 && r.Merchant <= 0) || (len(parts) == 4 && parts[2] == "order" && r.Order <= 0) {
		return Room{}, ErrBadRoom
	}
	return r, nil
}

// Room names of sale's realtime topics.
func merchantRoom(m id.ID) string           { return "merchant." + m.String() }
func orderRoom(m, o id.ID) string           { return merchantRoom(m) + ".order." + o.String() }
func stationRoom(m id.ID, st string) string { return merchantRoom(m) + ".station." + st }

// Topics of the messages signal relays from sale (Outbound.Topic).
const (
	TopicOrder  = "sale.order"  // data: sale.OrderEvent
	TopicTicket = "sale.ticket" // data: sale.TicketEvent
)
